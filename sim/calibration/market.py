"""The whole market as the calibration's simulator.

The base scenario's market, peopled by the log's cohort only: ``customers.n_initial = 0``,
newcomers arriving on the log's schedule (``customers.arrival_schedule``) as first-time
buyers of the firm whose log it is (``customers.arrivals_buy_from``), every purchase
recorded (``run.record_purchases``). The cohort's purchases at that firm are the
simulated log; purchases at competitors are as invisible as they are in a firm's own
data. Everything else — firms, prices, choice, trust, word of mouth — is the base
scenario's.

Seed idea: customer lifecycle (potential -> new -> old customer): a firm's log starts at
each customer's first purchase there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.calibration.cohort import Cohort, from_purchases
from sim.model import MarketModel
from sim.scenario import Scenario


class MarketError(ValueError):
    """A base scenario the calibration cannot use (e.g. no such firm)."""


def cohort_scenario(base: Scenario, firm: str, arrivals: np.ndarray, steps: int,
                    values: Mapping[str, float]) -> Scenario:
    """The base scenario holding only a cohort that arrives on ``arrivals`` (customers per
    step) as first-time buyers of ``firm``, for ``steps`` steps, with ``values``."""
    return base.with_overrides({
        **values,
        "customers.n_initial": 0,
        "customers.arrivals_per_step": 0,
        "customers.arrival_schedule": [int(a) for a in arrivals],
        "customers.arrivals_buy_from": firm,
        "run.steps": int(steps),
        "run.record_purchases": True,
    })


def largest_market(base: Scenario, firm: str, cohort: Cohort, calibration_steps: int,
                   total_steps: int, times: int) -> Scenario:
    """The largest market a calibration builds: the cohort ``times`` over (the largest
    multiple of the log any of its simulations uses) for the whole period, its customers
    buying at the larger of the base's purchase chance and the log's repeat rate (what
    its memory estimate needs: :mod:`sim.scenario.resources`)."""
    after_first = np.maximum(calibration_steps - cohort.first_step, 1).sum()
    rate = cohort.repeats_until(calibration_steps) / after_first
    chance = max(base.customers.purchase_probability, min(rate, 1.0))
    return cohort_scenario(base, firm, cohort.arrivals(calibration_steps) * times,
                           total_steps, {"customers.purchase_probability": chance})


@dataclass(frozen=True)
class MarketSimulator:
    """Simulate the cohort in the base scenario's market (see the module docstring).

    Parameters
    ----------
    scenario
        The base scenario.
    firm
        Name of the firm whose log is calibrated (default: the first firm).
    """

    scenario: Scenario
    firm: str | None = None

    def __post_init__(self) -> None:
        names = [f.name for f in self.scenario.firms]
        if self.firm is None:
            object.__setattr__(self, "firm", names[0])
        elif self.firm not in names:
            raise MarketError(f"--firm {self.firm!r}: the scenario has no such firm "
                              f"(its firms: {', '.join(map(repr, names))})")

    @property
    def firm_index(self) -> int:
        """Position of the log's firm among the scenario's firms."""
        return [f.name for f in self.scenario.firms].index(self.firm)

    def simulate(self, values: Mapping[str, float], arrivals: np.ndarray, steps: int,
                 seed: np.random.SeedSequence) -> Cohort:
        """See :meth:`sim.calibration.simulators.Simulator.simulate`."""
        scenario = cohort_scenario(self.scenario, self.firm, arrivals, steps, values)
        model = MarketModel(scenario, seed=seed)
        for _ in range(steps):
            model.step()
        table = model.purchase_table()
        table = table[(table["firm"] == self.firm).to_numpy()]
        return from_purchases(table["customer"].to_numpy(), table["step"].to_numpy(),
                              table["revenue"].to_numpy(), len(arrivals), steps,
                              labels_kept=False)
