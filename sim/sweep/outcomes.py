"""The outcomes a sweep records of one market run, collected in arrays.

A sweep keeps a few numbers per run and firm, not the run's time series: the run's
:class:`FirmRecorder` takes the place of the model's DataCollector and copies the firm
table (one row per firm, one column per :data:`sim.model.metrics.FIRM_METRICS` name) into
one preallocated array per step, and :func:`firm_outcomes` reduces that array. Building
Mesa's records and two DataFrames per run, and grouping them, cost about as much as the
run's 260 steps at 1,000 customers; the numbers are the same to the last bit (the same
float operations on the same values in the same order).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.accounts import COLUMN
from sim.rules.trust import STAGE_NAMES
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.model import MarketModel

#: The outcome names of one firm, each reported as ``name[firm]``.
FIRM_OUTCOMES = ("cumulative_profit", "npv", "active_customers", "mean_active_customers",
                 "churn_rate", "trusting_share", *(f"stage_{s}" for s in STAGE_NAMES),
                 "mean_satisfaction")


class FirmRecorder:
    """Stands in for a market's DataCollector: keeps every step's firm table, nothing else.

    Parameters
    ----------
    steps
        Steps the run will take (rows reserved).
    n_firms, n_metrics
        Shape of the model's ``firm_table``.
    """

    def __init__(self, steps: int, n_firms: int, n_metrics: int):
        self.table = np.empty((steps, n_firms, n_metrics))
        self.steps = 0

    def collect(self, model: MarketModel) -> None:
        """Copy this step's firm table."""
        self.table[self.steps] = model.firm_table
        self.steps += 1

    @property
    def collected(self) -> np.ndarray:
        """(steps so far, firms, metrics)."""
        return self.table[:self.steps]


def run_market(scenario: Scenario, seed: np.random.SeedSequence) -> tuple[np.ndarray,
                                                                          list[str]]:
    """Build and run one market of ``scenario`` for ``run.steps`` steps with ``seed``
    (as :func:`sim.experiment.run_replication` does); return its collected firm tables
    (steps, firms, metrics) and the firms' names."""
    from sim.model import MarketModel

    model = MarketModel(scenario, seed=seed)
    steps = scenario.run.steps
    recorder = FirmRecorder(steps, *model.firm_table.shape)
    model.datacollector = recorder
    for _ in range(steps):
        model.step()
    return recorder.collected, [f.name for f in model.firms]


def firm_outcomes(table: np.ndarray, names: list[str]) -> dict[str, float]:
    """Summaries of a run's firm tables (steps, firms, metrics), per firm as
    ``metric[firm]`` (see :func:`sim.sweep.execute.market_outcomes`)."""
    out: dict[str, float] = {}
    last_step = table[-1]
    for f, firm in enumerate(names):
        def column(name: str, f: int = f) -> np.ndarray:
            return np.ascontiguousarray(table[:, f, COLUMN[name]])

        last = last_step[f]
        active_now = float(last[COLUMN["active_customers"]])
        active = column("active_customers")
        exposure = active.sum()
        purchases = column("purchases")
        bought = purchases.sum()
        out[f"cumulative_profit[{firm}]"] = float(last[COLUMN["cumulative_profit"]])
        out[f"npv[{firm}]"] = float(last[COLUMN["npv"]])
        out[f"active_customers[{firm}]"] = active_now
        out[f"mean_active_customers[{firm}]"] = float(exposure / active.size)
        out[f"churn_rate[{firm}]"] = (float(column("churned").sum() / exposure)
                                      if exposure else math.nan)
        out[f"trusting_share[{firm}]"] = (
            float((last[COLUMN["stage_emotional"]] + last[COLUMN["stage_behavioural"]])
                  / active_now) if active_now else math.nan)
        for stage in STAGE_NAMES:
            out[f"stage_{stage}[{firm}]"] = (float(last[COLUMN[f"stage_{stage}"]] / active_now)
                                             if active_now else math.nan)
        rating = column("mean_satisfaction")
        satisfaction = np.where(np.isnan(rating), 0.0, rating)  # as fillna(0)
        out[f"mean_satisfaction[{firm}]"] = (float((satisfaction * purchases).sum() / bought)
                                             if bought else math.nan)
    return out
