"""The calibration's tables and the text it prints: estimates, the fit of each statistic,
the repeat-count distribution with its goodness of fit, the tracking of weekly repeats,
and the conditional expectation per calibration frequency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.cohort import Cohort
from sim.calibration.fit import FitResult
from sim.calibration.forecast import Forecast, GoodnessOfFit, actual
from sim.calibration.parameters import Parameter
from sim.calibration.spend import SpendFit
from sim.calibration.statistics import (
    REPEAT_CAP,
    SPEND_QUANTILES,
    StatisticSet,
    rfm,
    top_share,
)


@dataclass(frozen=True)
class Outcome:
    """Everything a calibration found, as the report and the figures need it."""

    fit: FitResult
    spend: SpendFit | None
    forecast: Forecast
    goodness: GoodnessOfFit
    cohort: Cohort
    statistic_set: StatisticSet
    start: Mapping[str, float]

    @property
    def estimates(self) -> dict[str, float]:
        """Every fitted value, by scenario key."""
        out = dict(self.fit.estimate)
        if self.spend is not None:
            out |= {"customers.spend_median": self.spend.median,
                    "customers.spend_sigma": self.spend.sigma}
        return out

    @property
    def intervals(self) -> dict[str, tuple[float, float]]:
        """Every fitted value's interval, by scenario key."""
        out = self.fit.interval()
        if self.spend is not None:
            out |= self.spend.interval()
        return out


def estimates_table(outcome: Outcome, parameters: tuple[Parameter, ...]) -> pd.DataFrame:
    """One row per fitted parameter: estimate, interval, first guess and meaning."""
    intervals = outcome.intervals
    rows = []
    for p in parameters:
        if p.key not in outcome.estimates:
            continue
        low, high = intervals[p.key]
        rows.append({"parameter": p.key, "estimate": outcome.estimates[p.key],
                     "ci_low": low, "ci_high": high, "first_guess": outcome.start.get(p.key),
                     "meaning": p.meaning})
    return pd.DataFrame(rows)


