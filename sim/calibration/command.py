"""``trustmarket calibrate``: read a log, fit the scenario's customers, forecast, write.

Everything is checked before any simulation: the log (every problem at once, naming
column and row), the scenario, the periods (whole steps) and the output directory (a
directory that already holds a calibration is only continued with ``--resume``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from sim.argtypes import at_least
from sim.calibration.fit import FitSettings
from sim.calibration.log import LogError, LogFormat, read_log
from sim.calibration.parallel import WorkerLostError
from sim.calibration.parameters import SPEND_PARAMETERS, purchase_parameters
from sim.calibration.pipeline import Plan, prepare, run_calibration
from sim.calibration.statistics import FAMILIES, FITTED_DEFAULT
from sim.calibration.store import CalibrationStore, StoreError
from sim.calibration.timeline import PeriodError, make_timeline
from sim.calibration.writing import write_outputs

SIMULATORS = ("market", "process")


def date(text: str) -> pd.Timestamp:
    """argparse type: a calendar date (ISO 8601 recommended)."""
    try:
        return pd.Timestamp(text).normalize()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} ({exc})") from exc


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket calibrate``."""
    p.add_argument("log", type=Path, help="transaction log: CSV (any delimiter) or Parquet")
    p.add_argument("--scenario", type=Path, required=True,
                   help="base scenario TOML: everything but the fitted customer parameters")
    p.add_argument("--calibration-end", type=date, required=True,
                   help="last day of the calibration period (inclusive)")
    p.add_argument("--holdout-end", type=date, help="last day of the holdout period")
    p.add_argument("--calibration-start", type=date,
                   help="first day of step 1 (default: the log's first date)")
    p.add_argument("--out", "-o", type=Path, default=Path("results/calibration"),
                   help="output directory (default: ./results/calibration)")
    p.add_argument("--firm", help="the firm whose log it is (default: the scenario's first)")
    g = p.add_argument_group("log format")
    g.add_argument("--customer-column", default="customer", help="(default: customer)")
    g.add_argument("--date-column", default="date", help="(default: date)")
    g.add_argument("--amount-column", default="amount", help="(default: amount)")
    g.add_argument("--date-format", help="strftime format of the dates, e.g. %%Y%%m%%d "
                   "(default: inferred)")
    g.add_argument("--dayfirst", action="store_true", help="inferred dates are day/month/year")
    g.add_argument("--delimiter", default=None,
                   help="CSV field separator: one character, tab, or whitespace (default: "
                        "a tab for .tsv and .tab files, else ,)")
    g.add_argument("--names", help="comma-separated column names of a CSV without a header")
    f = p.add_argument_group("fit")
    f.add_argument("--simulator", choices=SIMULATORS, default="market",
                   help="market: the scenario's whole market (default); process: the "
                        "purchase process alone (a discrete-time BG/NBD, for comparison)")
    f.add_argument("--design-points", type=at_least(0), default=0,
                   help="simulations per design round, rounded up to a power of two "
                        "(default 0: 8 per surface coefficient)")
    f.add_argument("--max-rounds", type=at_least(1), default=6, help="design rounds at most")
    f.add_argument("--scale", type=at_least(1), default=1,
                   help="simulated cohort size as a multiple of the log's (default 1)")
    f.add_argument("--replications", type=at_least(2), default=20,
                   help="forecast simulations at the estimate (at least 2; default 20)")
    f.add_argument("--draws", type=at_least(0), default=40,
                   help="forecast simulations at posterior draws (predictive band; default 40)")
    f.add_argument("--fit-statistics", default=",".join(FITTED_DEFAULT),
                   help="families the fit matches, comma-separated, from: "
                        f"{', '.join(FAMILIES)} (default: {', '.join(FITTED_DEFAULT)}; "
                        "the others are reported as checks)")
    f.add_argument("--weighting", choices=("log", "model"), default="log",
                   help="covariance weighting the final fit: log: the log's bootstrap "
                        "(default); model: the model's at the rounds' estimate (less "
                        "bias where purchases are rare)")
    f.add_argument("--no-spend", action="store_true", help="keep the scenario's spend")
    f.add_argument("--seed", type=int, default=FitSettings.seed, help="root seed")
    f.add_argument("--workers", "-w", type=at_least(1), default=1, help="worker processes")
    f.add_argument("--resume", action="store_true",
                   help="continue an interrupted calibration in --out")
    f.add_argument("--quiet", "-q", action="store_true", help="no progress")
    f.add_argument("--allow-large", action="store_true",
                   help="run even if the memory estimate exceeds the memory available")


