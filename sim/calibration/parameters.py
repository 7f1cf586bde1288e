"""The customer parameters a calibration fits, and the free coordinates it searches in.

Each parameter is a scenario key with a transform to an unbounded coordinate (the fit
works there: a step of 0.1 is a 10 % change of a rate or of a concentration wherever it
is) and natural-unit bounds that keep the search inside what the scenario allows.

Seed idea: customer-base dynamics (Schmittlein, Morrison & Colombo 1987; Fader, Hardie &
Lee 2005) — heterogeneous purchase rates and silent dropout, and the heavy-tailed spend
behind "80 % of profit from 20 % of customers".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Transform:
    """A map from a parameter's natural range onto the real line, and back."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]


#: Positive values: log.
LOG = Transform("log", np.log, np.exp)
#: Probabilities: logit.
LOGIT = Transform("logit", lambda p: np.log(p) - np.log1p(-p), lambda z: 1 / (1 + np.exp(-z)))
#: A beta's concentration ``c = a + b``: the intra-class correlation ``1 / (1 + c)`` — the
#: share of the dropout chances' variance that is between customers, 0 when all are alike.
#: Statistics change about linearly in it, where in ``log c`` they flatten out as the
#: customers become alike (which made quadratic surfaces in ``log c`` fit badly).
CORRELATION = Transform("1 / (1 + c)", lambda c: 1 / (1 + c), lambda rho: 1 / rho - 1)
#: A chance per step ``p = 1 - exp(-rate)``: the log of the rate.
RATE = Transform("log rate", lambda p: np.log(-np.log1p(-p)),
                 lambda z: -np.expm1(-np.exp(z)))


@dataclass(frozen=True)
class Parameter:
    """One calibrated scenario parameter."""

    key: str
    label: str
    transform: Transform
    lower: float
    upper: float
    meaning: str

    def free(self, value: float) -> float:
        """The value in free coordinates (clipped into the bounds first)."""
        return float(self.transform.forward(np.clip(value, self.lower, self.upper)))

    def natural(self, z: float | np.ndarray) -> float | np.ndarray:
        """Free coordinate(s) back to the parameter's units."""
        return self.transform.inverse(np.asarray(z, float))

    @property
    def free_bounds(self) -> tuple[float, float]:
        """The bounds in free coordinates (lower first, whichever way the transform runs)."""
        ends = sorted((self.free(self.lower), self.free(self.upper)))
        return ends[0], ends[1]

    def natural_interval(self, z_low: float, z_high: float) -> tuple[float, float]:
        """An interval in free coordinates as (low, high) in natural units."""
        ends = sorted((float(self.natural(z_low)), float(self.natural(z_high))))
        return ends[0], ends[1]


#: The purchase process: occasions with heterogeneous rates, dropout with heterogeneous odds.
PURCHASE_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("customers.purchase_probability", "mean purchase chance per step", RATE,
              1e-4, 0.95, "mean chance of a purchase occasion per step (rate -ln(1 - p))"),
    Parameter("customers.occasion_rate_shape", "occasion-rate shape", LOG, 0.02, 50.0,
              "gamma shape of the customers' occasion rates (small: very unequal)"),
    Parameter("customers.dropout_probability", "mean dropout chance", LOGIT, 1e-3, 0.95,
              "mean chance of leaving for good after a purchase"),
    Parameter("customers.dropout_concentration", "dropout concentration", CORRELATION, 0.1,
              500.0,
              "a + b of the beta the customers' dropout chances come from (large: alike)"),
)

#: Spend per transaction (log-normal baskets).
SPEND_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("customers.spend_median", "median basket", LOG, 1e-6, 1e9,
              "median basket size, in units (money at the list price)"),
    Parameter("customers.spend_sigma", "basket log-sd", LOG, 1e-3, 3.0,
              "log-normal sigma of basket size across customers"),
)


def to_free(parameters: Sequence[Parameter], values: Mapping[str, float]) -> np.ndarray:
    """Free coordinates of ``values`` (a mapping of scenario keys)."""
    return np.array([p.free(values[p.key]) for p in parameters])


def to_values(parameters: Sequence[Parameter], z: np.ndarray) -> dict[str, float]:
    """Scenario values of free coordinates ``z``."""
    return {p.key: float(p.natural(zi)) for p, zi in zip(parameters, z, strict=True)}


def free_bounds(parameters: Sequence[Parameter]) -> np.ndarray:
    """(k, 2) lower and upper bounds in free coordinates."""
    return np.array([p.free_bounds for p in parameters])
