"""A quadratic response surface of the simulated statistics over the parameters.

Each statistic is regressed, by least squares over the simulated design points, on the
constant, linear and quadratic terms of the standardised parameters
``u = (z - center) / scale``. The fitted surface is the simulator's expected statistic
(its noise averaged over all the design points, not only the nearby ones); its residual
covariance is the simulation noise, and ``t' (X'X)^-1 t`` times it (``t`` the terms at a
point) is how uncertain the surface's prediction there is — added to the statistics'
covariance in the synthetic likelihood (:mod:`sim.calibration.posterior`).

Response-surface methodology (Box & Wilson 1951); in simulation-based estimation, the
"binding function" of indirect inference approximated by regression (Gourieroux,
Monfort & Renault 1993).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def n_terms(k: int) -> int:
    """Terms of a full quadratic in ``k`` variables: 1 + k + k (k + 1) / 2."""
    return 1 + k + k * (k + 1) // 2


def quadratic_terms(u: np.ndarray) -> np.ndarray:
    """(..., n_terms) constant, linear and quadratic (``u_i u_j``, ``i <= j``) terms."""
    u = np.asarray(u, float)
    i, j = np.triu_indices(u.shape[-1])
    ones = np.ones((*u.shape[:-1], 1))
    return np.concatenate([ones, u, u[..., i] * u[..., j]], axis=-1)


def _term_gradients(u: np.ndarray) -> np.ndarray:
    """(n_terms, k) derivatives of the terms at one point ``u`` (k,)."""
    k = u.size
    i, j = np.triu_indices(k)
    grad = np.zeros((n_terms(k), k))
    grad[1:k + 1] = np.eye(k)
    rows = np.arange(k + 1, n_terms(k))
    grad[rows, i] += u[j]
    grad[rows, j] += u[i]
    return grad


@dataclass(frozen=True)
class QuadraticEmulator:
    """Fitted response surfaces of ``m`` statistics over ``k`` parameters."""

    center: np.ndarray  #: (k,) free coordinates the terms are centred on
    scale: np.ndarray  #: (k,) and scaled by
    coefficients: np.ndarray  #: (n_terms, m)
    residual_covariance: np.ndarray  #: (m, m) simulation noise around the surface
    gram_inverse: np.ndarray  #: (n_terms, n_terms) (X'X)^-1
    points: int  #: design points it was fitted on

    def _u(self, z: np.ndarray) -> np.ndarray:
        return (np.asarray(z, float) - self.center) / self.scale

    def predict(self, z: np.ndarray) -> np.ndarray:
        """Expected statistics at free coordinates ``z`` ((..., k) -> (..., m))."""
        return quadratic_terms(self._u(z)) @ self.coefficients

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """(m, k) derivatives of the expected statistics at one point ``z``."""
        return (self.coefficients.T @ _term_gradients(self._u(z))) / self.scale

    def prediction_covariance(self, z: np.ndarray) -> np.ndarray:
        """(m, m) covariance of the surface's error at one point ``z``."""
        terms = quadratic_terms(self._u(z))
        return float(terms @ self.gram_inverse @ terms) * self.residual_covariance

    def r_squared(self, z: np.ndarray, statistics: np.ndarray) -> np.ndarray:
        """(m,) share of each statistic's variance over the design the surface explains."""
        resid = statistics - self.predict(z)
        total = ((statistics - statistics.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1.0 - (resid ** 2).sum(axis=0) / total


def fit_emulator(z: np.ndarray, statistics: np.ndarray, center: np.ndarray,
                 scale: np.ndarray) -> QuadraticEmulator:
    """Least-squares quadratic surfaces of ``statistics`` (n, m) over design points ``z``
    (n, k), in coordinates centred on ``center`` and scaled by ``scale``.

    Raises
    ------
    ValueError
        If there are fewer design points than terms.
    """
    z, statistics = np.asarray(z, float), np.asarray(statistics, float)
    k = z.shape[1]
    if z.shape[0] <= n_terms(k):
        raise ValueError(f"a quadratic in {k} parameters needs more than {n_terms(k)} design "
                         f"points, got {z.shape[0]}")
    x = quadratic_terms((z - center) / scale)
    coefficients, *_ = np.linalg.lstsq(x, statistics, rcond=None)
    resid = statistics - x @ coefficients
    dof = max(1, x.shape[0] - x.shape[1])
    gram_inverse = np.linalg.pinv(x.T @ x)
    return QuadraticEmulator(np.asarray(center, float), np.asarray(scale, float),
                             coefficients, resid.T @ resid / dof, gram_inverse, z.shape[0])
