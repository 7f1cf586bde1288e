"""Satisfaction: perceived performance against expectation, and the 5-point scale.

Seed idea (Kotler): satisfaction is the comparison of perceived performance with
expectation — per purchase, perceptual, volatile. Value for money (paying below or above
the reference price) adds to it: discounts do raise satisfaction.
"""

from __future__ import annotations

import numpy as np

#: Labels of the 5-point scale, index = rating - 1.
SCALE = ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied")


def disconfirmation(perceived: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Performance surprise: perceived value minus expected value (value units)."""
    return perceived - expected


def comparison_standard(own: np.ndarray, best_known: np.ndarray, norm_weight: float) -> np.ndarray:
    """What an experience is judged against: the firm's own expectation, pulled toward the
    best expectation the customer holds of any known firm (experience-based norms;
    Woodruff, Cadotte & Jenkins 1983). ``norm_weight`` 0 compares with the firm alone."""
    return own + norm_weight * np.maximum(0.0, best_known - own)


def value_for_money(paid_price: np.ndarray, reference_price: np.ndarray) -> np.ndarray:
    """Relative saving against the customer's reference price (negative = paid more)."""
    return (reference_price - paid_price) / reference_price


def rating(surprise: np.ndarray, band: float) -> np.ndarray:
    """Map a total surprise to the 5-point scale (1 = very dissatisfied ... 5 = very satisfied).

    Neutral covers ``|surprise| <= band / 2``; each further ``band`` moves one point.
    """
    points = np.floor(surprise / band + 0.5) + 3
    return np.clip(points, 1, 5).astype(np.int8)


def expectations_met(surprise: np.ndarray, band: float) -> np.ndarray:
    """True where the experience met expectations within the zone of tolerance (half a band)."""
    return surprise >= -0.5 * band


def shortfall(surprise: np.ndarray, band: float) -> np.ndarray:
    """How far, in bands, an experience fell short of expectation beyond tolerance (>= 0)."""
    return np.maximum(0.0, -surprise / band - 0.5)


def adapt_expectation(expected: np.ndarray, perceived: np.ndarray, rate: float) -> np.ndarray:
    """Adaptive expectations: move a share ``rate`` of the way to the perceived value."""
    return expected + rate * (perceived - expected)
