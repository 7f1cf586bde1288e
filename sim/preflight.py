"""Checks every command runs before it simulates: the scenario files, the graph files, the
memory the runs will need, and the output folder.

Each check raises an error that names what to change (:class:`~sim.scenario.ScenarioError`,
:class:`~sim.scenario.resources.ResourceError`, :class:`~sim.outputs.OutputError`); none
imports the model, so a refusal comes in a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.outputs import RUN_FILES, OutputFolder, named, prefixed
from sim.scenario import Scenario, load_scenario
from sim.scenario.resources import Estimate, check_memory, estimate_run

#: The option that lets a run go ahead although the estimate exceeds the memory available.
ALLOW_LARGE = "--allow-large"


def note(message: str) -> None:
    """Print a note for the user (standard error)."""
    print(f"note: {message}", file=sys.stderr, flush=True)


def checked_scenario(path: Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario, apply ``overrides`` and check its graph file (printing
    notes such as a directed graph used as undirected)."""
    from sim.network import check_graph_file

    scenario = load_scenario(path)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    for message in check_graph_file(scenario):
        note(message)
    return scenario


def check_run_memory(scenario: Scenario, replications: int | None, workers: int,
                     allow_large: bool, keep_results: bool = True) -> Estimate:
    """The run's memory estimate, refused (ResourceError) when it exceeds what the
    machine has, unless ``allow_large``."""
    estimate = estimate_run(scenario, replications, workers, keep_results)
    if not allow_large:
        check_memory(scenario, estimate, ALLOW_LARGE)
    return estimate


def sweep_estimate(spec: Any, workers: int | None) -> Estimate | None:
    """The largest memory estimate over a sweep's points: the base scenario with each
    parameter at each of its tried values (the values the sweep file's check applies),
    on ``workers`` processes (default: one per core); None for test evaluators."""
    if spec.base is None:
        return None
    n = workers or os.cpu_count() or 1
    scenarios = [spec.base]
    for p in spec.parameters:
        trial = p.options if p.range is None else (p.from_unit(0.0), p.from_unit(1.0))
        for value in trial:
            scenarios.append(spec.base.with_overrides({p.path: value}))
    return max((estimate_run(s, 1, n, keep_results=False) for s in scenarios),
               key=lambda e: e.total)


#: What each command writes into its --out folder (for folders without a manifest).
WRITES = {
    "run": named(*RUN_FILES),
    "compare": named("compare.csv", "crossovers.csv", "compare.png"),
    "verify": named("verify.csv", "bass.png"),
}


def output_folder(command: str, path: Path, option: str = "--out") -> OutputFolder:
    """The checked ``--out`` folder of ``command`` (raises OutputError before any work)."""
    if command == "claims":
        from sim.claims.catalogue import CLAIMS

        owns = prefixed([f"{c.key}_" for c in CLAIMS], ".png", "claims.csv", "claims.md")
    else:
        owns = WRITES[command]
    folder = OutputFolder(Path(path), command, owns, option)
    folder.check()
    return folder


def claim_scenarios(scenario_dir: Path, only: Sequence[str] | None, quick: bool,
                    allow_large: bool, workers: int) -> None:
    """Load, size and check every scenario the selected claims run (ScenarioError or
    ResourceError before the first claim runs)."""
    from sim.claims import CLAIMS, FULL, QUICK, shrink

    size = QUICK if quick else FULL
    names = dict.fromkeys(n for c in CLAIMS if not only or c.key in only for n in c.scenarios)
    for name in names:
        if name.startswith("sweeps/"):  # a sweep file a claim runs (the headline's conditions)
            claim_sweep(Path(scenario_dir), name, workers, allow_large)
            continue
        scenario = shrink(checked_scenario(Path(scenario_dir) / f"{name}.toml"),
                          size.customer_share)
        check_run_memory(scenario, size.replications, workers, allow_large)


def claim_sweep(scenario_dir: Path, name: str, workers: int, allow_large: bool) -> None:
    """Load and check a sweep file a claim runs (``sweeps/NAME``: in ``scenario_dir``, else
    the shipped one, as :meth:`sim.claims.runner.ClaimRunner.sweep` finds it)."""
    from sim.claims import SCENARIO_DIR
    from sim.scenario.resources import check_memory
    from sim.sweep.spec import load_sweep

    path = scenario_dir / f"{name}.toml"
    spec = load_sweep(path if path.is_file() else SCENARIO_DIR / f"{name}.toml")
    estimate = sweep_estimate(spec, workers)
    if estimate is not None and not allow_large:
        check_memory(spec.base, estimate, ALLOW_LARGE)
