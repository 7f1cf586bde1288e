"""Which firm a shopper buys from on a purchase occasion (random-utility logit).

Seed ideas: satisfied customers who do not yet trust still switch readily; *emotional*
trust adds preference; *behavioural* trust gives habitual repurchase and resistance to
competitors' promotions; trusting customers are less price sensitive. Utilities are in
value units; the logit noise is a standard Gumbel draw per option.
"""

from __future__ import annotations

from sim.rules.pricing import price_disutility


def seen_price(promotion_price: float, list_price: float, points_rate: float, member: bool,
               resists_promotion: bool, promotion_resistance: float) -> float:
    """The unit price a shopper compares for one firm (money per unit).

    A behavioural truster of another firm (``resists_promotion``) barely notices this
    firm's promotion: it sees only ``1 - promotion_resistance`` of the cut. Members of the
    firm's points programme see the price less the points returned.
    """
    price = promotion_price
    if resists_promotion:
        price = list_price - (1.0 - promotion_resistance) * (list_price - promotion_price)
    return price * (1.0 - points_rate) if member else price


def utility(expected: float, relative_price: float, sensitivity: float, trust: float,
            emotional: bool, current: bool, loss_aversion: float, zone: float,
            emotional_preference: float, switching_cost: float) -> float:
    """Deterministic utility of one firm for one shopper (value units).

    ``U = expected value - price disutility + emotional_preference * trust (from the
    emotional stage on) + switching_cost (the current firm)``.

    Parameters
    ----------
    expected : the shopper's expected value of the firm.
    relative_price : the seen price over the shopper's reference price.
    sensitivity : effective price sensitivity (:func:`sim.rules.pricing.effective_sensitivity`).
    trust : trust in the firm; emotional : trust has reached the emotional stage.
    current : the firm is the shopper's current firm.
    """
    u = expected - price_disutility(relative_price, sensitivity, loss_aversion, zone)
    if emotional:
        u += emotional_preference * trust
    return u + switching_cost if current else u


def choice_score(utility: float, precision: float, noise: float) -> float:
    """An option's score in the logit choice: ``precision * utility + noise`` with
    standard Gumbel ``noise``; the shopper takes the highest-scoring option, not buying
    included (Gumbel-max: the choice probabilities are the logit's)."""
    return precision * utility + noise