def fitted_families(text: str) -> tuple[str, ...]:
    """The statistic families named in ``--fit-statistics``.

    Raises
    ------
    ValueError
        Naming an unknown family and listing the known ones.
    """
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise ValueError(f"--fit-statistics: unknown famil{'y' if len(unknown) == 1 else 'ies'} "
                         f"{', '.join(map(repr, unknown)) or '(none given)'}; choose from "
                         f"{', '.join(FAMILIES)}")
    return names


def check_design(settings: FitSettings, parameters: int) -> None:
    """Refuse a design too small for the response surface before anything is simulated.

    Raises
    ------
    ValueError
        :meth:`FitSettings.check`'s reason, naming the option.
    """
    try:
        settings.check(parameters)
    except ValueError as exc:
        raise ValueError(f"--{str(exc).replace('_', '-', 1)}") from None


def log_format(args: argparse.Namespace) -> LogFormat:
    """The log layout the arguments describe."""
    names = tuple(n.strip() for n in args.names.split(",")) if args.names else None
    return LogFormat(args.customer_column, args.date_column, args.amount_column,
                     args.date_format, args.dayfirst, args.delimiter, names)


def make_simulator(kind: str, scenario, firm: str | None):
    """The simulator the fit drives: the market of ``scenario`` or the process alone."""
    if kind == "process":
        from sim.calibration.simulators import ProcessSimulator

        return ProcessSimulator()
    from sim.calibration.market import MarketSimulator

    return MarketSimulator(scenario, firm)


