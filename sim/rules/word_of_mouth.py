"""Word of mouth over the social graph.

Seed ideas: a satisfied customer tells 3-5 people, who may buy and tell 3-5 more;
dissatisfied customers speak ill; behavioural trusters advocate and discount negative
hearsay about their firm. Messages travel only along graph edges.
"""

from __future__ import annotations


def speak_well_probability(rating: int, behavioural: bool, rate_satisfied: float,
                           rate_neutral: float, advocacy: float) -> float:
    """Chance (per step) that a customer speaks well of the firm of their last purchase.

    Ratings 4-5 speak well at ``rate_satisfied``, 3 at ``rate_neutral``, others never;
    a behavioural truster's chance is multiplied by ``advocacy`` (capped at 1).
    """
    chance = rate_satisfied if rating >= 4 else (rate_neutral if rating == 3 else 0.0)
    return min(1.0, chance * advocacy) if behavioural else chance


def speak_ill_probability(rating: int, rate_dissatisfied: float) -> float:
    """Chance (per step) that a customer speaks ill of the firm of their last purchase:
    ``rate_dissatisfied`` after a rating of 1 or 2, else 0."""
    return rate_dissatisfied if 1 <= rating <= 2 else 0.0


def tell_probability(reach: float, degree: int) -> float:
    """Chance that a speaker tells each of their ``degree`` neighbours: ``min(1, reach /
    degree)`` — ``reach`` people on average, all neighbours when they are fewer."""
    return min(1.0, reach / max(degree, 1))


def hearsay_weight(behavioural: bool, hearsay_discount: float) -> float:
    """Weight a listener gives one negative message about a firm: 1, or ``1 -
    hearsay_discount`` for a behavioural truster of that firm."""
    return 1.0 - hearsay_discount if behavioural else 1.0


def hearsay_shift(positive: float, negative: float, shift: float) -> float:
    """Change of a listener's expectation of a firm from this step's messages: ``shift *
    (positive - negative)``, ``negative`` being the weighted count of negative ones
    (value units)."""
    return shift * (positive - negative)
