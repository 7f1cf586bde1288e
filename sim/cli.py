"""The ``trustmarket`` command line.

Each sub-command lives in a function ``cmd_<name>(args) -> int`` registered in
:data:`COMMANDS` with the function that adds its arguments; modules of later
capabilities (verification, claims, sweeps, the app) register theirs the same way.

Every command checks its inputs, its output folder and the memory a run needs before it
simulates anything (:mod:`sim.preflight`). Exit codes: 0 done, 1 a check failed (``verify``,
``validate``) or the work stopped on a failure such as a full disk, 2 bad input (an
error that names what to change), 130 interrupted (Ctrl-C). No error of the input or the
disk ends in a traceback.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sim import preflight
from sim.interrupts import catch_interrupts, received
from sim.outputs import OutputError
from sim.scenario import HEADLINE, ScenarioError
from sim.scenario.resources import ResourceError

#: Exit codes.
OK, FAILED, BAD_INPUT, INTERRUPTED = 0, 1, 2, 130


def default_scenario() -> Path:
    """The headline scenario shipped in ``scenarios/``."""
    return HEADLINE


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", type=Path, default=None,
                   help="scenario TOML file (default: scenarios/bribery_vs_trust.toml)")
    p.add_argument("--replications", "-r", type=positive_int, help="override run.replications")
    p.add_argument("--seed", "-s", type=int, help="override run.seed (the root seed)")
    p.add_argument("--steps", type=positive_int, help="override run.steps")
    p.add_argument("--out", "-o", type=Path, default=Path("results"),
                   help="output directory (default: ./results)")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="worker processes")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--engine", choices=("compiled", "reference"), default="compiled",
                   help="compiled: the market model's compiled step (default); reference: the "
                        "per-agent Mesa model, one Python object per customer (~100x slower; "
                        "for reading and checking small markets)")
    _add_allow_large(p)


def model_class(engine: str) -> type:
    """The model class ``--engine`` names."""
    if engine == "reference":
        from sim.verify.reference import ReferenceModel

        return ReferenceModel
    from sim.model import MarketModel

    return MarketModel


def _add_allow_large(p: argparse.ArgumentParser) -> None:
    p.add_argument(preflight.ALLOW_LARGE, action="store_true",
                   help="run even if the memory estimate exceeds the memory available")


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario's replications, print the comparison, write tables and figures.
    Ctrl-C keeps the replications that have finished: they are printed and written."""
    path = args.scenario or default_scenario()
    overrides = {k: v for k, v in (("run.replications", args.replications),
                                   ("run.seed", args.seed), ("run.steps", args.steps))
                 if v is not None}
    scenario = preflight.checked_scenario(path, overrides)
    preflight.check_run_memory(scenario, None, args.workers, args.allow_large)
    folder = preflight.output_folder("run", args.out)

    from sim.experiment import RunInterrupted, run

    try:
        results = run(scenario, workers=args.workers, progress=not args.quiet,
                      model=model_class(args.engine))
    except RunInterrupted as stop:
        done = len(stop.results.replications)
        if not done:
            print(f"interrupted before the first of {stop.requested} replications finished; "
                  "nothing written", file=sys.stderr)
            return INTERRUPTED
        print(f"\ninterrupted: keeping the {done} of {stop.requested} replications that "
              "finished", file=sys.stderr)
        _report_run(stop.results, folder, args, requested=stop.requested)
        return INTERRUPTED
    _report_run(results, folder, args)
    return OK


def _report_run(results, folder, args: argparse.Namespace,
                requested: int | None = None) -> None:
    """Print the comparison of ``results`` and write its files into ``folder``."""
    from sim.report import format_summary, write_results

    scenario, n = results.scenario, len(results.replications)
    print(f"\n{scenario.name}: {n} replications"
          + (f" (of {requested})" if requested is not None else "")
          + f" x {scenario.run.steps} steps "
          f"({scenario.run.steps / scenario.market.steps_per_year:g} years), "
          f"{scenario.capacity} customers, root seed {scenario.run.seed}\n")
    print(format_summary(results.summary(), results.crossovers()))
    written = write_results(results, folder.path, command=args.command_line,
                            requested=requested)
    removed = folder.finish(written, args.command_line, {"replications": n,
                                                "replications_requested": requested or n})
    print(f"\nwrote {len(written)} files to {folder.path}/: "
          + ", ".join(p.name for p in written))
    if removed:
        print(f"removed {len(removed)} file(s) of an earlier run there: {', '.join(removed)}")


