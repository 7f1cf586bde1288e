"""The synthetic-likelihood posterior of the parameters, on the emulated statistics.

The log's statistics ``s`` are taken as normal around the simulator's expectation
``m(z)`` with covariance ``Omega`` (the customer bootstrap of the log, plus the
emulator's own error), so ``-2 log L(z) = D(z) = (m(z) - s)' Omega^-1 (m(z) - s)`` — Wood
(2010)'s synthetic likelihood, with ``m(z)`` from the response surface instead of fresh
simulations at every ``z`` (Price, Drovandi, Lee & Nott 2018, Bayesian synthetic
likelihood). The estimate is the minimum of ``D`` (the optimally weighted simulated
minimum distance); the posterior under a flat prior on the free coordinates inside the
box is sampled by importance sampling from a multivariate-t around the estimate (the
emulator makes each evaluation a matrix product, so 20,000 draws cost a fraction of a
second), and its quantiles are the intervals: unlike a bootstrap of the estimate they
follow a curved or one-sided likelihood, where weakly identified parameters live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from sim.calibration.emulator import QuadraticEmulator

#: Ridge added to the covariance's diagonal (relative) before inverting it.
RIDGE = 1e-3
#: Degrees of freedom of the multivariate-t proposal.
PROPOSAL_DOF = 5.0
#: Fewer proposals than this inside the region: sample the region uniformly instead.
MIN_INSIDE = 100


def precision_root(covariance: np.ndarray) -> np.ndarray:
    """``R`` with ``R' R = (Omega + ridge)^-1``: residuals ``R (m - s)`` are whitened."""
    cov = np.asarray(covariance, float)
    cov = cov + RIDGE * np.diag(np.diag(cov)) + 1e-300 * np.eye(len(cov))
    lower = np.linalg.cholesky(cov)
    return np.linalg.inv(lower)


@dataclass(frozen=True)
class Distance:
    """``D(z)`` of :mod:`this module <sim.calibration.posterior>` for one emulator."""

    emulator: QuadraticEmulator
    target: np.ndarray  #: (m,) the log's statistics (those in use)
    root: np.ndarray  #: (m, m) whitening matrix of their covariance

    def residual(self, z: np.ndarray) -> np.ndarray:
        """Whitened gaps between the emulated and the log's statistics at one ``z``."""
        return self.root @ (self.emulator.predict(z) - self.target)

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """(m, k) derivatives of :meth:`residual`."""
        return self.root @ self.emulator.jacobian(z)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """``D`` at points ``z`` ((..., k) -> (...))."""
        gap = (self.emulator.predict(z) - self.target) @ self.root.T
        return (gap ** 2).sum(axis=-1)

    def minimise(self, bounds: np.ndarray, starts: Sequence[np.ndarray]) -> tuple[np.ndarray,
                                                                                 float]:
        """The ``z`` within ``bounds`` (k, 2) of least distance, and the distance."""
        best, best_cost = None, np.inf
        for start in starts:
            x0 = np.clip(start, bounds[:, 0] + 1e-9, bounds[:, 1] - 1e-9)
            found = optimize.least_squares(self.residual, x0, jac=self.jacobian,
                                           bounds=(bounds[:, 0], bounds[:, 1]), method="trf")
            if found.cost < best_cost:
                best, best_cost = found.x, found.cost
        return best, 2.0 * best_cost

    def covariance(self, z: np.ndarray) -> np.ndarray:
        """Gauss-Newton covariance ``(J' Omega^-1 J)^-1`` of the estimate at ``z``."""
        jac = self.jacobian(z)
        return np.linalg.pinv(jac.T @ jac)


@dataclass(frozen=True)
class Posterior:
    """Equally weighted draws from the posterior and how well the sampler did."""

    draws: np.ndarray  #: (n, k) free coordinates
    effective_size: float  #: importance-sampling effective sample size
    edge_mass: np.ndarray  #: (k,) posterior mass near each coordinate's inner edges

    def quantiles(self, q: Sequence[float]) -> np.ndarray:
        """(len(q), k) marginal quantiles."""
        return np.quantile(self.draws, q, axis=0)


def _importance(distance: Distance, center: np.ndarray, cov: np.ndarray, region: np.ndarray,
                rng: np.random.Generator, proposals: int) -> tuple[np.ndarray, np.ndarray]:
    """Draws inside ``region`` from a multivariate t(center, cov) and their normalised
    importance weights for ``exp(-D/2)``."""
    k = center.size
    scale = np.linalg.cholesky(cov + 1e-10 * np.eye(k))
    normal = rng.standard_normal((proposals, k))
    chi = rng.chisquare(PROPOSAL_DOF, proposals) / PROPOSAL_DOF
    z = center + (normal @ scale.T) / np.sqrt(chi)[:, None]
    z = z[np.all((z >= region[:, 0]) & (z <= region[:, 1]), axis=1)]
    solved = np.linalg.solve(scale, (z - center).T).T
    log_q = -0.5 * (PROPOSAL_DOF + k) * np.log1p((solved ** 2).sum(axis=1) / PROPOSAL_DOF)
    log_w = -0.5 * distance(z) - log_q
    return z, np.exp(log_w - special.logsumexp(log_w))


def _uniform_importance(distance: Distance, region: np.ndarray, rng: np.random.Generator,
                        proposals: int) -> tuple[np.ndarray, np.ndarray]:
    """Draws uniform on ``region`` (the flat prior itself) and their normalised weights."""
    z = region[:, 0] + rng.random((proposals, region.shape[0])) * (region[:, 1] - region[:, 0])
    log_w = -0.5 * distance(z)
    return z, np.exp(log_w - special.logsumexp(log_w))


def sample_posterior(distance: Distance, estimate: np.ndarray, covariance: np.ndarray,
                     region: np.ndarray, hard_bounds: np.ndarray, rng: np.random.Generator,
                     proposals: int = 20_000, keep: int = 4_000) -> Posterior:
    """Importance-sample ``exp(-D/2)`` on ``region`` (k, 2; the flat prior's support).

    The first proposal is a multivariate t around ``estimate`` with twice the standard
    errors of ``covariance``; a second, from the first's weighted mean and covariance,
    replaces it when it samples the posterior better (a curved or cut-off posterior).
    ``edge_mass[i]`` is the posterior share within 10 % of coordinate ``i``'s edges of the
    region that are not ``hard_bounds`` (the parameters' own limits) — large when the
    region cuts the posterior off in that coordinate.
    """
    z, w = _importance(distance, estimate, 4.0 * covariance, region, rng, proposals)
    if z.shape[0] < MIN_INSIDE:  # a near-singular covariance: the t missed the region
        z, w = _uniform_importance(distance, region, rng, proposals)
    mean = w @ z
    spread = ((z - mean) * w[:, None]).T @ (z - mean)
    z2, w2 = _importance(distance, mean, 2.0 * spread, region, rng, proposals)
    if z2.shape[0] >= MIN_INSIDE and 1.0 / (w2 ** 2).sum() > 1.0 / (w ** 2).sum():
        z, w = z2, w2
    picked = z[rng.choice(z.shape[0], size=keep, p=w / w.sum())]
    width = region[:, 1] - region[:, 0]
    soft_low = region[:, 0] > hard_bounds[:, 0] + 1e-9
    soft_high = region[:, 1] < hard_bounds[:, 1] - 1e-9
    near = (soft_low & (z < region[:, 0] + 0.1 * width)) \
        | (soft_high & (z > region[:, 1] - 0.1 * width))
    return Posterior(picked, float(1.0 / (w ** 2).sum()), w @ near)
