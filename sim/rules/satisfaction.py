"""Satisfaction: perceived performance against expectation, and the 5-point scale.

Seed idea (Kotler): satisfaction is the comparison of perceived performance with
expectation — per purchase, perceptual, volatile. Value for money (paying below or above
the reference price) adds to it: discounts do raise satisfaction. Customers judge against
the best they know (experience-based norms; Woodruff, Cadotte & Jenkins 1983). Values are
in value units; ``band`` is the width of one point of the scale.
"""

from __future__ import annotations

import math

#: Labels of the 5-point scale, index = rating - 1.
SCALE = ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied")


def comparison_standard(own: float, best_known: float, norm_weight: float) -> float:
    """What an experience is judged against: the firm's own expectation, pulled a share
    ``norm_weight`` toward the best expectation the customer holds of any known firm
    when that is higher (``norm_weight`` 0 compares with the firm alone)."""
    return own + norm_weight * max(0.0, best_known - own)


def disconfirmation(perceived: float, standard: float) -> float:
    """Performance surprise: perceived value minus the comparison standard."""
    return perceived - standard


def value_for_money(paid: float, reference: float) -> float:
    """Relative saving against the customer's reference price (negative: paid more)."""
    return (reference - paid) / reference


def satisfaction(surprise: float, value_for_money: float, value_for_money_weight: float) -> float:
    """Total satisfaction with a purchase: the performance surprise plus the weighted
    value for money (value units; 0 = exactly as expected)."""
    return surprise + value_for_money_weight * value_for_money


def rating(satisfaction: float, band: float) -> int:
    """The 5-point rating (1 = very dissatisfied ... 5 = very satisfied) of a satisfaction.

    Neutral covers ``|satisfaction| <= band / 2``; each further ``band`` moves one point.
    """
    return int(min(5.0, max(1.0, math.floor(satisfaction / band + 0.5) + 3.0)))


def shortfall(satisfaction: float, band: float) -> float:
    """How far, in bands, an experience fell short of expectation beyond the zone of
    tolerance (half a band), >= 0."""
    return max(0.0, -satisfaction / band - 0.5)


def adapt_expectation(expected: float, perceived: float, rate: float) -> float:
    """Adaptive expectations: move a share ``rate`` of the way to the perceived value."""
    return expected + rate * (perceived - expected)
