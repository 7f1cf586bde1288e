"""Prices as customers see them: reference prices, prospect theory, deal dependence.

Seed ideas: *customer bribery* — long-term promotion makes customers dependent ("no
promotion, no purchase") and is a disguised price war. Outside facts (Kalwani & Yim 1992;
Mela, Gupta & Lehmann 1997): frequent, deep promotions lower the price customers expect;
losses (paying above the reference) loom larger than gains; there is a zone of price
insensitivity around the reference; promotions make customers more price sensitive.
"""

from __future__ import annotations

import numpy as np


def promotion_active(step: int, period: int, duration: int) -> bool:
    """Whether a firm's promotion schedule has the discount on at ``step``."""
    return duration > 0 and (step % period) < duration


def price_disutility(price: np.ndarray, reference: np.ndarray, sensitivity: np.ndarray,
                     loss_aversion: float, zone: float) -> np.ndarray:
    """Utility lost to price, relative to the reference price (prospect theory).

    The relative gap ``g = price / reference - 1`` is ignored inside ``±zone``; beyond it,
    gains count once and losses ``loss_aversion`` times, scaled by ``sensitivity`` (value
    units per unit relative gap). Negative results are gains.
    """
    gap = price / reference - 1.0
    loss = np.maximum(0.0, gap - zone)
    gain = np.minimum(0.0, gap + zone)
    return sensitivity * (loss_aversion * loss + gain)


def effective_sensitivity(base: np.ndarray, trust: np.ndarray, deal_dependence: np.ndarray,
                          trust_insensitivity: float, deal_sensitivity: float) -> np.ndarray:
    """Price sensitivity after trust lowers it and deal dependence raises it.

    ``base * (1 - trust_insensitivity * trust) * (1 + deal_sensitivity * dependence)``.
    """
    return base * (1.0 - trust_insensitivity * trust) * (1.0 + deal_sensitivity * deal_dependence)


def update_reference_price(reference: np.ndarray, paid: np.ndarray, rate: float) -> np.ndarray:
    """The reference price moves a share ``rate`` toward the price paid."""
    return reference + rate * (paid - reference)


def update_deal_dependence(dependence: np.ndarray, on_deal: np.ndarray, gain: float,
                           decay: float) -> np.ndarray:
    """Deal dependence grows with each purchase on a deal and fades with full-price ones."""
    return np.where(on_deal, dependence + gain * (1.0 - dependence),
                    dependence * (1.0 - decay)).astype(dependence.dtype)
