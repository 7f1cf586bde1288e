"""Running a sweep's points x replications: in this process, or on Dask distributed.

Every run is a pure function of its task — the scenario with the point's overrides, the
replication index and the seed ``SeedSequence(root_seed, spawn_key=(point,
replication))`` — so results are identical whatever the number of workers or the order
in which runs finish. Finished runs are written as they arrive (:mod:`sim.sweep.store`);
at most a bounded window of runs is in flight, so the driver's memory does not grow
with the size of the sweep.

Backends: ``workers=1`` runs in this process; otherwise a Dask ``LocalCluster`` with
``workers`` processes (default: one per core), or the cluster at ``scheduler``
(``tcp://host:8786``; e.g. started by dask-jobqueue on SLURM).
"""

from __future__ import annotations

import importlib
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario import Scenario
from sim.sweep import store
from sim.sweep.design import points
from sim.sweep.spec import MARKET, SweepSpec

#: Runs buffered before a part file is written (also flushed every FLUSH_SECONDS).
FLUSH_ROWS = 64
FLUSH_SECONDS = 2.0


@dataclass(frozen=True)
class Task:
    """Everything one run needs (sent to a worker)."""

    point: int
    replication: int
    root_seed: int
    params: dict[str, Any]
    base: Scenario | None
    evaluator: str
    difference: tuple[str, str] | None


def run_seed(root_seed: int, point: int, replication: int) -> np.random.SeedSequence:
    """The seed of one run: independent of how many workers run the sweep, or in what order."""
    return np.random.SeedSequence(root_seed, spawn_key=(point, replication))


def evaluate(task: Task) -> dict[str, Any]:
    """Run one task; return its result row (keys, seed, parameters, outcomes)."""
    seed = run_seed(task.root_seed, task.point, task.replication)
    row: dict[str, Any] = {"point": task.point, "replication": task.replication,
                           "seed_entropy": str(seed.entropy),
                           "spawn_key": f"{task.point} {task.replication}"}
    row.update(task.params)
    if task.evaluator == MARKET:
        row.update(market_outcomes(task.base.with_overrides(task.params), task.replication,
                                   seed, task.difference))
    else:
        module, name = task.evaluator.split(":")
        function = getattr(importlib.import_module(module), name)
        row.update(function(task.params, np.random.default_rng(seed)))
    return row


def market_outcomes(scenario: Scenario, replication: int, seed: np.random.SeedSequence,
                    difference: tuple[str, str] | None) -> dict[str, float]:
    """Summaries of one market run, per firm as ``metric[firm]``: cumulative profit, NPV,
    final active customers, churn rate (churned per active customer and step), final share
    of active customers with emotional or behavioural trust, mean satisfaction; and, with
    ``difference = (A, B)``, ``cumulative_profit_difference`` and ``npv_difference`` (A - B).
    """
    from sim.experiment import run_replication

    firms = run_replication(scenario, replication, seed=seed).firms
    out: dict[str, float] = {}
    last_step = firms["step"].max()
    for firm, df in firms.groupby("firm", sort=False):
        last = df[df["step"] == last_step].iloc[0]
        active = df["active_customers"].sum()
        purchases = df["purchases"].sum()
        out[f"cumulative_profit[{firm}]"] = float(last["cumulative_profit"])
        out[f"npv[{firm}]"] = float(last["npv"])
        out[f"active_customers[{firm}]"] = float(last["active_customers"])
        out[f"churn_rate[{firm}]"] = float(df["churned"].sum() / active) if active else math.nan
        out[f"trusting_share[{firm}]"] = (
            float((last["stage_emotional"] + last["stage_behavioural"])
                  / last["active_customers"]) if last["active_customers"] else math.nan)
        out[f"mean_satisfaction[{firm}]"] = (
            float((df["mean_satisfaction"].fillna(0) * df["purchases"]).sum() / purchases)
            if purchases else math.nan)
    if difference is not None:
        a, b = difference
        for metric in ("cumulative_profit", "npv"):
            out[f"{metric}_difference"] = out[f"{metric}[{a}]"] - out[f"{metric}[{b}]"]
    return out


def tasks(spec: SweepSpec, design: pd.DataFrame,
          skip: set[tuple[int, int]]) -> Iterator[Task]:
    """The runs still to do, point by point (lazily: no list of every run is built)."""
    names = spec.names
    for point, values in zip(design.index, design[names].itertuples(index=False, name=None),
                             strict=True):
        params = {k: _plain(v) for k, v in zip(names, values, strict=True)}
        for rep in range(spec.replications):
            if (int(point), rep) not in skip:
                yield Task(int(point), rep, spec.seed, params, spec.base, spec.evaluator,
                           spec.difference)


def _plain(value: Any) -> Any:
    """numpy scalars from the design table as Python values (for the scenario schema)."""
    return value.item() if isinstance(value, np.generic) else value


class _Writer:
    """Buffers finished rows and writes them in batches (bounded memory)."""

    def __init__(self, out: Path):
        self.out, self.rows, self.last = out, [], time.monotonic()

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS or time.monotonic() - self.last > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        store.write_runs(self.out, self.rows)
        self.rows, self.last = [], time.monotonic()


def run_sweep(spec: SweepSpec, out: Path, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, progress: bool = True,
              command: Sequence[str] = (),
              on_result: Callable[[Mapping[str, Any]], None] | None = None) -> dict[str, int]:
    """Run the sweep into ``out``; return counts ``total``, ``done_before``, ``ran``.

    Parameters
    ----------
    spec
        The validated sweep.
    out
        The results directory (see :mod:`sim.sweep.store`).
    workers
        1: run here, one run after another; N > 1 or None (one per core): a Dask
        ``LocalCluster`` of worker processes. Ignored when ``scheduler`` is given.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``).
    resume
        Finish a sweep started in ``out``: run only the (point, replication) keys missing.
    progress
        Show a progress bar (completed/total, time left).
    command
        Recorded in the provenance file.
    on_result
        Called with each finished row (tests use it to observe progress).
    """
    design = points(spec)
    store.start(spec, out, design, resume, command)
    done = store.done_keys(out) if resume else set()
    total = len(design) * spec.replications
    todo = tasks(spec, design, done)
    writer = _Writer(out)
    bar = _progress_bar(total, len(done), progress)
    ran = 0
    try:
        for row in _execute(todo, workers, scheduler):
            writer.add(row)
            ran += 1
            bar.update(1)
            if on_result is not None:
                on_result(row)
    finally:
        writer.flush()  # an interrupted sweep keeps every run that finished
        bar.close()
    return {"total": total, "done_before": len(done), "ran": ran}


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="run", disable=not enabled,
                desc="sweep", smoothing=0.05)


def _execute(todo: Iterator[Task], workers: int | None,
             scheduler: str | None) -> Iterator[dict[str, Any]]:
    if scheduler is None and workers == 1:
        for task in todo:
            yield evaluate(task)
        return
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is not None:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        window = 4 * n_workers  # runs in flight: enough to keep workers busy, memory bounded
        pending = as_completed()
        for task in _take(todo, window):
            pending.add(client.submit(evaluate, task, pure=False))
        for future in pending:
            yield future.result()
            future.release()
            for task in _take(todo, 1):
                pending.add(client.submit(evaluate, task, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _take(iterator: Iterator[Task], n: int) -> Iterator[Task]:
    for _ in range(n):
        try:
            yield next(iterator)
        except StopIteration:
            return
