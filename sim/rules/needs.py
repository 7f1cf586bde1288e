"""Needs that drift and the fit of each firm's product to them.

Seed idea: *cognitive trust* rests on the product fitting the customer's needs and "may
be transferred because of changes in interests and environment"; *personalisation* (the
learning relationship: the firm knows each customer's needs and tracks their change)
keeps the fit when needs move.
"""

from __future__ import annotations

import numpy as np

from sim.engine.streams import Draws


def drift_needs(need: np.ndarray, sd: float, rng: Draws) -> np.ndarray:
    """Move each need a normal step of s.d. ``sd`` on the circular need space [0, 1).

    Returns a new array; ``sd`` is in need-space units per step.
    """
    if sd == 0 or need.size == 0:
        return need
    moved = need + need.dtype.type(sd) * rng.standard_normal(need.shape, dtype=need.dtype)
    moved %= 1.0
    moved[moved >= 1.0] = 0.0  # float rounding of a tiny negative step can give exactly 1
    return moved


def product_fit(need: np.ndarray, position: np.ndarray, personalisation: np.ndarray,
                fit_weight: float) -> np.ndarray:
    """Fit in [0, 1] of a firm's product to a customer's need (element-wise, broadcasting).

    The circular distance ``d`` (at most 0.5) between need and product position costs
    ``fit_weight * 2d`` of fit; personalisation removes that share of the distance. For
    every customer against every firm pass ``need[:, None]`` and ``position[None, :]``.

    Parameters
    ----------
    need : need positions in [0, 1).
    position : product positions in [0, 1).
    personalisation : personalisation levers in [0, 1].
    fit_weight : how much a poor fit matters, in [0, 1].
    """
    d = np.abs(need - position)
    d = np.minimum(d, 1.0 - d)
    return (1.0 - fit_weight * 2.0 * d * (1.0 - personalisation)).astype(need.dtype)
