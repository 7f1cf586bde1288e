"""The calibrated market against BG/NBD and Pareto/NBD on the CDNOW holdout.

    pip install -e ".[calibration]"        # lifetimes: the CDNOW data and the two fitters
    python benchmarks/calibration_bench.py [--scenario scenarios/cdnow.toml] [--out DIR]
        [--calibration-end 1997-09-30] [--holdout-end 1998-06-30]

Runs ``trustmarket calibrate`` on the CDNOW 1/10 sample (2,357 customers who first bought
in Q1 1997; by default calibration weeks 1-39, holdout weeks 40-78) — or reads a finished run with
``--market-dir`` — then fits BG/NBD and Pareto/NBD with ``lifetimes`` on the same
calibration period and sets the three forecasts side by side: weekly and cumulative
repeat transactions (``tracking_compare.png``), the holdout total and its error
(``comparison.csv``), and the conditional expectation per calibration-frequency group
(``conditional_compare.csv``, ``conditional_compare.png``).

Every forecast is of the same quantity: repeat transactions counted as the market's steps
count them (a customer's purchases within one step are one transaction; the CDNOW
scenario's step is a day, as in Fader, Hardie & Lee 2005's counts: 2,457 repeat
transactions in weeks 1-39, 1,882 in weeks 40-78). BG/NBD and Pareto/NBD are fitted with
times in weeks; BG/NBD at day resolution is also reported, to check the fitter against the
published r = 0.243, alpha = 4.41, a = 0.79, b = 2.43.

A fourth row is the market's own purchase process (dropout after a purchase, no lapse)
at its exact maximum-likelihood estimate, forecast without simulation
(:mod:`sim.calibration.process_likelihood`): what the market's structure forecasts with
its four parameters at the values the calibration period makes most likely.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calibration import figures, process_likelihood  # noqa: E402
from sim.calibration.cohort import from_log  # noqa: E402
from sim.calibration.log import LogFormat, read_log  # noqa: E402
from sim.calibration.report import week_of  # noqa: E402
from sim.calibration.statistics import REPEAT_CAP, rfm, weekly_repeats  # noqa: E402
from sim.calibration.timeline import Timeline, make_timeline  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

CALIBRATION_END, HOLDOUT_END = "1997-09-30", "1998-06-30"
#: The CDNOW files' layout: master id, sample id, date, CDs bought, dollars.
CDNOW_NAMES = ("master_id", "customer", "date", "cds", "amount")
CDNOW_FORMAT = LogFormat(customer="customer", date="date", amount="amount",
                         date_format="%Y%m%d", delimiter="whitespace", names=CDNOW_NAMES)
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.41, "a": 0.79, "b": 2.43}
PROCESS = "purchase process, exact MLE"


def cdnow_sample() -> Path:
    """The CDNOW 1/10 sample shipped in the ``lifetimes`` package's data folder."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the CDNOW data ship with lifetimes: pip install -e \".[calibration]\"")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"


def calibrate_market(log: Path, scenario: Path, out: Path, workers: int, simulator: str,
                     resume: bool, calibration_end: str = CALIBRATION_END,
                     holdout_end: str = HOLDOUT_END) -> float:
    """Run ``trustmarket calibrate`` on the log; return its wall-clock seconds."""
    from sim.cli import main

    args = [
        "calibrate", str(log), "--scenario", str(scenario),
        "--calibration-end", calibration_end, "--holdout-end", holdout_end,
        "--out", str(out), "--names", ",".join(CDNOW_NAMES), "--delimiter", "whitespace",
        "--date-format", "%Y%m%d", "--workers", str(workers), "--simulator", simulator,
        # Cohorts four times the log's and 100 simulations each for the expectation and
        # the band: the forecast's Monte Carlo error well below the models' differences.
        "--scale", "4", "--replications", "100", "--draws", "100"]
    if resume:
        args.append("--resume")
    started = time.perf_counter()
    code = main(args)
    if code:
        raise SystemExit(code)
    return time.perf_counter() - started


def tracking_of(fitter, first_step: np.ndarray, steps: int, weeks_per_step: float) -> np.ndarray:
    """A fitted model's expected repeats per step for a cohort whose clocks start at each
    customer's first step (the unconditional forecast of the tracking plot)."""
    cumulative = np.array([fitter.expected_number_of_purchases_up_to_time(
        np.maximum(s - first_step, 0) * weeks_per_step).sum() for s in range(steps + 1)])
    return np.diff(cumulative)


def conditional_of(fitter, summary: pd.DataFrame, horizon: float) -> np.ndarray:
    """Mean expected holdout repeats per customer, by calibration frequency 0..6, 7+
    (``summary`` with times in weeks, ``horizon`` in weeks)."""
    expected = fitter.conditional_expected_number_of_purchases_up_to_time(
        horizon, summary["frequency"], summary["recency"], summary["age"])
    group = np.minimum(summary["frequency"].to_numpy(), REPEAT_CAP)
    return pd.Series(np.asarray(expected, float)).groupby(group).mean().reindex(
        range(REPEAT_CAP + 1)).to_numpy()