def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, help="scenario TOML files")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files without running them, and estimate the memory a run of each
    needs against the memory available; exit 1 if any is invalid or too large."""
    from sim.scenario.resources import available_memory, size_text

    failed = 0
    free = available_memory()
    for path in args.files:
        try:
            s = preflight.checked_scenario(path)
            estimate = preflight.check_run_memory(s, None, 1, False)
        except (ScenarioError, ResourceError) as exc:
            failed += 1
            print(exc, file=sys.stderr)
        else:
            room = f", {size_text(free)} available" if free is not None else ""
            print(f"{path}: ok ({s.name}: {s.n_firms} firms, {s.capacity} customers, "
                  f"{s.run.steps} steps; a run needs about {estimate.describe()}{room})")
    return FAILED if failed else OK


def _add_claims(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", "-o", type=Path, default=Path("results/claims"),
                   help="output directory (default: ./results/claims)")
    p.add_argument("--quick", action="store_true",
                   help="reduced size: fewer customers and replications, the conditions "
                   "sweeps at 100 points x 1 (a few minutes)")
    p.add_argument("--only", nargs="+", metavar="CLAIM", help="evaluate only these claims")
    p.add_argument("--scenarios", type=Path, help="directory of the scenario files")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="worker processes")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    _add_allow_large(p)


def cmd_claims(args: argparse.Namespace) -> int:
    """Run each seed claim's scenarios with replications; print the claims table and write
    it as claims.csv and claims.md with figures (see sim/claims/)."""
    from sim.claims import CLAIMS, SCENARIO_DIR
    from sim.claims import cmd_claims as handler

    unknown = sorted(set(args.only or ()) - {c.key for c in CLAIMS})
    if unknown:
        print(f"error: unknown claim(s) {unknown}; known: {', '.join(c.key for c in CLAIMS)}",
              file=sys.stderr)
        return BAD_INPUT
    if args.scenarios is not None and not args.scenarios.is_dir():
        print(f"error: --scenarios {args.scenarios} is not a folder of scenario files",
              file=sys.stderr)
        return BAD_INPUT
    preflight.claim_scenarios(args.scenarios or SCENARIO_DIR, args.only, args.quick,
                              args.allow_large, args.workers)
    return _into(preflight.output_folder("claims", args.out), handler, args)


def _into(folder, handler: Callable[[argparse.Namespace], int],
          args: argparse.Namespace) -> int:
    """Run a command that writes into ``folder`` itself; then list what it wrote in the
    folder's manifest and remove what an earlier run left there."""
    code = handler(args)
    if folder.path.is_dir():
        removed = folder.finish(argv=args.command_line, extra={"exit_code": code})
        if removed:
            print(f"removed {len(removed)} file(s) of an earlier run from {folder.path}: "
                  + ", ".join(removed), file=sys.stderr)
    return code