def statistics_table(outcome: Outcome) -> pd.DataFrame:
    """One row per statistic: the log's value and bootstrap s.d., the calibrated market's
    expectation and s.d. (log-sized cohort), and the gap in the log's s.d."""
    fit, fc = outcome.fit, outcome.forecast
    families = {}
    for family, cols in outcome.statistic_set.families().items():
        for i in range(cols.start, cols.stop):
            families[i] = family
    observed_sd = np.sqrt(fit.targets.variance)
    rows = [{"statistic": name, "family": families[i], "observed": fit.targets.observed[i],
             "observed_sd": observed_sd[i], "simulated": fc.statistics_mean[i],
             "simulated_sd": fc.statistics_sd[i], "fitted": bool(fit.targets.used[i])}
            for i, name in enumerate(fit.targets.names)]
    table = pd.DataFrame(rows)
    if outcome.spend is not None:
        s = outcome.spend
        table = pd.concat([table, pd.DataFrame({
            "statistic": [f"log spend q{int(q * 100)}" for q in SPEND_QUANTILES],
            "family": "spend per transaction", "observed": s.observed,
            "observed_sd": np.sqrt(s.variance), "simulated": s.simulated,
            "simulated_sd": np.nan, "fitted": True})], ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["gap_in_sd"] = (table["simulated"] - table["observed"]) / table["observed_sd"]
    return table


def repeat_counts_table(outcome: Outcome) -> pd.DataFrame:
    """Customers per calibration repeat count: the log's and the calibrated market's."""
    x = rfm(outcome.cohort, outcome.statistic_set.calibration_steps)["frequency"].to_numpy()
    observed = np.bincount(np.minimum(x, REPEAT_CAP), minlength=REPEAT_CAP + 1)
    expected = outcome.forecast.repeat_counts
    labels = [str(k) for k in range(REPEAT_CAP)] + [f"{REPEAT_CAP}+"]
    return pd.DataFrame({"repeats": labels, "observed": observed, "expected": expected,
                         "chi_square": (observed - expected) ** 2 / np.maximum(expected, 1e-12)})


def tracking_table(outcome: Outcome) -> pd.DataFrame:
    """Per step: the log's repeats and the forecast (expectation and predictive band),
    weekly and cumulative, and which period the step is in."""
    fc = outcome.forecast
    tl = fc.timeline
    table = actual(outcome.cohort, tl)
    table.insert(1, "date", [tl.day_of(s) for s in table["step"]])
    table.insert(2, "week", week_of(table["step"].to_numpy(), tl.step_days))
    table.insert(2, "period", np.where(table["step"] <= tl.calibration_steps, "calibration",
                                       "holdout"))
    table["forecast"] = fc.weekly
    table["forecast_at_estimate"] = fc.plug_in_weekly
    table["forecast_low"], table["forecast_high"] = fc.weekly_band
    table["forecast_cumulative"] = fc.cumulative
    table["forecast_cumulative_low"], table["forecast_cumulative_high"] = fc.cumulative_band
    return table


def week_of(steps: np.ndarray, step_days: float) -> np.ndarray:
    """The week (from 1) each step falls in (steps shorter than a week are grouped)."""
    return np.floor((np.asarray(steps) - 1) * step_days / 7.0 + 1e-9).astype(np.int64) + 1


def weekly_tracking_table(outcome: Outcome) -> pd.DataFrame:
    """:func:`tracking_table` summed into weeks when a step is shorter than a week (the
    predictive bands from the simulations' weekly sums); the same table otherwise."""
    table = tracking_table(outcome)
    if table["week"].is_unique:
        return table
    fc, weeks = outcome.forecast, table["week"].to_numpy()
    grouped = table.groupby("week", sort=True)
    out = grouped[["actual", "forecast"]].sum()
    out.insert(0, "period", grouped["period"].last())
    out.insert(0, "date", grouped["date"].first())
    out["actual_cumulative"] = out["actual"].cumsum()
    out["forecast_low"], out["forecast_high"] = fc.band(weeks)
    out["forecast_cumulative"] = out["forecast"].cumsum()
    out["forecast_cumulative_low"], out["forecast_cumulative_high"] = fc.band(weeks, True)
    out = out.reset_index()
    out.insert(1, "step", out["week"])
    return out


def conditional_table(outcome: Outcome) -> pd.DataFrame:
    """Mean holdout repeats per customer, by calibration frequency: the log's and the
    calibrated market's conditional expectation."""
    tl = outcome.forecast.timeline
    summary = rfm(outcome.cohort, tl.calibration_steps, tl.holdout_steps)
    group = np.minimum(summary["frequency"].to_numpy(), REPEAT_CAP)
    labels = [str(k) for k in range(REPEAT_CAP)] + [f"{REPEAT_CAP}+"]
    counts = np.bincount(group, minlength=REPEAT_CAP + 1)
    sums = np.bincount(group, weights=summary["holdout"].to_numpy(), minlength=REPEAT_CAP + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({"calibration_repeats": labels, "customers": counts,
                             "actual": sums / counts, "market": outcome.forecast.conditional})


def holdout_summary(outcome: Outcome) -> dict[str, float]:
    """The holdout's actual repeats, the forecast, its error and predictive interval."""
    fc = outcome.forecast
    tl = fc.timeline
    if not tl.holdout_steps:
        return {}
    real = float(actual(outcome.cohort, tl)["actual"].to_numpy()[tl.calibration_steps:].sum())
    low, high = fc.holdout_interval()
    return {"actual": real, "forecast": fc.holdout_total, "error": fc.holdout_total - real,
            "relative_error": (fc.holdout_total - real) / real if real else float("nan"),
            "interval_low": low, "interval_high": high,
            "plug_in_forecast": fc.plug_in_holdout_total}


def unsettled_warning(keys: tuple[str, ...], max_rounds: int) -> str:
    """What to tell when the design box had not settled on ``keys`` after ``max_rounds``."""
    names = ", ".join(k.split(".")[-1] for k in keys)
    return (f"warning: the design box had not settled on {names} after {max_rounds} "
            f"round(s): the data identify {'it' if len(keys) == 1 else 'them'} weakly and the "
            "intervals may be too narrow; raise --max-rounds, or calibrate on a longer "
            "period or a larger log")


def format_report(outcome: Outcome, estimates: pd.DataFrame) -> str:
    """The text ``trustmarket calibrate`` prints."""
    lines = ["parameter                              estimate   95% interval            "
             "first guess"]
    for row in estimates.itertuples():
        guess = "" if row.first_guess is None or pd.isna(row.first_guess) else \
            f"{row.first_guess:.4g}"
        lines.append(f"{row.parameter:38s} {row.estimate:9.4g}   [{row.ci_low:.4g}, "
                     f"{row.ci_high:.4g}]".ljust(75) + guess)
    if outcome.fit.unsettled:
        lines += ["", unsettled_warning(outcome.fit.unsettled, len(outcome.fit.rounds))]
    g = outcome.goodness
    lines += ["", f"repeat counts 0..{REPEAT_CAP}+ in the calibration period: chi-square "
              f"{g.chi_square:.2f} on {g.dof} d.f., p = {g.p_value:.3f}"]
    fit_table = statistics_table(outcome)
    worst = fit_table.loc[fit_table["gap_in_sd"].abs().idxmax()]
    lines.append(f"largest gap of a statistic: {worst['statistic']} ({worst['gap_in_sd']:+.2f} "
                 f"s.d. of the log's value); every statistic in statistics.csv")
    hold = holdout_summary(outcome)
    if hold:
        band = (f"95% predictive interval {hold['interval_low']:.0f}-"
                f"{hold['interval_high']:.0f}" if np.isfinite(hold["interval_low"])
                else "no predictive interval without draws")
        lines.append(f"holdout repeat transactions: actual {hold['actual']:.0f}, calibrated "
                     f"market {hold['forecast']:.0f} ({hold['relative_error']:+.1%}; {band}"
                     f"; at the point estimate {hold['plug_in_forecast']:.0f})")
    lines.append(f"share of spend from the top 20 % of customers: log "
                 f"{log_top_share(outcome):.0%}, calibrated market "
                 f"{outcome.forecast.top20_share:.0%}")
    return "\n".join(lines)


def log_top_share(outcome: Outcome) -> float:
    """Share of the cohort's spend from its top 20 % of customers, in the log."""
    c = outcome.cohort
    return top_share(np.bincount(c.customer, weights=c.amount, minlength=c.n_customers))
