"""A whole calibration, from a validated log to an :class:`~sim.calibration.report.Outcome`.

The log's cohort and its statistics; a BG/NBD fit of its RFM summary, which gives the
first guess and the score statistics; the simulated-minimum-distance fit of the purchase
parameters; the spend fit; the calibrated market's forecast through the holdout; the
goodness of fit of the repeat counts. :mod:`sim.calibration.command` adds the files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.calibration import bgnbd
from sim.calibration.cohort import Cohort, from_log
from sim.calibration.fit import Calibration, FitSettings
from sim.calibration.forecast import forecast, repeat_count_fit
from sim.calibration.log import LogError, TransactionLog, check_window
from sim.calibration.parameters import PURCHASE_PARAMETERS, Parameter
from sim.calibration.report import Outcome
from sim.calibration.simulators import Simulator
from sim.calibration.spend import fit_spend, simulated_cohorts
from sim.calibration.statistics import FITTED_DEFAULT, REPEAT_CAP, StatisticSet, rfm
from sim.calibration.store import CalibrationStore
from sim.calibration.streams import SPEND, stream
from sim.calibration.timeline import Timeline

#: A cohort smaller than this cannot support the statistics.
MIN_CUSTOMERS = 30


@dataclass(frozen=True)
class Plan:
    """What to calibrate and how much simulation to spend on it.

    Attributes
    ----------
    timeline
        Calibration and holdout periods.
    settings
        The fit's budget and reporting.
    replications
        Forecast simulations at the estimate and as many at posterior draws (the
        expectation; cohorts ``settings.scale`` times the log's).
    draws
        Log-sized forecast simulations at further posterior draws (the predictive band).
    fit_spend
        Also fit the basket median and sigma to the spend per transaction.
    fitted
        The statistic families the fit matches (the others are reported as checks).
    parameters
        The purchase-process parameters fitted
        (:func:`sim.calibration.parameters.purchase_parameters` of the base scenario).
    """

    timeline: Timeline
    settings: FitSettings = FitSettings()
    replications: int = 20
    draws: int = 40
    fit_spend: bool = True
    fitted: tuple[str, ...] = FITTED_DEFAULT
    parameters: tuple[Parameter, ...] = PURCHASE_PARAMETERS


def prepare(log: TransactionLog, timeline: Timeline) -> Cohort:
    """The log's calibration cohort, after checking that it can be calibrated.

    Raises
    ------
    LogError
        Transactions before the calibration start, too few customers in the cohort, no
        repeat purchase to fit, or a holdout the log has no transactions in.
    """
    check_window(log, timeline.start)
    cohort = from_log(log, timeline)
    period = f"{timeline.start:%Y-%m-%d}..{timeline.calibration_end:%Y-%m-%d}"
    if cohort.n_customers < MIN_CUSTOMERS:
        raise LogError(log.source, [
            f"only {cohort.n_customers} customer(s) make their first purchase in the "
            f"calibration period {period}; at least {MIN_CUSTOMERS} are needed"])
    if not cohort.repeats_until(timeline.calibration_steps):
        raise LogError(log.source, [
            f"none of the cohort's {cohort.n_customers} customers buys again in the "
            f"calibration period {period}: repeat purchases are what the calibration fits "
            f"(a longer calibration period may have some)"])
    if timeline.holdout_steps and not np.any(log.table["date"] > timeline.calibration_end):
        raise LogError(log.source, [
            f"column 'date': no transaction after the calibration end "
            f"{timeline.calibration_end:%Y-%m-%d} (the last is on "
            f"{log.table['date'].max():%Y-%m-%d}), so there is no holdout to compare the "
            f"forecast with; calibrate without a holdout end, or with a log that runs "
            f"through {timeline.holdout_end:%Y-%m-%d}"])
    return cohort


def first_guess(cohort: Cohort, calibration_steps: int) -> bgnbd.BGNBD:
    """BG/NBD fitted to the cohort's RFM summary at step resolution."""
    summary = rfm(cohort, calibration_steps)
    return bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])


def run_calibration(simulator: Simulator, cohort: Cohort, plan: Plan,
                    store: CalibrationStore | None = None,
                    progress: Callable[[int, int, str], None] | None = None,
                    say: Callable[[str], None] = lambda text: None) -> Outcome:
    """Fit, forecast and judge (see the module docstring); ``say`` reports each stage."""
    tl, s = plan.timeline, plan.settings
    auxiliary = first_guess(cohort, tl.calibration_steps)
    say(f"BG/NBD of the log (first guess): r = {auxiliary.r:.3g}, alpha = {auxiliary.alpha:.3g}"
        f", a = {auxiliary.a:.3g}, b = {auxiliary.b:.3g} (per step)")
    statistic_set = StatisticSet(tl.calibration_steps, auxiliary=(
        auxiliary.r, auxiliary.alpha, auxiliary.a, auxiliary.b), fitted=plan.fitted)
    start = bgnbd.market_start(auxiliary)
    calibration = Calibration(simulator, plan.parameters, start, {}, cohort, statistic_set,
                              s, store)
    fit = calibration.run(progress)
    say(f"purchase parameters fitted in {len(fit.rounds)} round(s), {fit.simulations} "
        "simulation(s) this run")
    estimate = fit.estimate
    spend = None
    if plan.fit_spend:
        seeds = [stream(s.seed, SPEND, i)
                 for i in range(simulated_cohorts(s.scale))]
        spend = fit_spend(simulator, estimate, cohort, tl.calibration_steps, s.scale,
                          s.bootstrap, seeds, np.random.default_rng([s.seed, 4]),
                          s.confidence)
        estimate = {**estimate, "customers.spend_median": spend.median,
                    "customers.spend_sigma": spend.sigma}
        say(f"spend fitted: median basket {spend.median:.4g}, sigma {spend.sigma:.3g}")
    spend_values = {k: v for k, v in estimate.items() if k.startswith("customers.spend_")}
    needed = plan.replications + plan.draws
    draws = [{**d, **spend_values} for d in fit.draws()[:needed]]
    say(f"forecasting: {plan.replications} simulation(s) at the estimate, "
        f"{plan.replications} at posterior draws for the expectation and {plan.draws} for "
        "the predictive band")
    fc = forecast(simulator, estimate, draws, cohort, tl, statistic_set, plan.replications,
                  plan.draws, s, progress)
    frequency = rfm(cohort, tl.calibration_steps)["frequency"].to_numpy()
    observed = np.bincount(np.minimum(frequency, REPEAT_CAP), minlength=REPEAT_CAP + 1)
    counts_alone = tuple(plan.fitted) == ("repeat counts",)
    goodness = repeat_count_fit(observed, fc.repeat_counts,
                                len(plan.parameters) if counts_alone else 0)
    return Outcome(fit, spend, fc, goodness, cohort, statistic_set, start)
