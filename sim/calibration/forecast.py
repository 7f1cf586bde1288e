"""The calibrated market's forecast: the cohort simulated through calibration and holdout.

The forecast is the posterior predictive one: ``replications`` simulations of a cohort
``scale`` times the log's, each at its own posterior draw of the parameters, give the
expected weekly and cumulative repeat transactions (per log-sized cohort) and the
conditional expectation — mean holdout repeats of the customers with each calibration
frequency; ``draws`` log-sized simulations at further posterior draws give the predictive
band (parameter uncertainty and a cohort's own randomness together). At the point
estimate, ``replications`` more simulations give the fit of every statistic and the
expected repeat counts the goodness of fit compares with the log (the classical check of
a fitted model), and the plug-in forecast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as st

from sim.calibration.cohort import Cohort
from sim.calibration.fit import FitSettings
from sim.calibration.parallel import run_jobs
from sim.calibration.simulators import Simulator
from sim.calibration.statistics import REPEAT_CAP, StatisticSet, rfm, top_share, weekly_repeats
from sim.calibration.streams import FORECAST, stream
from sim.calibration.timeline import Timeline


@dataclass(frozen=True)
class CohortSummary:
    """What one simulated (or the real) cohort contributes to a forecast."""

    customers: int
    weekly: np.ndarray  #: repeats per step, steps 1..total
    repeat_counts: np.ndarray  #: customers with calibration x = 0..6, 7+
    holdout_by_frequency: np.ndarray  #: holdout repeats summed per calibration x group
    statistics: np.ndarray  #: the fitted statistics
    top20_share: float  #: share of spend from the top 20 % of customers


def summarise(cohort: Cohort, timeline: Timeline, statistic_set: StatisticSet) -> CohortSummary:
    """The forecast quantities of a cohort over the whole timeline."""
    summary = rfm(cohort, timeline.calibration_steps, timeline.holdout_steps)
    group = np.minimum(summary["frequency"].to_numpy(), REPEAT_CAP)
    spend = np.bincount(cohort.customer, weights=cohort.amount, minlength=cohort.n_customers)
    return CohortSummary(
        customers=cohort.n_customers,
        weekly=weekly_repeats(cohort, timeline.total_steps),
        repeat_counts=np.bincount(group, minlength=REPEAT_CAP + 1).astype(float),
        holdout_by_frequency=np.bincount(group, weights=summary["holdout"].to_numpy(),
                                         minlength=REPEAT_CAP + 1),
        statistics=statistic_set.statistics(cohort),
        top20_share=top_share(spend))


def simulate_summary(simulator: Simulator, values: Mapping[str, float], arrivals: np.ndarray,
                     timeline: Timeline, statistic_set: StatisticSet,
                     seed: np.random.SeedSequence) -> CohortSummary:
    """Simulate a cohort over the timeline and summarise it (a worker process's task)."""
    cohort = simulator.simulate(values, arrivals, timeline.total_steps, seed)
    return summarise(cohort, timeline, statistic_set)


@dataclass(frozen=True)
class Forecast:
    """The calibrated market's expectations, scaled to a cohort of the log's size."""

    timeline: Timeline
    weekly: np.ndarray  #: expected repeats per step (posterior predictive)
    plug_in_weekly: np.ndarray  #: expected repeats per step at the point estimate
    weekly_band: np.ndarray  #: (2, steps) predictive band of the repeats per step
    cumulative_band: np.ndarray  #: (2, steps) predictive band of the cumulative repeats
    repeat_counts: np.ndarray  #: expected customers per calibration x = 0..6, 7+
    conditional: np.ndarray  #: expected holdout repeats per customer, per calibration x
    statistics_mean: np.ndarray  #: each statistic's expectation at the point estimate
    statistics_sd: np.ndarray  #: its standard deviation for a log-sized cohort
    draw_weekly: np.ndarray  #: (draws, steps) repeats per step of the simulations at draws
    top20_share: float
    confidence: float

    @property
    def cumulative(self) -> np.ndarray:
        """Expected cumulative repeats."""
        return np.cumsum(self.weekly)

    @property
    def holdout_total(self) -> float:
        """Expected repeats in the holdout (posterior predictive)."""
        return float(self.weekly[self.timeline.calibration_steps:].sum())

    @property
    def plug_in_holdout_total(self) -> float:
        """Expected repeats in the holdout at the point estimate."""
        return float(self.plug_in_weekly[self.timeline.calibration_steps:].sum())

    @property
    def holdout_draws(self) -> np.ndarray:
        """Holdout repeats of each simulation at parameter draws."""
        return self.draw_weekly[:, self.timeline.calibration_steps:].sum(axis=1)

    def holdout_interval(self) -> tuple[float, float]:
        """Predictive interval of the holdout repeats."""
        tail = 50 * (1 - self.confidence)
        low, high = np.percentile(self.holdout_draws, [tail, 100 - tail])
        return float(low), float(high)

    def band(self, groups: np.ndarray, cumulative: bool = False) -> np.ndarray:
        """(2, n_groups) predictive band of the repeats summed over steps with the same
        ``groups`` label (1..n, e.g. weeks), or of their running total."""
        per = np.stack([np.bincount(groups - 1, weights=d) for d in self.draw_weekly])
        if cumulative:
            per = np.cumsum(per, axis=1)
        tail = 50 * (1 - self.confidence)
        return np.percentile(per, [tail, 100 - tail], axis=0)


def forecast(simulator: Simulator, estimate: Mapping[str, float],
             draws: Sequence[Mapping[str, float]], cohort: Cohort, timeline: Timeline,
             statistic_set: StatisticSet, replications: int, band_draws: int,
             settings: FitSettings,
             progress: Callable[[int, int, str], None] | None = None) -> Forecast:
    """Simulate the calibrated market (module doc): ``draws`` are posterior draws, the
    first ``replications`` for the expectation, the next ``band_draws`` for the band, at
    the fit's ``scale``, ``seed``, ``workers`` and ``confidence``;
    ``progress(done, total, "forecast")`` after each simulation."""
    scale, seed, workers, confidence = (settings.scale, settings.seed, settings.workers,
                                        settings.confidence)
    if len(draws) < replications + band_draws:
        raise ValueError(f"need {replications + band_draws} posterior draws, got {len(draws)}")
    arrivals = cohort.arrivals(timeline.calibration_steps)
    def job(kind: str, r: int, values: Mapping[str, float], times: int) -> tuple:
        return (kind, r), (simulator, values, arrivals * times, timeline, statistic_set,
                           stream(seed, FORECAST, "epb".index(kind[0]), r))
    jobs = [job("estimate", r, estimate, scale) for r in range(replications)]
    jobs += [job("posterior", r, draws[r], scale) for r in range(replications)]
    jobs += [job("band", d, draws[replications + d], 1) for d in range(band_draws)]
    done = {}
    for key, summary in run_jobs(simulate_summary, jobs, workers):
        done[key] = summary
        if progress:
            progress(len(done), len(jobs), "forecast")
    at = [done[("estimate", r)] for r in range(replications)]
    posterior = [done[("posterior", r)] for r in range(replications)]
    spread = [done[("band", d)] for d in range(band_draws)]
    n = cohort.n_customers

    def per_cohort(summaries: list[CohortSummary]) -> np.ndarray:
        return np.mean([s.weekly / s.customers for s in summaries], axis=0) * n

    mean = per_cohort(posterior)
    tail = 50 * (1 - confidence)
    # no draws, no band: NaN, which the report and the figures leave out
    band = np.array([s.weekly for s in spread]) if spread else np.full((1, mean.size), np.nan)
    counts = np.sum([s.repeat_counts for s in at], axis=0)
    predictive_counts = np.sum([s.repeat_counts for s in posterior], axis=0)
    holdout = np.sum([s.holdout_by_frequency for s in posterior], axis=0)
    stats = np.array([s.statistics for s in at])
    with np.errstate(invalid="ignore", divide="ignore"):
        conditional = holdout / predictive_counts
    return Forecast(
        timeline=timeline, weekly=mean, plug_in_weekly=per_cohort(at),
        weekly_band=np.percentile(band, [tail, 100 - tail], axis=0),
        cumulative_band=np.percentile(np.cumsum(band, axis=1), [tail, 100 - tail], axis=0),
        draw_weekly=band, repeat_counts=counts / counts.sum() * n, conditional=conditional,
        statistics_mean=stats.mean(axis=0),
        statistics_sd=stats.std(axis=0, ddof=1) * np.sqrt(scale) if replications > 1
        else np.full(stats.shape[1], np.nan),
        top20_share=float(np.mean([s.top20_share for s in posterior])),
        confidence=confidence)


@dataclass(frozen=True)
class GoodnessOfFit:
    """Pearson's chi-square of the calibration repeat counts against the forecast's."""

    chi_square: float
    dof: int
    p_value: float


def repeat_count_fit(observed: np.ndarray, expected: np.ndarray,
                     fitted_parameters: int) -> GoodnessOfFit:
    """Chi-square of observed against expected customers per repeat count (0..6, 7+),
    pooling the highest counts until every expected count is at least 5; degrees of
    freedom: categories - 1 - ``fitted_parameters`` (at least 1).

    Pass the number of parameters fitted to these counts alone; parameters fitted to other
    statistics as well count 0 — the statistic then lies between chi-square on categories
    - 1 - k and on categories - 1 degrees of freedom (Chernoff & Lehmann 1954), and the
    larger is the one that does not reject a right model too often."""
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    while expected.size > 2 and expected[-1] < 5:
        observed = np.append(observed[:-2], observed[-2:].sum())
        expected = np.append(expected[:-2], expected[-2:].sum())
    chi2 = float((((observed - expected) ** 2) / np.maximum(expected, 1e-12)).sum())
    dof = max(1, expected.size - 1 - fitted_parameters)
    return GoodnessOfFit(chi2, dof, float(st.chi2.sf(chi2, dof)))


def actual(cohort: Cohort, timeline: Timeline) -> pd.DataFrame:
    """The log's weekly and cumulative repeats, per step (the tracking plot's data line)."""
    weekly = weekly_repeats(cohort, timeline.total_steps)
    return pd.DataFrame({"step": np.arange(1, timeline.total_steps + 1),
                         "actual": weekly, "actual_cumulative": np.cumsum(weekly)})
