"""Becoming aware of a firm: advertising and recommendations (the Bass mechanism).

Seed ideas: the firm pours new customers into the bucket with acquisition spending;
recommendations from satisfied customers bring more. The hazard of hearing of a firm is
``advertising + persuasion * recommendations heard``: linear in the number of messages,
so that on a complete graph its mean is Bass's ``p + q F`` with
``q = speaking rate * reach * persuasion``.
"""

from __future__ import annotations

import numpy as np


def awareness_hazard(advertising: np.ndarray, recommendations: np.ndarray,
                     persuasion: float) -> np.ndarray:
    """Chance per step of becoming aware of a firm, capped at 1 (element-wise).

    Parameters
    ----------
    advertising : the firm's chance per step that an unaware person sees its ad.
    recommendations : positive messages about the firm heard this step.
    persuasion : chance each recommendation makes the listener aware.
    """
    return np.minimum(1.0, advertising + persuasion * recommendations)


def first_expectation(prior: float, claim: np.ndarray, claim_weight: float) -> np.ndarray:
    """Expectation on first hearing of a firm: the prior mixed with the firm's claim.

    Seed idea (integrity): an over-claiming firm raises expectations and so disappointment.
    """
    return (1.0 - claim_weight) * prior + claim_weight * claim
