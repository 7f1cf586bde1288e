"""The commands about sweeps: run a sweep file (locally or on Dask), analyze a finished one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import preflight
from sim.cli.common import (
    BAD_INPUT,
    FAILED,
    INTERRUPTED,
    OK,
    add_allow_large,
    positive_int,
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
