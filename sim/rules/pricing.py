"""Prices as customers see them: reference prices, prospect theory, deal dependence.

Seed ideas: *customer bribery* — long-term promotion makes customers dependent ("no
promotion, no purchase") and is a disguised price war. Outside facts (Kalwani & Yim 1992;
Mela, Gupta & Lehmann 1997): frequent, deep promotions lower the price customers expect;
losses (paying above the reference) loom larger than gains; there is a zone of price
insensitivity around the reference; promotions make customers more price sensitive.
Prices are in money per unit; sensitivities in value units per unit relative gap.
"""

from __future__ import annotations


def promotion_active(step: int, period: int, duration: int) -> bool:
    """Whether a firm's promotion schedule has the discount on at ``step`` (the first
    ``duration`` steps of every ``period``)."""
    return duration > 0 and (step % period) < duration


def price_disutility(relative_price: float, sensitivity: float, loss_aversion: float,
                     zone: float) -> float:
    """Utility lost to price, relative to the reference price (prospect theory).

    The relative gap ``g = relative_price - 1`` (``relative_price`` = price / reference
    price) is ignored inside ``±zone``; beyond it, gains count once and losses
    ``loss_aversion`` times, scaled by ``sensitivity``. Negative results are gains.
    """
    gap = relative_price - 1.0
    loss = gap - zone if gap > zone else 0.0
    gain = gap + zone if gap < -zone else 0.0
    return sensitivity * (loss_aversion * loss + gain)


def effective_sensitivity(base: float, trust: float, deal_dependence: float,
                          trust_insensitivity: float, deal_sensitivity: float) -> float:
    """Price sensitivity after trust lowers it and deal dependence raises it.

    ``base * (1 - trust_insensitivity * trust) * (1 + deal_sensitivity * deal_dependence)``:
    trusting customers are less price sensitive; promotions make customers more so.
    """
    return base * (1.0 - trust_insensitivity * trust) * (1.0 + deal_sensitivity * deal_dependence)


def update_reference_price(reference: float, paid: float, rate: float) -> float:
    """The reference price moves a share ``rate`` toward the price paid (adaptive
    expectations of price; deep, frequent promotions pull it down)."""
    return reference + rate * (paid - reference)


def update_deal_dependence(dependence: float, on_deal: bool, gain: float,
                           decay: float) -> float:
    """Deal dependence in [0, 1] after a purchase: a purchase on a deal adds ``gain *
    (1 - dependence)`` ("no promotion, no purchase"), a full-price one removes a share
    ``decay``."""
    return dependence + gain * (1.0 - dependence) if on_deal else dependence * (1.0 - decay)


def promotion_price(list_price: float, depth: float) -> float:
    """The price charged while a promotion of ``depth`` (share of list price) runs."""
    return list_price * (1.0 - depth)
