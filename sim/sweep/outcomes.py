"""The outcomes a sweep records of one market run, reduced from arrays.

A sweep keeps a few numbers per run and firm, not the run's time series: the run's firm
tables come as one array (:func:`sim.experiment.run_firm_tables`) and
:func:`firm_outcomes` reduces it. Building Mesa's records and two DataFrames per run, and
grouping them, cost about as much as the run's 260 steps at 1,000 customers; the numbers
are the same to the last bit (the same float operations on the same values in the same
order as the DataFrame summaries made).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.accounts import COLUMN
from sim.rules.trust import STAGE_NAMES

#: The outcome names of one firm, each reported as ``name[firm]``.
FIRM_OUTCOMES = ("cumulative_profit", "npv", "active_customers", "mean_active_customers",
                 "churn_rate", "trusting_share", *(f"stage_{s}" for s in STAGE_NAMES),
                 "mean_satisfaction")


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
