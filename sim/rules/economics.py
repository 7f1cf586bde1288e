"""What a purchase brings in and costs: the economics of trust, per purchase.

Seed ideas: trusting customers buy more over time; they cost less to serve as tenure
grows; loyalty points are a cost only when redeemed; "80 % of profit comes from 20 % of
customers" (baskets are heavy-tailed, drawn in :mod:`sim.model.population`). Money is in
the scenario's money units.
"""

from __future__ import annotations


def units_bought(basket: float, trust: float, spend_growth: float) -> float:
    """Units bought in one purchase: the customer's base basket, larger by up to
    ``spend_growth`` at full trust with the firm (trust before this purchase)."""
    return basket * (1.0 + spend_growth * trust)


def serving_cost(tenure: int, serve_cost: float, tenure_saving: float,
                 full_tenure: int) -> float:
    """Cost of serving one purchase (money/purchase): ``serve_cost``, less a share
    ``tenure_saving`` that grows linearly with tenure up to ``full_tenure`` steps."""
    return serve_cost * (1.0 - tenure_saving * min(tenure, full_tenure) / full_tenure)


def goods_cost(units: float, quality: float, unit_cost: float, quality_unit_cost: float) -> float:
    """Cost of the goods sold: ``(unit_cost + quality_unit_cost * quality) * units``
    (quality — the trust factor *ability* — costs money)."""
    return (unit_cost + quality_unit_cost * quality) * units


def points_cost(revenue: float, points_rate: float, redemption: float) -> float:
    """Cost of the loyalty points a member earns on ``revenue``: the points returned
    times the share ever redeemed."""
    return points_rate * revenue * redemption


def complaint_cost(recovery: float, recovery_cost: float) -> float:
    """Cost of handling one complaint: ``recovery_cost`` at full recovery effort, in
    proportion to the firm's recovery lever (timely service and recovery cost money)."""
    return recovery_cost * recovery


def advertising_cost(advertising: float, audience: int, contact_cost: float) -> float:
    """A step's advertising spend (the bucket's inflow is bought): the firm's reach
    ``advertising`` per person times the audience (everyone present who is not its
    customer, aware or not) times the cost per contact."""
    return advertising * audience * contact_cost


def relationship_spend(training: float, service: float, personalisation: float,
                       training_cost: float, service_cost: float,
                       personalisation_cost: float) -> float:
    """What trust building costs per active customer and step: staff training, timely
    service and personalisation, each at its lever times its cost at lever 1."""
    return (training_cost * training + service_cost * service
            + personalisation_cost * personalisation)
