"""The commands about scenarios and claims: run, validate, compare, claims, verify."""

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
    default_scenario,
    into,
    model_class,
)
from sim.scenario import ScenarioError
from sim.scenario.resources import ResourceError


def add_run(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket run``."""
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
    add_allow_large(p)


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

    if args.workers == 1 and args.engine == "compiled":
        from sim.model import compile_ahead

        compile_ahead.start()  # an empty cache: compile elsewhere, start stepping now
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


def add_validate(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket validate``."""
    p.add_argument("files", nargs="+", type=Path,
                   help="scenario or sweep TOML files (a sweep file has a [sweep] table)")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check scenario and sweep files without running them, and estimate the memory a run
    of each scenario needs against the memory available; exit 1 if any is invalid or too
    large."""
    from sim.scenario.resources import available_memory, size_text

    failed = 0
    free = available_memory()
    for path in args.files:
        try:
            if _is_sweep_file(path):
                print(f"{path}: ok ({_sweep_summary(path)})")
                continue
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


def _is_sweep_file(path: Path) -> bool:
    """Whether ``path`` reads as TOML with a top-level [sweep] table (anything else,
    unreadable files included, is checked as a scenario, which reports the problem)."""
    import tomllib

    try:
        return isinstance(tomllib.loads(path.read_text(encoding="utf-8")).get("sweep"), dict)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False


def _sweep_summary(path: Path) -> str:
    """A valid sweep file's design, size and base scenario (ScenarioError if invalid)."""
    from sim.sweep.spec import design_size, load_sweep

    spec = load_sweep(path)
    points = design_size(spec.design, spec.parameters, spec.samples, spec.levels)
    base = f"; base {spec.base.name}" if spec.base is not None else ""
    return (f"sweep: {spec.design} design over {len(spec.parameters)} parameters, "
            f"{points} points x {spec.replications} replications = "
            f"{points * spec.replications} runs{base}")


def add_claims(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket claims``."""
    p.add_argument("--out", "-o", type=Path, default=Path("results/claims"),
                   help="output directory (default: ./results/claims)")
    p.add_argument("--quick", action="store_true",
                   help="reduced size: fewer customers and replications, the conditions "
                   "sweeps at 100 points x 1 (a few minutes)")
    p.add_argument("--only", nargs="+", metavar="CLAIM", help="evaluate only these claims")
    p.add_argument("--scenarios", type=Path, help="directory of the scenario files")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="worker processes")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_allow_large(p)


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
    return into(preflight.output_folder("claims", args.out), handler, args)


def add_compare(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket compare``."""
    p.add_argument("scenarios", nargs="+", type=Path, help="scenario TOML files")
    p.add_argument("--replications", "-r", type=positive_int, help="override run.replications")
    p.add_argument("--seed", "-s", type=int, help="one root seed for every scenario")
    p.add_argument("--steps", type=positive_int, help="override run.steps")
    p.add_argument("--by-firm", action="store_true", help="one curve per firm, not per scenario")
    p.add_argument("--out", "-o", type=Path, help="also write compare.csv and compare.png here")
    p.add_argument("--workers", "-w", type=positive_int, default=1, help="worker processes")
    add_allow_large(p)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios side by side: long-run profit (mean, 95 % CI) and the step at which
    their cumulative-profit curves cross, if they do (see sim/compare.py)."""
    for path in args.scenarios:
        s = preflight.checked_scenario(path, {"run.steps": args.steps} if args.steps else None)
        preflight.check_run_memory(s, args.replications, args.workers, args.allow_large)
    folder = preflight.output_folder("compare", args.out) if args.out is not None else None

    from sim.experiment.compare import cmd_compare as handler

    return handler(args) if folder is None else into(folder, handler, args)


def add_verify(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket verify``."""
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

    return into(folder, handler, args)
