"""Needs that drift and the fit of each firm's product to them.

Seed idea: *cognitive trust* rests on the product fitting the customer's needs and "may
be transferred because of changes in interests and environment"; *personalisation* (the
learning relationship: the firm knows each customer's needs and tracks their change)
keeps the fit when needs move. Needs and products are positions on a circle of
circumference 1 (need-space units).
"""

from __future__ import annotations


def product_fit(need: float, position: float, personalisation: float,
                fit_weight: float) -> float:
    """Fit in [0, 1] of a firm's product to one customer's need.

    ``fit = 1 - fit_weight * 2 d * (1 - personalisation)``, where ``d`` (at most 0.5) is
    the circular distance between need and product position; personalisation removes
    that share of the distance (the firm tailors the product to the need).

    Parameters
    ----------
    need, position : positions on the need circle [0, 1).
    personalisation : the firm's personalisation lever in [0, 1].
    fit_weight : how much a poor fit matters, in [0, 1].
    """
    d = abs(need - position)
    d = min(d, 1.0 - d)
    return 1.0 - fit_weight * 2.0 * d * (1.0 - personalisation)


def drift_need(need: float, shift: float) -> float:
    """A need moved by ``shift`` (need-space units) along the circle, wrapped into [0, 1).

    The engine draws ``shift`` as a normal step of s.d. ``customers.need_drift``.
    """
    moved = (need + shift) % 1.0
    return 0.0 if moved >= 1.0 else moved  # rounding of a tiny negative step can give 1