def _add_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", type=Path, help="scenario TOML files")
    p.add_argument("--replications", "-r", type=positive_int, help="override run.replications")
    p.add_argument("--seed", "-s", type=int, help="one root seed for every scenario")
    p.add_argument("--steps", type=positive_int, help="override run.steps")
    p.add_argument("--by-firm", action="store_true", help="one curve per firm, not per scenario")
    p.add_argument("--out", "-o", type=Path, help="also write compare.csv and compare.png here")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="worker processes")
    _add_allow_large(p)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios side by side: long-run profit (mean, 95 % CI) and the step at which
    their cumulative-profit curves cross, if they do (see sim/compare.py)."""
    for path in args.scenarios:
        s = preflight.checked_scenario(path, {"run.steps": args.steps} if args.steps else None)
        preflight.check_run_memory(s, args.replications, args.workers, args.allow_large)
    folder = preflight.output_folder("compare", args.out) if args.out is not None else None

    from sim.experiment.compare import cmd_compare as handler

    return handler(args) if folder is None else _into(folder, handler, args)


def _add_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", "-o", type=Path, default=Path("verification"),
                   help="output directory for verify.csv and bass.png (default: ./verification)")
    p.add_argument("--quick", action="store_true",
                   help="one Bass (p, q) pair instead of three (the other checks unchanged)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def cmd_verify(args: argparse.Namespace) -> int:
    """Run the docking suite — Bass diffusion, leaky-bucket steady state, lifetime value,
    word-of-mouth reach, corner cases, and the fast engine against the per-agent reference
    model — print the table, write verify.csv and bass.png; exit 1 if any check fails."""
    folder = preflight.output_folder("verify", args.out)

    from sim.verify import cmd_verify as handler

    return _into(folder, handler, args)


def _add_sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", type=Path, help="sweep file (TOML with a [sweep] table)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="results directory (default: sweeps/<sweep file name>)")
    p.add_argument("--workers", "-w", type=positive_int, default=None,
                   help="1: run in this process; N: a local Dask cluster of N worker "
                        "processes (default: one per core)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786) to run on")
    p.add_argument("--resume", action="store_true",
                   help="finish an interrupted sweep in --out: run only the missing runs")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_allow_large(p)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file's points x replications (locally or on Dask), writing each finished
    run to Parquet; --resume finishes an interrupted sweep or repairs damaged part files
    (see docs/sweeps.md)."""
    from sim.sweep.spec import load_sweep

    spec = load_sweep(args.sweep)
    out = args.out or Path("sweeps") / args.sweep.stem
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is an existing file, not a folder; choose a folder "
                          "(it is created if missing)")
    estimate = preflight.sweep_estimate(spec, None if args.scheduler else args.workers)
    if estimate is not None and not args.allow_large:
        from sim.scenario.resources import check_memory

        check_memory(spec.base, estimate, preflight.ALLOW_LARGE)

    from sim.sweep.execute import SweepStoppedError, run_sweep
    from sim.sweep.store import SweepError

    try:
        counts = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler,
                           resume=args.resume, progress=not args.quiet,
                           command=args.command_line)
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except SweepStoppedError as stop:
        print(f"\n{stop}", file=sys.stderr)
        return INTERRUPTED if stop.interrupted else FAILED
    print(f"{counts['done_before'] + counts['ran']}/{counts['total']} runs in {out} "
          f"({counts['ran']} run now, {counts['done_before']} already there); "
          f"next: trustmarket analyze {out}")
    return OK


