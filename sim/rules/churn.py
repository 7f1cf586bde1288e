"""Leaving a firm after a bad experience, and what the loss is blamed on.

Seed ideas: the *leaky bucket* — customers leak through holes labelled rude, poor
service, untrained staff, poor quality, poor selection; needs that move away from the
product; "no promotion, no purchase". Most dissatisfied customers do not complain but
simply leave; behavioural trust tolerates occasional failures. Losses are in value units.
"""

from __future__ import annotations


def leave_probability(shortfall: float, trust: float, sensitivity: float,
                      tolerance: float) -> float:
    """Chance of leaving the firm after an experience that fell ``shortfall`` bands short
    (the churn hazard): ``min(1, sensitivity * shortfall * (1 - tolerance * trust))``."""
    return min(1.0, sensitivity * shortfall * (1.0 - tolerance * trust))


def need_loss(material_weight: float, quality: float, fit_at_join: float, fit: float) -> float:
    """Value lost because the customer's need moved away from the product since joining:
    the material value of the fit lost, ``w_material (0.5 + 0.5 quality) max(0, fit at
    joining - fit now)``."""
    return material_weight * (0.5 + 0.5 * quality) * max(0.0, fit_at_join - fit)


def price_loss(value_for_money: float, value_for_money_weight: float) -> float:
    """Value lost to paying above the reference price: ``max(0, -w * value for money)``."""
    return max(0.0, -value_for_money_weight * value_for_money)
