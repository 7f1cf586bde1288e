"""Becoming aware of a firm: advertising and recommendations (the Bass mechanism), and the
expectation a customer forms on first hearing of it.

Seed ideas: the firm pours new customers into the bucket with acquisition spending;
recommendations from satisfied customers bring more; *integrity* — an over-claiming firm
raises expectations and so disappointment.
"""

from __future__ import annotations


def awareness_probability(advertising: float, recommendations: float,
                          persuasion: float) -> float:
    """Chance this step that an unaware person becomes aware of a firm.

    ``min(1, advertising + persuasion * recommendations)``: linear in the messages heard,
    so that in a well-mixed market its mean is Bass's hazard ``p + q F`` with
    ``q = speaking rate * reach * persuasion`` (the discrete Bass model, one step per
    period). The cap binds only when one person hears enough messages in a step to make
    the sum exceed 1 (strong word of mouth with long steps; see docs/verification.md).

    Parameters
    ----------
    advertising : the firm's chance per step that an unaware person sees its ad (1/step).
    recommendations : positive messages about the firm heard this step.
    persuasion : chance each recommendation makes the listener aware.
    """
    return min(1.0, advertising + persuasion * recommendations)


def advertised_claim(mean_value: float, claim_inflation: float) -> float:
    """The value a firm's advertising claims: its true mean value, inflated by
    ``claim_inflation`` (0 = honest claims; seed idea: integrity)."""
    return mean_value * (1.0 + claim_inflation)


def first_expectation(prior: float, claim: float, claim_weight: float) -> float:
    """Expectation on first hearing of a firm: ``(1 - claim_weight) * prior + claim_weight
    * claim`` (value units; the prior is ``customers.initial_expectation``)."""
    return (1.0 - claim_weight) * prior + claim_weight * claim
