"""The ``trustmarket`` command line.

Each sub-command lives in a function ``cmd_<name>(args) -> int`` registered in
:data:`COMMANDS` with the function that adds its arguments; modules of later
capabilities (verification, claims, sweeps, the app) register theirs the same way.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.scenario import HEADLINE, ScenarioError


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


def model_class(engine: str) -> type:
    """The model class ``--engine`` names."""
    if engine == "reference":
        from sim.verify.reference import ReferenceModel

        return ReferenceModel
    from sim.model import MarketModel

    return MarketModel


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario's replications, print the comparison, write tables and figures."""
    from sim.experiment import run
    from sim.report import format_summary, write_results
    from sim.scenario import load_scenario

    path = args.scenario or default_scenario()
    scenario = load_scenario(path)
    overrides = {k: v for k, v in (("run.replications", args.replications),
                                   ("run.seed", args.seed), ("run.steps", args.steps))
                 if v is not None}
    if overrides:
        scenario = scenario.with_overrides(overrides)
    results = run(scenario, workers=args.workers, progress=not args.quiet,
                  model=model_class(args.engine))
    print(f"\n{scenario.name}: {scenario.run.replications} replications x "
          f"{scenario.run.steps} steps ({scenario.run.steps / scenario.market.steps_per_year:g}"
          f" years), {scenario.capacity} customers, root seed {scenario.run.seed}\n")
    print(format_summary(results.summary(), results.crossovers()))
    written = write_results(results, args.out, command=sys.argv)
    print(f"\nwrote {len(written)} files to {args.out}/: "
          + ", ".join(p.name for p in written))
    return 0


def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, help="scenario TOML files")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario files without running them; exit 1 if any is invalid."""
    from sim.network import check_graph_file
    from sim.scenario import load_scenario

    failed = 0
    for path in args.files:
        try:
            s = load_scenario(path)
            check_graph_file(s)
        except ScenarioError as exc:
            failed += 1
            print(exc, file=sys.stderr)
        else:
            print(f"{path}: ok ({s.name}: {s.n_firms} firms, {s.capacity} customers, "
                  f"{s.run.steps} steps)")
    return 1 if failed else 0


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


def cmd_claims(args: argparse.Namespace) -> int:
    """Run each seed claim's scenarios with replications; print the claims table and write
    it as claims.csv and claims.md with figures (see sim/claims/)."""
    from sim.claims import cmd_claims as handler

    return handler(args)


def _add_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", type=Path, help="scenario TOML files")
    p.add_argument("--replications", "-r", type=positive_int, help="override run.replications")
    p.add_argument("--seed", "-s", type=int, help="one root seed for every scenario")
    p.add_argument("--steps", type=positive_int, help="override run.steps")
    p.add_argument("--by-firm", action="store_true", help="one curve per firm, not per scenario")
    p.add_argument("--out", "-o", type=Path, help="also write compare.csv and compare.png here")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="worker processes")


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios side by side: long-run profit (mean, 95 % CI) and the step at which
    their cumulative-profit curves cross, if they do (see sim/compare.py)."""
    from sim.experiment.compare import cmd_compare as handler

    return handler(args)


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
    from sim.verify import cmd_verify as handler

    return handler(args)


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


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep file's points x replications (locally or on Dask), writing each finished
    run to Parquet; --resume finishes an interrupted sweep (see docs/sweeps.md)."""
    from sim.sweep.execute import run_sweep
    from sim.sweep.spec import load_sweep
    from sim.sweep.store import SweepError

    spec = load_sweep(args.sweep)
    out = args.out or Path("sweeps") / args.sweep.stem
    try:
        counts = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler,
                           resume=args.resume, progress=not args.quiet,
                           command=["trustmarket", *sys.argv[1:]])
    except SweepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{counts['done_before'] + counts['ran']}/{counts['total']} runs in {out} "
          f"({counts['ran']} run now, {counts['done_before']} already there); "
          f"next: trustmarket analyze {out}")
    return 0


def _add_analyze(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", type=Path, help="a sweep's results directory")


def cmd_analyze(args: argparse.Namespace) -> int:
    """Per-point means with 95 % CIs, Sobol or Morris indices when the design allows, and
    figures, written to DIR/analysis (see docs/sweeps.md)."""
    from sim.sweep.analyze import analyze, format_report
    from sim.sweep.store import SweepError

    try:
        result = analyze(args.directory)
    except (SweepError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
            return 2
    settings = Settings(min_density=args.density, significance=args.significance,
                        peel_alpha=args.peel_alpha, max_boxes=args.max_boxes)
    try:
        found = discover(args.directory, args.where, args.per, settings, args.tree_depth)
    except (ExpressionError, SweepError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
    """Start the classroom app (Mesa SolaraViz) in the browser: the leaky bucket, the trust
    ladder, profit and the customer network, with live levers (see docs/classroom.md)."""
    import os
    import subprocess

    from sim.app.page import SCENARIO_ENV, default_scenario
    from sim.scenario import load_scenario

    scenario = (args.scenario or default_scenario()).resolve()
    load_scenario(scenario)  # a bad file is reported here, not as a blank page
    if args.offline_assets:
        from sim.app.assets import fill_cache

        fill_cache()
    print(f"trustmarket app: http://{args.host}:{args.port}/  (scenario {scenario}; "
          "Ctrl-C stops it)", flush=True)
    env = {**os.environ, SCENARIO_ENV: str(scenario)}
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
    "app": ("start the classroom app in the browser (Mesa SolaraViz)", _add_app, cmd_app),
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
    try:
        return args.handler(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
