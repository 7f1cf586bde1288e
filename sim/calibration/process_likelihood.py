"""The exact likelihood of the market's purchase process, and the forecast it implies.

The process the stand-in simulates (:class:`sim.calibration.simulators.ProcessSimulator`
without lapse) and the CDNOW market's customers follow: in each step a customer alive
buys with chance ``p = 1 - exp(-lambda)``, ``lambda ~ Gamma(r, rate alpha)`` per step, and
after each repeat purchase (each purchase, with ``dropout_after_first``) leaves for good
with chance ``q ~ Beta(a, b)`` — a discrete-time BG/NBD. Its likelihood of an RFM summary
is closed in ``q`` and a one-dimensional integral in ``lambda`` (generalised
Gauss-Laguerre quadrature), and so is the expected number of repeat purchases per step.
So its maximum-likelihood estimate, and that estimate's forecast, need no simulation: the
benchmark uses them to show what this structure forecasts at the parameters a calibration
period makes most likely, and the tests check the simulation-based fit against them.

Seed idea: customer-base dynamics (Fader, Hardie & Lee 2005) — purchase rates differ
widely across customers, and customers silently drop out after a purchase.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from sim.calibration import bgnbd
from sim.calibration.bgnbd import BGNBD

#: Quadrature nodes over the purchase rate and over the dropout chance.
RATE_NODES, DROPOUT_NODES = 120, 60


def _rate_nodes(r: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Rates and weights of the generalised Gauss-Laguerre rule for ``Gamma(r, alpha)``."""
    u, w = special.roots_genlaguerre(RATE_NODES, r - 1.0)
    return u / alpha, w / special.gamma(r)


def log_rate_moment(r: float, alpha: float, purchases: np.ndarray,
                    idle: np.ndarray) -> np.ndarray:
    """``log E[p^purchases (1 - p)^idle]`` over the customers' chances
    ``p = 1 - exp(-lambda)``, ``lambda ~ Gamma(r, rate alpha)``."""
    rate, weight = _rate_nodes(r, alpha)
    log_terms = (np.asarray(purchases, float)[:, None] * np.log(-np.expm1(-rate))[None, :]
                 - np.asarray(idle, float)[:, None] * rate[None, :])
    return special.logsumexp(log_terms, b=weight[None, :], axis=1)


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                   dropout_after_first: bool = False) -> np.ndarray:
    """Each customer's log-likelihood of ``x`` repeat purchases, the last ``t_x`` steps
    after the first purchase, seen for ``T`` steps after it (all whole steps).

    A history of ``x`` repeats is ``p^x (1 - p)^(t_x - x)`` up to the last purchase, with
    ``d = x`` purchases (``x + 1`` with ``dropout_after_first``) each survived or not; the
    customer then either left after the last of them, ``(1 - q)^(d - 1) q``, or stayed and
    did not buy for ``T - t_x`` steps, ``(1 - q)^d (1 - p)^(T - t_x)``.
    """
    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    chances = x + 1.0 if dropout_after_first else x
    stayed = (log_rate_moment(r, alpha, x, T - x)
              + special.betaln(a, b + chances) - special.betaln(a, b))
    with np.errstate(divide="ignore"):
        left = np.where(chances > 0, log_rate_moment(r, alpha, x, t_x - x)
                        + special.betaln(a + 1.0, b + np.maximum(chances - 1.0, 0.0))
                        - special.betaln(a, b), -np.inf)
    return np.logaddexp(stayed, left)


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
        dropout_after_first: bool = False) -> BGNBD:
    """Maximum-likelihood ``(r, alpha, a, b)`` of the discrete process (per step, as
    BG/NBD's and so :func:`sim.calibration.bgnbd.market_start` maps them), started from
    BG/NBD's fit of the same summary."""
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    start = bgnbd.fit(x, t_x, T)
    histories, count = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    return bgnbd.maximum_likelihood(
        lambda params: count * log_likelihood(params, *histories.T, dropout_after_first),
        np.log([start.r, start.alpha, start.a, start.b]))


def expected_repeats(params: BGNBD, first_step: np.ndarray, steps: int,
                     dropout_after_first: bool = False) -> np.ndarray:
    """The cohort's expected repeat purchases in each step 1..``steps`` (index 0 = step 1)
    for customers first buying in ``first_step``.

    A customer alive buys with chance ``p`` and then leaves with chance ``q``, so ``k``
    steps after its first purchase it is still there with chance ``(1 - p q)^(k - 1)``
    (times ``1 - q`` with ``dropout_after_first``) and buys with ``p`` times that.
    """
    rate, weight = _rate_nodes(params.r, params.alpha)
    chance = -np.expm1(-rate)
    y, v = special.roots_jacobi(DROPOUT_NODES, params.b - 1.0, params.a - 1.0)
    dropout, dropout_weight = (1.0 + y) / 2.0, v / v.sum()
    log_stay = np.log1p(-chance[:, None] * dropout[None, :])
    survive_first = 1.0 - dropout if dropout_after_first else np.ones_like(dropout)
    joint = (weight * chance)[:, None] * (dropout_weight * survive_first)[None, :]
    offsets = np.arange(steps - 1, dtype=float)
    per_offset = np.array([float((joint * np.exp(k * log_stay)).sum()) for k in offsets])
    arrivals = np.bincount(np.asarray(first_step, np.int64) - 1, minlength=steps)[:steps]
    by_step = np.zeros(steps)
    by_step[1:] = np.convolve(arrivals, per_offset)[:steps - 1]
    return by_step
