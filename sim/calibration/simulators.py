"""The simulator interface the fit drives, and a stand-in: the purchase process alone.

A simulator turns customer parameters into a simulated cohort: ``arrivals[s]`` customers
make their first purchase in step ``s + 1`` (as in the log), and then buy and drop out as
the parameters say. The fit (:mod:`sim.calibration.fit`) sees nothing else, so the same
machinery calibrates the stand-in :class:`ProcessSimulator` — the discrete-time BG/NBD
process the market's customer rules implement, without firms, choice or word of mouth —
and the whole market (:class:`sim.calibration.market.MarketSimulator`).

Seed idea: customer-base dynamics (Fader, Hardie & Lee 2005): gamma-distributed purchase
rates, beta-distributed dropout after a purchase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.calibration.cohort import Cohort


class Simulator(Protocol):
    """Anything that simulates a cohort from customer parameters."""

    def simulate(self, values: Mapping[str, float], arrivals: np.ndarray, steps: int,
                 seed: np.random.SeedSequence) -> Cohort:
        """Simulate ``steps`` steps of a cohort whose first purchases follow ``arrivals``
        (customers per step, index 0 = step 1), with the given scenario-key ``values``;
        the same seed gives the same cohort."""
        ...


@dataclass(frozen=True)
class ProcessSimulator:
    """The customers' purchase process alone, in discrete steps (a stand-in for the market).

    Each customer draws an occasion rate ``lambda ~ Gamma(shape, mean = -ln(1 - p))`` (all
    the same rate when the shape is 0) and buys in a step with chance
    ``1 - exp(-lambda)``; after each purchase — the first one too when
    ``dropout_after_first`` — it leaves for good with its own chance drawn from
    ``Beta(mean = dropout_probability, a + b = dropout_concentration)`` (everyone the mean
    when the concentration is 0). With ``lapse_probability > 0`` a customer also leaves at
    the end of every step after its first purchase with its own chance ``1 - exp(-mu)``,
    ``mu ~ Gamma(lapse_rate_shape, mean = -ln(1 - lapse_probability))`` (Pareto/NBD's
    lifetime; the market's ``lapse_chance`` rule). Each spends a log-normal basket
    (``spend_median``, ``spend_sigma``) at a price of 1.
    """

    dropout_after_first: bool = True

    def simulate(self, values: Mapping[str, float], arrivals: np.ndarray, steps: int,
                 seed: np.random.SeedSequence) -> Cohort:
        """See :meth:`Simulator.simulate`."""
        rng = np.random.default_rng(seed)
        arrivals = np.asarray(arrivals, np.int64)
        first = np.repeat(np.arange(1, arrivals.size + 1), arrivals)
        n = first.size
        chance = occasion_chances(values["customers.purchase_probability"],
                                  values.get("customers.occasion_rate_shape", 0.0), n, rng)
        leave = dropout_chances(values.get("customers.dropout_probability", 0.0),
                                values.get("customers.dropout_concentration", 0.0), n, rng)
        basket = values.get("customers.spend_median", 1.0) * np.exp(
            values.get("customers.spend_sigma", 0.0) * rng.standard_normal(n))
        lapse_mean = values.get("customers.lapse_probability", 0.0)
        lapse = (occasion_chances(lapse_mean, values.get("customers.lapse_rate_shape", 0.0),
                                  n, rng) if lapse_mean > 0 else None)
        alive = np.zeros(n, bool)
        who, when = [], []
        for step in range(1, steps + 1):
            new = first == step
            buy = np.flatnonzero(new | (alive & (rng.random(n) < chance)))
            alive |= new
            buy_and_may_leave = buy[first[buy] < step] if not self.dropout_after_first else buy
            gone = buy_and_may_leave[rng.random(buy_and_may_leave.size)
                                     < leave[buy_and_may_leave]]
            alive[gone] = False
            if lapse is not None:  # everyone alive has bought: their lifetimes have begun
                alive &= rng.random(n) >= lapse
            who.append(buy)
            when.append(np.full(buy.size, step))
        customer = np.concatenate(who) if who else np.zeros(0, np.int64)
        step_of = np.concatenate(when) if when else np.zeros(0, np.int64)
        order = np.lexsort((step_of, customer))
        return Cohort(customer[order].astype(np.int64), step_of[order].astype(np.int64),
                      basket[customer[order]], first)


def occasion_chances(p: float, shape: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each customer's chance of a purchase occasion per step: ``1 - exp(-lambda)`` with
    ``lambda ~ Gamma(shape, mean = -ln(1 - p))``, or ``p`` for everyone when shape is 0."""
    if shape <= 0:
        return np.full(n, p)
    mean_rate = -np.log1p(-p)
    return -np.expm1(-rng.gamma(shape, mean_rate / shape, n))


def dropout_chances(mean: float, concentration: float, n: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Each customer's chance of leaving after a purchase: ``Beta(mean * c, (1 - mean) * c)``
    with ``c`` the concentration, or ``mean`` for everyone when ``c`` is 0."""
    if concentration <= 0 or mean <= 0 or mean >= 1:
        return np.full(n, mean)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)