def holdout_by_parameters(fitter, first_step: np.ndarray, calibration_steps: int,
                          total_steps: int, weeks_per_step: float, draws: int = 400,
                          seed: int = 1) -> np.ndarray:
    """The cohort's expected holdout repeats at ``draws`` parameter sets drawn from the
    fit's asymptotic normal distribution (log parameters, inverse Hessian): the forecast's
    uncertainty from the fit alone."""
    fitted = fitter.params_.copy()
    covariance = np.linalg.inv(fitter._hessian_) / fitter.data["weights"].sum()
    rng = np.random.default_rng(seed)
    totals = []
    try:
        for z in rng.multivariate_normal(np.log(fitted.to_numpy()), covariance, size=draws):
            fitter.params_ = pd.Series(np.exp(z), index=fitted.index)
            until = [fitter.expected_number_of_purchases_up_to_time(
                np.maximum(end - first_step, 0) * weeks_per_step).sum()
                for end in (calibration_steps, total_steps)]
            totals.append(until[1] - until[0])
    finally:
        fitter.params_ = fitted
    return np.asarray(totals)


def fit_models(summary: pd.DataFrame) -> dict[str, object]:
    """BG/NBD and Pareto/NBD fitted by maximum likelihood (lifetimes) to an RFM summary
    (times in weeks)."""
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"BG/NBD": BetaGeoFitter().fit(summary["frequency"], summary["recency"],
                                              summary["age"]),
                "Pareto/NBD": ParetoNBDFitter().fit(summary["frequency"], summary["recency"],
                                                    summary["age"])}


def daily_bgnbd(log, start: pd.Timestamp) -> dict[str, float]:
    """BG/NBD at day resolution with times in weeks on weeks 1-39: the published fit's
    setting."""
    from lifetimes import BetaGeoFitter

    days = Timeline(start, 1.0, calibration_steps=273)
    summary = rfm(from_log(log, days), 273)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = BetaGeoFitter().fit(summary["frequency"], summary["recency"] / 7,
                                     summary["age"] / 7)
    return {k: float(v) for k, v in fitter.params_.items()}


