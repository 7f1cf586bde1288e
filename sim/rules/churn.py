"""Leaving a firm after a bad experience, with the cause attributed.

Seed ideas: the *leaky bucket* — customers leak through holes labelled rude, poor
service, untrained staff, poor quality, poor selection; needs that move away from the
product; "no promotion, no purchase". Most dissatisfied customers do not complain but
simply leave; behavioural trust tolerates occasional failures.
"""

from __future__ import annotations

import numpy as np


def leave_probability(shortfall_bands: np.ndarray, trust: np.ndarray, sensitivity: float,
                      tolerance: float) -> np.ndarray:
    """Chance of leaving after an experience that fell ``shortfall_bands`` short.

    ``min(1, sensitivity * shortfall * (1 - tolerance * trust))``.
    """
    return np.minimum(1.0, sensitivity * shortfall_bands * (1.0 - tolerance * trust))


def attribute_cause(hole_losses: np.ndarray, need_loss: np.ndarray,
                    price_loss: np.ndarray) -> np.ndarray:
    """Index of the cause of each departure in ``holes + (competitor, needs_moved, price)``.

    The cause is the largest of the value lost through each hole (its severity if it
    failed), through the need moving away since joining, and through paying above the
    reference price. When none of them lost anything the experience was simply worse
    than expected, which the customer blames on the product: ``poor_quality`` (index 3).

    Parameters
    ----------
    hole_losses : (m, 5) value lost through each hole.
    need_loss, price_loss : (m,) value lost to moved needs and to price.
    """
    losses = np.column_stack([hole_losses, np.zeros(len(need_loss)), need_loss, price_loss])
    cause = np.argmax(losses, axis=1)
    nothing = losses.max(axis=1) <= 0
    return np.where(nothing, 3, cause).astype(np.int8)
