"""A cohort's purchases at the model's step resolution, from a log or from a simulation.

The cohort is every customer whose first purchase falls in the calibration period (the
CDNOW cohort: first purchase in Q1 1997). Data and simulation both become a
:class:`Cohort` — one row per customer and step with a purchase, the amount summed within
the step — and every statistic is computed from that one form, so the log and the
simulated market are measured by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.log import TransactionLog
from sim.calibration.timeline import Timeline


@dataclass(frozen=True)
class Cohort:
    """Purchases of a cohort, one per customer and step.

    Attributes
    ----------
    customer
        Customer code (0..n_customers-1) of each purchase, sorted by customer then step.
    step
        Step of each purchase (from 1).
    amount
        Money spent in that step.
    first_step
        Step of each customer's first purchase (by customer code).
    labels
        Customer ids as in the log (by code), or None for a simulated cohort.
    """

    customer: np.ndarray
    step: np.ndarray
    amount: np.ndarray
    first_step: np.ndarray
    labels: np.ndarray | None = None

    @property
    def n_customers(self) -> int:
        """Customers in the cohort."""
        return int(self.first_step.size)

    def arrivals(self, steps: int) -> np.ndarray:
        """Customers whose first purchase is in each step 1..steps (index 0 = step 1)."""
        return np.bincount(self.first_step - 1, minlength=steps)[:steps]

    def is_repeat(self) -> np.ndarray:
        """Which purchases are repeat purchases (after the customer's first step)."""
        return self.step > self.first_step[self.customer]

    def repeats_until(self, last_step: int) -> int:
        """Repeat purchases of the cohort in steps 1..``last_step``."""
        return int((self.is_repeat() & (self.step <= last_step)).sum())


def from_purchases(customer_ids: np.ndarray, steps: np.ndarray, amounts: np.ndarray,
                   calibration_steps: int, last_step: int, labels_kept: bool = True) -> Cohort:
    """The cohort of customers whose first purchase is in steps 1..calibration_steps, from
    purchase rows (any id type); purchases after ``last_step`` are dropped."""
    frame = pd.DataFrame({"id": customer_ids, "step": np.asarray(steps, np.int64),
                          "amount": np.asarray(amounts, float)})
    frame = frame[(frame["step"] >= 1) & (frame["step"] <= max(last_step, 1))]
    per_step = frame.groupby(["id", "step"], sort=True, as_index=False)["amount"].sum()
    first = per_step.groupby("id", sort=True)["step"].min()
    cohort_ids = first.index[first.to_numpy() <= calibration_steps]
    per_step = per_step[per_step["id"].isin(cohort_ids)]
    codes = pd.Index(cohort_ids)
    return Cohort(
        customer=codes.get_indexer(per_step["id"]).astype(np.int64),
        step=per_step["step"].to_numpy(np.int64),
        amount=per_step["amount"].to_numpy(float),
        first_step=first.loc[cohort_ids].to_numpy(np.int64),
        labels=codes.to_numpy() if labels_kept else None)


def from_log(log: TransactionLog, timeline: Timeline) -> Cohort:
    """The calibration cohort of a validated log (transactions merged per step)."""
    table = log.table
    return from_purchases(table["customer"].to_numpy(), timeline.steps_of(table["date"]),
                          table["amount"].to_numpy(), timeline.calibration_steps,
                          timeline.total_steps)
