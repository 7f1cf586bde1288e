"""The commands about sweeps: run a sweep file (locally or on Dask), analyze a finished one,
find where in it a condition holds (scenario discovery)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import preflight
from sim.argtypes import positive_int
from sim.cli.common import (
    BAD_INPUT,
    FAILED,
    INTERRUPTED,
    OK,
    add_allow_large,
)
from sim.outputs import OutputError


def add_sweep(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket sweep``."""
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
    add_allow_large(p)


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


def add_analyze(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket analyze``."""
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


def add_discover(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket discover``."""
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
    return OK
