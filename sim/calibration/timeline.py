"""Dates to model steps: the calibration and holdout periods of a log.

Step ``s`` (counted from 1, as the model counts them) covers the days
``[start + (s - 1) * step_days, start + s * step_days)``, with ``step_days = 7 * 52 /
steps_per_year`` — exactly a week for the weekly markets of the shipped scenarios (a "year"
of 52 steps is 364 days). Both periods must be whole numbers of steps: a part-step at the
end would compare a whole simulated step with part of a real one.

A customer's purchases within one step are one *transaction* here, in the log and in the
simulation alike: the model has at most one purchase occasion per customer and step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

ONE_DAY = pd.Timedelta(days=1)


class PeriodError(ValueError):
    """Calibration or holdout dates that do not make whole steps, or are out of order."""


@dataclass(frozen=True)
class Timeline:
    """Where the calibration and holdout periods fall, in dates and in steps.

    Attributes
    ----------
    start
        First day of step 1 (the calibration start).
    step_days
        Days per model step.
    calibration_steps
        Steps 1..calibration_steps are the calibration period.
    holdout_steps
        The following steps form the holdout (0: none).
    """

    start: pd.Timestamp
    step_days: float
    calibration_steps: int
    holdout_steps: int = 0

    @property
    def total_steps(self) -> int:
        """Calibration and holdout steps."""
        return self.calibration_steps + self.holdout_steps

    @property
    def calibration_end(self) -> pd.Timestamp:
        """Last day of the calibration period."""
        return self.day_of(self.calibration_steps + 1) - ONE_DAY

    @property
    def holdout_end(self) -> pd.Timestamp | None:
        """Last day of the holdout period, or None without one."""
        return self.day_of(self.total_steps + 1) - ONE_DAY if self.holdout_steps else None

    def day_of(self, step: int) -> pd.Timestamp:
        """First day of ``step``."""
        return self.start + pd.Timedelta(days=round((step - 1) * self.step_days))

    def steps_of(self, dates: pd.Series | np.ndarray) -> np.ndarray:
        """The step (from 1) each date falls in, with the step boundaries of
        :meth:`day_of`; dates before ``start`` give steps <= 0."""
        days = (pd.to_datetime(pd.Series(dates)) - self.start).dt.days.to_numpy()
        last = int(days.max(initial=0) / self.step_days) + 2
        boundaries = np.round(np.arange(1, last + 1) * self.step_days)  # first days of 2, 3..
        steps = np.searchsorted(boundaries, days, side="right") + 1
        early = days < 0
        steps[early] = np.floor(days[early] / self.step_days).astype(np.int64) + 1
        return steps.astype(np.int64)


def step_days(steps_per_year: int) -> float:
    """Days in one model step (a 52-step year of 364 days: a week exactly)."""
    return 7.0 * 52.0 / steps_per_year


def make_timeline(start: pd.Timestamp, calibration_end: pd.Timestamp,
                  holdout_end: pd.Timestamp | None, steps_per_year: int) -> Timeline:
    """The timeline of a calibration, checking that each period is a whole number of steps.

    ``calibration_end`` and ``holdout_end`` are inclusive last days.

    Raises
    ------
    PeriodError
        If a period is empty, out of order, or not a whole number of steps (the message
        offers the nearest dates that are).
    """
    days = step_days(steps_per_year)
    start = pd.Timestamp(start).normalize()
    calibration = _whole_steps("calibration", start, pd.Timestamp(calibration_end), days)
    holdout = 0
    if holdout_end is not None:
        cal_end = pd.Timestamp(calibration_end)
        if pd.Timestamp(holdout_end) <= cal_end:
            raise PeriodError(f"the holdout end {pd.Timestamp(holdout_end):%Y-%m-%d} must be "
                              f"after the calibration end {cal_end:%Y-%m-%d}")
        holdout = _whole_steps("holdout", cal_end + ONE_DAY, pd.Timestamp(holdout_end), days)
    return Timeline(start, days, calibration, holdout)


def _whole_steps(what: str, first: pd.Timestamp, last: pd.Timestamp, days: float) -> int:
    length = (last.normalize() - first).days + 1
    if length < 1:
        raise PeriodError(f"the {what} period would end on {last:%Y-%m-%d}, before it begins "
                          f"on {first:%Y-%m-%d}")
    steps = length / days
    if round(max(1, round(steps)) * days) != length:
        lower, upper = max(1, math.floor(steps)), max(1, math.ceil(steps))
        options = " or ".join(
            f"{first + pd.Timedelta(days=round(n * days)) - ONE_DAY:%Y-%m-%d} ({n} steps)"
            for n in sorted({lower, upper}))
        raise PeriodError(f"the {what} period {first:%Y-%m-%d}..{last:%Y-%m-%d} is {length} "
                          f"days = {steps:.2f} steps of {days:g} days; it must be a whole "
                          f"number of steps: end it on {options}")
    return max(1, round(steps))