def _add_analyze(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", type=Path, help="a sweep's results directory")


def cmd_analyze(args: argparse.Namespace) -> int:
    """Per-point means with 95 % CIs, Sobol or Morris indices when the design allows, and
    figures, written to DIR/analysis (see docs/sweeps.md)."""
    from sim.sweep.analyze import analyze, format_report
    from sim.sweep.store import SweepError

    try:
        result = analyze(args.directory)
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    print(format_report(result))
    print(f"wrote per_point.csv{', sensitivity.csv' if result['sensitivity'] is not None else ''}"
          f" and {len(result['figures'])} figure(s) to {args.directory / 'analysis'}")
    return 0


def _add_discover(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", type=Path, help="a sweep's results directory")
    p.add_argument("--where", required=True, metavar="CONDITION",
                   help="a condition on outcome columns, e.g. "
                        "\"cumulative_profit_difference < 0\" (and, or, not, + - * /, "
                        "abs, min, max; `backticks` around names with spaces)")
    p.add_argument("--per", choices=("point", "run"), default="point",
                   help="one case per point, outcomes averaged over its replications "
                        "(default), or one per run")
    p.add_argument("--density", type=float, default=0.8,
                   help="least density of a reported PRIM box (default 0.8)")
    p.add_argument("--significance", type=float, default=0.05,
                   help="restrictions with quasi-p above this are relaxed (default 0.05)")
    p.add_argument("--peel-alpha", type=float, default=0.05,
                   help="share of the cases PRIM peels at each step (default 0.05)")
    p.add_argument("--max-boxes", type=positive_int, default=3, help="boxes to find (default 3)")
    p.add_argument("--tree-depth", type=positive_int, default=3, help="CART depth (default 3)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="where to write tables and figures (default: DIR/discovery)")


def cmd_discover(args: argparse.Namespace) -> int:
    """Scenario discovery on a finished sweep: PRIM boxes where a condition on an outcome
    holds (peeling trajectory, limits with quasi-p-values), a CART tree and feature scores;
    written to DIR/discovery (see docs/discovery.md)."""
    from sim.sweep.boxes import Settings
    from sim.sweep.discovery import discover, format_discovery, write_discovery
    from sim.sweep.expression import ExpressionError
    from sim.sweep.store import SweepError

    for name, value in (("--density", args.density), ("--significance", args.significance),
                        ("--peel-alpha", args.peel_alpha)):
        if not 0 < value < 1:
            print(f"error: {name} must lie between 0 and 1, got {value}", file=sys.stderr)
            return BAD_INPUT
    settings = Settings(min_density=args.density, significance=args.significance,
                        peel_alpha=args.peel_alpha, max_boxes=args.max_boxes)
    try:
        found = discover(args.directory, args.where, args.per, settings, args.tree_depth)
    except (ExpressionError, SweepError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    print(format_discovery(found))
    out = args.out or args.directory / "discovery"
    written = write_discovery(found, out)
    print(f"\nwrote {len(written)} files to {out}/: " + ", ".join(p.name for p in written))
    return 0


def _add_app(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", type=Path, default=None,
                   help="scenario file (default: scenarios/leaky_bucket.toml, else the headline)")
    p.add_argument("--host", default="localhost", help="interface to listen on (default localhost)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 for any free)")
    p.add_argument("--offline-assets", action="store_true",
                   help="first fill solara's front-end asset cache from the npm registry "
                        "(for machines that cannot reach its CDN; needs npm)")


def cmd_app(args: argparse.Namespace) -> int:
    """Start the classroom app (a Solara page) in the browser: the leaky bucket, the trust
    ladder, profit and the customer network, with live levers (see docs/classroom.md)."""
    import os
    import subprocess

    from sim.scenario import load_scenario

    if args.scenario is not None:  # a bad file is reported here, not as a blank page
        load_scenario(args.scenario)
    from sim.app.page import SCENARIO_ENV, default_scenario

    scenario = (args.scenario or default_scenario()).resolve()
    load_scenario(scenario)
    if args.offline_assets:
        from sim.app.assets import fill_cache

        fill_cache()
    print(f"trustmarket app: http://{args.host}:{args.port}/  (scenario {scenario}; "
          "Ctrl-C stops it)", flush=True)
    env = {**os.environ, SCENARIO_ENV: str(scenario), "SOLARA_THEME_SHOW_BANNER": "False"}
    command = [sys.executable, "-m", "solara", "run", "sim.app.page", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open"]
    return subprocess.call(command, env=env)


#: name -> (help, add_arguments, handler)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {
    "run": ("run a scenario and compare the firms' long-run profit", _add_run, cmd_run),
    "validate": ("check scenario files without running them", _add_validate, cmd_validate),
    "claims": ("run the seeds' claims as experiments and report verdicts", _add_claims,
               cmd_claims),
    "compare": ("put scenarios' long-run profit side by side", _add_compare, cmd_compare),
    "sweep": ("run a sweep of scenario parameters x replications (local or Dask)", _add_sweep,
              cmd_sweep),
    "analyze": ("tables, sensitivity indices and figures of a finished sweep", _add_analyze,
                cmd_analyze),
    "discover": ("scenario discovery: where in a sweep a condition on an outcome holds",
                 _add_discover, cmd_discover),
    "app": ("start the classroom app in the browser (a Solara page)", _add_app, cmd_app),
    "verify": ("check the model against known results and the reference model", _add_verify,
               cmd_verify),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog="trustmarket",
        description="Agent-based market simulator: customer satisfaction, trust, and "
                    "discount bribery vs trust building.")
    parser.add_argument("--version", action="version", version=f"trustmarket {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=handler.__doc__)
        add_arguments(p)
        p.set_defaults(handler=handler)
    return parser


def say_what_the_engine_does() -> None:
    """Show the engine's notices (compiling on the first run) on standard error, one line
    each, without the rest of the logging of the libraries below."""
    log = logging.getLogger("trustmarket")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("trustmarket: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``trustmarket`` console script."""
    args = build_parser().parse_args(argv)
    say_what_the_engine_does()
    #: the command as typed (recorded in provenance files and resume hints)
    args.command_line = ["trustmarket", *(sys.argv[1:] if argv is None else argv)]
    with catch_interrupts():
        try:
            return args.handler(args)
        except (ScenarioError, ResourceError, OutputError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return BAD_INPUT
        except OSError as exc:
            if received():
                print("interrupted", file=sys.stderr)
                return INTERRUPTED
            where = f" ({exc.filename})" if exc.filename else ""
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            print(f"error: {'disk full' if full else exc.strerror or exc}{where}: "
                  + ("free some space and run the command again" if full else
                     "check the path and its permissions, then run the command again"),
                  file=sys.stderr)
            return FAILED
        except BaseException as exc:
            # Ctrl-C can surface as another exception (numba, Dask, pickling) chained to
            # it: the signal was counted, so it is reported as what it was.
            if isinstance(exc, KeyboardInterrupt) or (received() and not isinstance(
                    exc, SystemExit)):
                print("interrupted", file=sys.stderr)
                return INTERRUPTED
            raise


if __name__ == "__main__":
    raise SystemExit(main())
