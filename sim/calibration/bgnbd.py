"""The BG/NBD model (Fader, Hardie & Lee 2005): the calibration's starting point.

Purchase rates are gamma distributed across customers (shape ``r``, rate ``alpha``);
after each repeat purchase a customer drops out for good with a probability that is beta
distributed across customers (``a``, ``b``). The maximum-likelihood fit of an RFM summary
gives the first guess of the market's customer parameters (:func:`market_start`); the
benchmark (``benchmarks/calibration_bench.py``) fits it, and Pareto/NBD, with the
``lifetimes`` package instead.

Seed idea: customer-base dynamics — purchase rates differ widely across customers and
customers silently drop out; the mechanism behind "80 % of profit from 20 % of customers".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters (time unit: one step) with their standard errors."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    standard_errors: tuple[float, float, float, float] = (np.nan,) * 4


#: The fit keeps each log parameter within this (e^12: a parameter past it is degenerate).
LOG_BOUND = 12.0


def log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray,
                   T: np.ndarray) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood of ``x`` repeats, the last at ``t_x``, seen
    for ``T`` (equation 6 of Fader, Hardie & Lee 2005)."""
    r, alpha, a, b = params
    x = np.asarray(x, float)
    base = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
            + special.betaln(a, b + x) - special.betaln(a, b))
    first = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        second = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                          - (r + x) * np.log(alpha + t_x), -np.inf)
    return base + np.logaddexp(first, second)


def scores(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
           T: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """(n, 4) each customer's derivative of the log-likelihood with respect to the log
    parameters at ``params``: the efficient method of moments' statistics (their mean
    over the customers the parameters were fitted to is zero)."""
    log_params = np.log(np.asarray(params, float))
    out = np.empty((np.size(x), 4))
    for i in range(4):
        shift = np.zeros(4)
        shift[i] = step
        out[:, i] = (log_likelihood(np.exp(log_params + shift), x, t_x, T)
                     - log_likelihood(np.exp(log_params - shift), x, t_x, T)) / (2 * step)
    return out


def fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BGNBD:
    """Maximum-likelihood BG/NBD parameters of an RFM summary (see
    :func:`maximum_likelihood`)."""
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    return maximum_likelihood(lambda params: log_likelihood(params, x, t_x, T),
                              np.log([0.5, max(T.mean(), 1.0), 1.0, 1.0]))


def maximum_likelihood(log_likelihood_of: Callable[[np.ndarray], np.ndarray],
                       log_start: np.ndarray) -> BGNBD:
    """The four positive parameters ``(r, alpha, a, b)`` that maximise the summed
    ``log_likelihood_of(params)``: L-BFGS, then Nelder-Mead, on the log parameters within
    :data:`LOG_BOUND` of 0; standard errors from the inverse Hessian of the negative
    log-likelihood."""
    def negative(log_params: np.ndarray) -> float:
        if np.any(np.abs(log_params) > LOG_BOUND):  # Nelder-Mead is unbounded: keep it in
            return np.inf
        with np.errstate(over="ignore", invalid="ignore"):
            value = -float(log_likelihood_of(np.exp(log_params)).sum())
        return value if np.isfinite(value) else np.inf

    with np.errstate(invalid="ignore"):  # L-BFGS's differences of two refused points
        best = optimize.minimize(negative, log_start, method="L-BFGS-B",
                                 bounds=[(-LOG_BOUND, LOG_BOUND)] * 4)
    best = optimize.minimize(negative, best.x, method="Nelder-Mead",
                             options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    params = np.exp(best.x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        errors = _standard_errors(lambda p: -float(log_likelihood_of(p).sum()), params)
    return BGNBD(*params.tolist(), -float(best.fun), errors)


def _standard_errors(negative, params: np.ndarray) -> tuple[float, float, float, float]:
    step = 1e-4 * params
    k = params.size
    hessian = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            def shifted(si: float, sj: float, i=i, j=j) -> float:
                p = params.copy()
                p[i] += si * step[i]
                p[j] += sj * step[j]
                return negative(p)
            hessian[i, j] = hessian[j, i] = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1)
                                             + shifted(-1, -1)) / (4 * step[i] * step[j])
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return (np.nan,) * 4
    return tuple(np.sqrt(np.maximum(np.diag(cov), 0.0)).tolist())


def market_start(model: BGNBD) -> dict[str, float]:
    """The market's customer parameters that mimic a BG/NBD fit in discrete steps:
    purchase chance per step from the mean rate ``r / alpha``, gamma shape ``r``, mean
    dropout ``a / (a + b)`` and concentration ``a + b``; and, for a market that lapses
    instead (or too), a lapse rate per step of BG/NBD's mean hazard ``a / (a + b) · r /
    alpha`` (a mean-rate customer with the mean dropout chance) and shape 1; BG/NBD's rates
    do not grow, so a market whose occasions grow with trust starts at a modest 0.3."""
    mean_rate = model.r / model.alpha
    dropout = model.a / (model.a + model.b)
    return {"customers.purchase_probability": float(1.0 - np.exp(-mean_rate)),
            "customers.occasion_rate_shape": model.r,
            "customers.dropout_probability": dropout,
            "customers.dropout_concentration": model.a + model.b,
            "customers.lapse_probability": float(1.0 - np.exp(-dropout * mean_rate)),
            "customers.lapse_rate_shape": 1.0,
            "customers.frequency_growth": 0.3}