def main(argv: list[str] | None = None) -> int:
    """Compare the three forecasts; write tables and figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "cdnow.toml",
                   help="base scenario of the market (default: scenarios/cdnow.toml)")
    p.add_argument("--out", type=Path, default=Path("results/calibration_bench"))
    p.add_argument("--market-dir", type=Path,
                   help="a finished 'trustmarket calibrate' of CDNOW to read instead of running")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--simulator", choices=("market", "process"), default="market")
    p.add_argument("--resume", action="store_true", help="resume the market's calibration")
    p.add_argument("--calibration-end", default=CALIBRATION_END,
                   help=f"last day of the calibration period (default {CALIBRATION_END})")
    p.add_argument("--holdout-end", default=HOLDOUT_END,
                   help=f"last day of the holdout (default {HOLDOUT_END})")
    args = p.parse_args(argv)

    path = cdnow_sample()
    args.out.mkdir(parents=True, exist_ok=True)
    market_dir = args.market_dir or args.out / "market"
    seconds = None
    if args.market_dir is None:
        seconds = calibrate_market(path, args.scenario, market_dir, args.workers,
                                   args.simulator, args.resume, args.calibration_end,
                                   args.holdout_end)
    tracking = pd.read_csv(market_dir / "tracking.csv")
    conditional = pd.read_csv(market_dir / "conditional.csv")
    market_summary = json.loads((market_dir / "summary.json").read_text(encoding="utf-8"))

    log = read_log(path, CDNOW_FORMAT)
    start = log.table["date"].min()
    base = load_scenario(args.scenario)
    customers, steps_per_year = base.customers, base.market.steps_per_year
    tl = make_timeline(start, pd.Timestamp(args.calibration_end),
                       pd.Timestamp(args.holdout_end), steps_per_year)
    periods = (int((tracking["period"] == "calibration").sum()), len(tracking))
    if periods != (tl.calibration_steps, tl.total_steps):
        raise SystemExit(f"{market_dir}: its calibration and whole period are {periods} "
                         f"steps, these are {(tl.calibration_steps, tl.total_steps)}: give "
                         "the calibration's --calibration-end and --holdout-end")
    cohort = from_log(log, tl)
    summary = rfm(cohort, tl.calibration_steps, tl.holdout_steps)
    actual = weekly_repeats(cohort, tl.total_steps)
    in_weeks = tl.step_days / 7.0
    summary_weeks = summary.assign(recency=summary["recency"] * in_weeks,
                                   age=summary["age"] * in_weeks)
    models = fit_models(summary_weeks)
    first = summary["first_step"].to_numpy()
    weekly = {"calibrated market": tracking["forecast"].to_numpy()}
    weekly |= {name: tracking_of(f, first, tl.total_steps, in_weeks)
               for name, f in models.items()}
    process = None
    if customers.lapse_probability == 0 and customers.frequency_growth == 0:
        after_first = customers.dropout_after_first_purchase
        process = process_likelihood.fit(summary["frequency"], summary["recency"],
                                         summary["age"], after_first)
        weekly[PROCESS] = process_likelihood.expected_repeats(process, first, tl.total_steps,
                                                              after_first)
    end = tl.calibration_steps
    rows = []
    for name, series in weekly.items():
        holdout = float(series[end:].sum())
        real = float(actual[end:].sum())
        rows.append({"model": name, "calibration_repeats": float(series[:end].sum()),
                     "holdout_forecast": holdout, "holdout_actual": real,
                     "holdout_error": holdout - real, "holdout_error_pct": 100 * (holdout - real)
                     / real, "weekly_mae_holdout": float(np.abs(series[end:]
                                                                - actual[end:]).mean())})
    comparison = pd.DataFrame(rows)
    comparison.to_csv(args.out / "comparison.csv", index=False)
    cond = conditional[["calibration_repeats", "customers", "actual", "market"]].copy()
    for name, f in models.items():
        cond[name] = conditional_of(f, summary_weeks, tl.holdout_steps * in_weeks)
    cond.to_csv(args.out / "conditional_compare.csv", index=False)
    by_week = pd.read_csv(market_dir / "tracking_weekly.csv")
    week = week_of(np.arange(1, tl.total_steps + 1), tl.step_days)
    figures.tracking_figure(by_week, args.out / "tracking_compare.png",
                            others={k: np.bincount(week - 1, weights=v) for k, v in weekly.items()
                                    if k not in ("calibrated market", PROCESS)})
    figures.conditional_figure(conditional, args.out / "conditional_compare.png",
                               others={k: cond[k].to_numpy() for k in models})
    daily = daily_bgnbd(log, start)
    market_error = abs(comparison.loc[0, "holdout_error"])
    bgnbd_error = abs(comparison.loc[1, "holdout_error"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spread = holdout_by_parameters(models["BG/NBD"], first, tl.calibration_steps,
                                       tl.total_steps, in_weeks)
    bgnbd_band = np.quantile(spread, [0.025, 0.975])
    market_gap = (comparison.loc[0, "holdout_forecast"]
                  - comparison.loc[1, "holdout_forecast"]) / spread.std()
    bench = {
        "comparison": comparison.to_dict(orient="records"),
        "parameters": {name: {k: float(v) for k, v in f.params_.items()}
                       for name, f in models.items()},
        "process_exact_mle": None if process is None else {
            k: getattr(process, k) for k in ("r", "alpha", "a", "b", "log_likelihood")},
        "bgnbd_daily_weeks": daily, "bgnbd_published": PUBLISHED_BGNBD,
        "market_estimates": market_summary["estimates"],
        "market_intervals": market_summary["intervals"],
        "market_goodness_of_fit": market_summary["goodness_of_fit"],
        "market_within_bgnbd_error": bool(market_error <= bgnbd_error),
        "bgnbd_holdout_parameter_band": bgnbd_band.tolist(),
        "bgnbd_holdout_parameter_sd": float(spread.std()),
        "market_gap_in_bgnbd_sd": float(market_gap),
        "calibration_seconds": seconds or market_summary.get("seconds"),
    }
    (args.out / "bench.json").write_text(json.dumps(bench, indent=1), encoding="utf-8")
    pd.set_option("display.width", 140)
    print(comparison.round(2).to_string(index=False))
    print("\nconditional expectation of holdout repeats per customer:")
    print(cond.round(3).to_string(index=False))
    print("\nBG/NBD at day resolution (weeks): " + ", ".join(f"{k} = {v:.3f}"
                                                           for k, v in daily.items())
          + "  (published: r = 0.243, alpha = 4.41, a = 0.79, b = 2.43)")
    print(f"calibrated market's holdout error {market_error:.0f} vs BG/NBD's {bgnbd_error:.0f}: "
          + ("within" if market_error <= bgnbd_error else "NOT within"))
    print(f"BG/NBD's holdout forecast from its parameters' uncertainty: 95 % "
          f"{bgnbd_band[0]:.0f}-{bgnbd_band[1]:.0f} (s.d. {spread.std():.0f}); the market's "
          f"forecast is {market_gap:+.2f} s.d. from BG/NBD's")
    if process is not None:
        row = comparison.loc[comparison["model"] == PROCESS].iloc[0]
        print(f"the market's purchase process at its exact maximum likelihood (r = "
              f"{process.r:.3g}, alpha = {process.alpha:.3g}, a = {process.a:.3g}, b = "
              f"{process.b:.3g} per step) forecasts {row['holdout_forecast']:.0f} (error "
              f"{row['holdout_error']:+.0f}): its four parameters at their most likely values")
    if seconds is not None:
        print(f"calibration of the market: {seconds:.0f} s")
    print(f"wrote comparison.csv, conditional_compare.csv, tracking_compare.png, "
          f"conditional_compare.png, bench.json to {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
