"""Fitting spend per transaction: the log-normal basket's median and sigma.

A basket neither makes a customer buy nor keeps one away, so with the purchase parameters
fixed and the same random numbers (common random numbers, here exact) every simulated
transaction's log amount is ``log(median) + sigma * z_i + o_j``: ``z_i`` the customer's
standard-normal basket draw, ``o_j`` the rest (the price paid, trust's extra units). Two
simulations per seed — ``sigma = 0`` and ``sigma = 1`` at median 1 — give ``o_j`` and
``z_i`` for every transaction, and then the quantiles of log spend for any median and
sigma without simulating again. The fit matches the log's quantiles
(:data:`~sim.calibration.statistics.SPEND_QUANTILES`) in the bootstrap-variance-weighted
distance, on a fine grid of sigma (the median then follows in closed form); intervals are
percentile intervals over the same bootstrap of customers as the purchase fit, widened for
the simulations' own noise (:func:`simulated_cohorts`).

Seed idea: per-customer spend that is heterogeneous and heavy-tailed — "80 % of profit
comes from 20 % of customers".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.calibration.cohort import Cohort
from sim.calibration.simulators import Simulator
from sim.calibration.statistics import SPEND_QUANTILES, bootstrap_weights, spend_quantiles

MEDIAN_KEY, SIGMA_KEY = "customers.spend_median", "customers.spend_sigma"
#: The grid of sigma searched (the scenario allows 0..3).
SIGMA_GRID = np.linspace(0.0, 3.0, 601)
#: The simulated transactions the fit compares with, as a multiple of the log's: their
#: quantiles' noise is the same in every fit of one seed, so it must be small.
SIMULATED_VOLUME = 16


def simulated_cohorts(scale: int) -> int:
    """How many simulated cohorts of ``scale`` times the log's size the spend fit needs
    for :data:`SIMULATED_VOLUME` (at least four)."""
    return max(4, -(-SIMULATED_VOLUME // max(1, scale)))


class SpendError(RuntimeError):
    """The simulator's purchases depend on the basket, so spend cannot be fitted apart."""


@dataclass(frozen=True)
class SpendFit:
    """Fitted basket median and sigma, their bootstrap draws, and the quantiles' fit."""

    median: float
    sigma: float
    draws: np.ndarray  #: (B, 2) median, sigma
    observed: np.ndarray  #: log-spend quantiles of the log
    simulated: np.ndarray  #: the same of the calibrated market
    variance: np.ndarray  #: bootstrap variance of the observed quantiles
    confidence: float

    def interval(self) -> dict[str, tuple[float, float]]:
        """Percentile intervals of median and sigma, by scenario key."""
        tail = 50 * (1 - self.confidence)
        low, high = np.percentile(self.draws, [tail, 100 - tail], axis=0)
        return {MEDIAN_KEY: (float(low[0]), float(high[0])),
                SIGMA_KEY: (float(low[1]), float(high[1]))}


def decompose(simulator: Simulator, values: Mapping[str, float], arrivals: np.ndarray,
              steps: int, seeds: list[np.random.SeedSequence]) -> tuple[np.ndarray, np.ndarray]:
    """Per simulated transaction (amount > 0, all seeds pooled): the rest ``o`` and the
    basket draw ``z`` of its log amount.

    Raises
    ------
    SpendError
        If the two simulations of a seed differ in who buys when.
    """
    rest, draw = [], []
    for seed in seeds:
        flat, spread = (simulator.simulate({**values, MEDIAN_KEY: 1.0, SIGMA_KEY: sigma},
                                           arrivals, steps, seed) for sigma in (0.0, 1.0))
        if not (np.array_equal(flat.customer, spread.customer)
                and np.array_equal(flat.step, spread.step)):
            raise SpendError("the simulated purchases changed with the basket's sigma, so "
                             "spend cannot be fitted with the purchases held fixed")
        keep = flat.amount > 0
        log_flat = np.log(flat.amount[keep])
        rest.append(log_flat)
        draw.append(np.log(spread.amount[keep]) - log_flat)
    return np.concatenate(rest), np.concatenate(draw)


def quantile_grid(rest: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """(len(SIGMA_GRID), n_quantiles) simulated log-spend quantiles at median 1."""
    return np.stack([np.quantile(rest + sigma * draw, SPEND_QUANTILES) for sigma in SIGMA_GRID])


def _solve(grid: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """(log median, sigma) nearest ``target`` quantiles: for each sigma on the grid the
    best log median is the weighted mean gap; the best sigma minimises what is left."""
    gap = target[None, :] - grid
    log_median = (gap * weights).sum(axis=1) / weights.sum()
    cost = (((gap - log_median[:, None]) ** 2) * weights).sum(axis=1)
    best = int(np.argmin(cost))
    return float(log_median[best]), float(SIGMA_GRID[best])


def fit_spend(simulator: Simulator, values: Mapping[str, float], cohort: Cohort,
              steps: int, scale: int, replicates: int, seeds: list[np.random.SeedSequence],
              rng: np.random.Generator, confidence: float = 0.95) -> SpendFit:
    """Fit the basket median and sigma to the log's spend per transaction (see module).

    ``values`` are the purchase parameters (estimates) and the scenario's others. The
    bootstrap draws, which carry the log's sampling noise, are spread further by
    ``sqrt(1 + n_log / n_simulated)`` around the estimate: the simulated quantiles are a
    sample too, ``n_simulated / n_log`` times the log's, and their error adds to the log's.
    """
    arrivals = cohort.arrivals(steps) * scale
    rest, draw = decompose(simulator, values, arrivals, steps, seeds)
    grid = quantile_grid(rest, draw)
    observed = spend_quantiles(cohort, steps)
    weights_b = bootstrap_weights(cohort.first_step, replicates, rng)
    boot = spend_quantiles(cohort, steps, weights_b)
    variance = np.maximum(boot.var(axis=0, ddof=1), 1e-12)
    w = 1.0 / variance
    log_median, sigma = _solve(grid, observed, w)
    in_log = int(((cohort.step <= steps) & (cohort.amount > 0)).sum())
    widen = np.sqrt(1.0 + in_log / max(1, rest.size))
    estimate = np.array([log_median, sigma])
    draws = estimate + widen * (np.array([_solve(grid, b, w) for b in boot]) - estimate)
    draws[:, 0] = np.exp(draws[:, 0])
    draws[:, 1] = np.maximum(draws[:, 1], SIGMA_GRID[0])  # spread, not below the grid
    at = int(np.argmin(np.abs(SIGMA_GRID - sigma)))
    return SpendFit(float(np.exp(log_median)), sigma, draws, observed,
                    grid[at] + log_median, variance, confidence)
