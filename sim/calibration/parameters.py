"""The customer parameters a calibration fits, and the free coordinates it searches in.

Each parameter is a scenario key with a transform to an unbounded coordinate (the fit
works there: a step of 0.1 is a 10 % change of a rate or of a concentration wherever it
is) and natural-unit bounds that keep the search inside what the scenario allows.

Seed idea: customer-base dynamics (Schmittlein, Morrison & Colombo 1987; Fader, Hardie &
Lee 2005) — heterogeneous purchase rates and silent dropout (after a purchase as in
BG/NBD, or at any time of a lifetime as in Pareto/NBD), and the heavy-tailed spend behind
"80 % of profit from 20 % of customers".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.scenario import CustomerSpec


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


#: Purchase occasions with heterogeneous rates.
OCCASION_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("customers.purchase_probability", "mean purchase chance per step", RATE,
              1e-4, 0.95, "mean chance of a purchase occasion per step (rate -ln(1 - p))"),
    Parameter("customers.occasion_rate_shape", "occasion-rate shape", LOG, 0.02, 50.0,
              "gamma shape of the customers' occasion rates (small: very unequal)"),
)
#: Dropout after a purchase with heterogeneous odds (BG/NBD).
DROPOUT_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("customers.dropout_probability", "mean dropout chance", LOGIT, 1e-3, 0.95,
              "mean chance of leaving for good after a purchase"),
    Parameter("customers.dropout_concentration", "dropout concentration", CORRELATION, 0.1,
              500.0,
              "a + b of the beta the customers' dropout chances come from (large: alike)"),
)
#: Lapse at any time after the first purchase with heterogeneous rates (Pareto/NBD).
LAPSE_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("customers.lapse_probability", "mean lapse chance per step", RATE, 1e-6, 0.9,
              "mean chance per step of leaving for good once bought (rate -ln(1 - p))"),
    Parameter("customers.lapse_rate_shape", "lapse-rate shape", LOG, 0.02, 50.0,
              "gamma shape of the customers' lapse rates (small: very unequal)"),
)
#: Occasions that grow more frequent with trust in the firm ("trusting customers buy more").
FREQUENCY_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("customers.frequency_growth", "occasion growth with trust", LOG, 1e-3, 20.0,
              "extra purchase-occasion rate at full trust in the firm"),
)
#: The purchase process of the default base: occasions and dropout after a purchase.
PURCHASE_PARAMETERS: tuple[Parameter, ...] = OCCASION_PARAMETERS + DROPOUT_PARAMETERS


def purchase_parameters(customers: CustomerSpec) -> tuple[Parameter, ...]:
    """The purchase-process parameters a calibration fits, chosen by the base scenario's
    ``[customers]``: the occasions always; lapse (Pareto/NBD) if the base turns it on
    (``lapse_probability > 0``); dropout after a purchase (BG/NBD) unless the base turns
    lapse on and leaves dropout off — so both when both are on, and dropout alone (the
    default) when neither is; occasions growing with trust if the base turns that on
    (``frequency_growth > 0``). The base's values of the fitted keys are not used."""
    lapse = customers.lapse_probability > 0
    dropout = customers.dropout_probability > 0 or not lapse
    return (OCCASION_PARAMETERS + (DROPOUT_PARAMETERS if dropout else ())
            + (LAPSE_PARAMETERS if lapse else ())
            + (FREQUENCY_PARAMETERS if customers.frequency_growth > 0 else ()))

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