def check_market_memory(simulator, cohort, timeline, settings: FitSettings) -> None:
    """Refuse a calibration whose largest simulated markets, one per worker, need more
    memory than the machine has: the cohort at ``--scale`` (with ``--weighting model``, at
    least the model covariance's :data:`~sim.calibration.fit.MODEL_VOLUME` log sizes)
    through the holdout (:attr:`FitSettings.largest_multiple`).

    Raises
    ------
    ValueError
        Naming the estimate, the limit and what to lower.
    """
    from sim.calibration.market import largest_market
    from sim.scenario.resources import (
        COHORT_BYTES_PER_CUSTOMER,
        Estimate,
        ResourceError,
        check_memory,
        estimate_run,
        size_text,
    )

    market = largest_market(simulator.scenario, simulator.firm, cohort,
                            timeline.calibration_steps, timeline.total_steps,
                            settings.largest_multiple)
    markets = estimate_run(market, replications=settings.workers, workers=settings.workers,
                           keep_results=False)
    estimate = Estimate({**markets.parts, "cohort statistics": COHORT_BYTES_PER_CUSTOMER
                         * market.capacity * settings.workers})
    try:
        check_memory(market, estimate, "--allow-large")
    except ResourceError as exc:
        raise ValueError(
            f"the calibration's largest simulated markets ({settings.workers} at once, "
            f"{market.capacity:,} customers each over {timeline.total_steps} steps) need "
            f"about {estimate.describe()}, more than the {size_text(exc.limit)} this machine "
            "can give them; lower --scale or --workers, or pass --allow-large to run it "
            "anyway") from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the customer parameters of a scenario to a firm's transaction log by
    simulation (synthetic likelihood on a response surface), forecast the holdout, and
    write the calibrated scenario, tables and figures (see docs/calibration.md)."""
    from sim.scenario import load_scenario

    started = time.perf_counter()
    scenario = load_scenario(args.scenario)
    try:
        parameters = purchase_parameters(scenario.customers)
        settings = FitSettings(design_points=args.design_points, max_rounds=args.max_rounds,
                               scale=args.scale, seed=args.seed, workers=args.workers,
                               model_weighting=args.weighting == "model")
        check_design(settings, len(parameters))
        fitted = fitted_families(args.fit_statistics)
        log = read_log(args.log, log_format(args))
        start = args.calibration_start or log.table["date"].min()
        timeline = make_timeline(start, args.calibration_end, args.holdout_end,
                                 scenario.market.steps_per_year)
        cohort = prepare(log, timeline)
        plan = Plan(timeline, settings, replications=args.replications,
                    draws=args.draws, fit_spend=not args.no_spend,
                    fitted=fitted,
                    parameters=parameters)
        simulator = make_simulator(args.simulator, scenario, args.firm)
        if args.simulator == "market" and not args.allow_large:
            check_market_memory(simulator, cohort, timeline, settings)
        store = CalibrationStore(args.out / "work", _fingerprint(args, log, scenario, plan),
                                 resume=args.resume)
    except (LogError, PeriodError, StoreError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    say = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))
    say(f"{log.source}: {log.n_customers} customers, {len(log.table)} transactions; cohort "
        f"of {cohort.n_customers} first buying in {timeline.start:%Y-%m-%d}.."
        f"{timeline.calibration_end:%Y-%m-%d} ({timeline.calibration_steps} steps"
        + (f", holdout {timeline.holdout_steps} steps" if timeline.holdout_steps else "") + ")")
    last = log.table["date"].max()
    end = timeline.holdout_end or timeline.calibration_end
    if last < end - pd.Timedelta(days=timeline.step_days):  # a warning, quiet or not
        print(f"warning: the log's last transaction is on {last:%Y-%m-%d}, more than a step "
              f"before the end of the periods ({end:%Y-%m-%d}): if the log stops there, the "
              "repeats after it are missing from the comparison", file=sys.stderr)
    try:
        with _Progress(args.quiet) as progress:
            outcome = run_calibration(simulator, cohort, plan, store, progress, say)
    except WorkerLostError as exc:
        print(f"error: {exc}; the simulations finished so far are kept in {args.out / 'work'}"
              ": continue with --resume, with fewer --workers or a smaller --scale",
              file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    written = write_outputs(outcome, args.out, scenario, plan.parameters + SPEND_PARAMETERS,
                            simulator_kind=args.simulator, log_source=log.source,
                            command=["trustmarket", *sys.argv[1:]], seconds=seconds)
    from sim.calibration.report import estimates_table, format_report

    print(format_report(outcome, estimates_table(outcome, plan.parameters
                                                 + SPEND_PARAMETERS)))
    print(f"\n{seconds:.0f} s; wrote {len(written)} files to {args.out}/: "
          + ", ".join(p.name for p in written))
    return 0


def _fingerprint(args: argparse.Namespace, log, scenario, plan: Plan) -> dict:
    """What a stored calibration is of: resuming needs all of it unchanged."""
    data = {"log_rows": len(log.table), "log_total": round(float(log.table["amount"].sum()), 6),
            "log_customers": log.n_customers, "scenario": scenario.digest(),
            "start": f"{plan.timeline.start:%Y-%m-%d}",
            "calibration_steps": plan.timeline.calibration_steps,
            "simulator": args.simulator, "firm": args.firm, "seed": plan.settings.seed,
            "design_points": plan.settings.design_points, "scale": plan.settings.scale,
            "max_rounds": plan.settings.max_rounds, "fitted": list(plan.fitted),
            "parameters": [p.key for p in plan.parameters]}
    return json.loads(json.dumps(data))


class _Progress:
    """A tqdm bar per design round (none with --quiet)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None
        self.label = None

    def __enter__(self):
        return None if self.quiet else self

    def __call__(self, done: int, total: int, label: str) -> None:
        from tqdm import tqdm

        if self.label != label:
            if self.bar is not None:
                self.bar.close()
            self.bar = tqdm(total=total, desc=f"calibration {label}", unit="sim",
                            file=sys.stderr)
            self.label = label
        self.bar.n = done
        self.bar.refresh()

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
