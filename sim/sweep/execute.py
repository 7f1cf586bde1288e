"""Running a sweep's points x replications: in this process, or on Dask distributed.

Every run is a pure function of its task — the scenario with the point's overrides, the
replication index and the seed ``SeedSequence(root_seed, spawn_key=(point,
replication))`` — so results are identical whatever the number of workers or the order
in which runs finish. Runs travel in batches sized to about a second of work (one run at
first), and each batch is written as one part file the moment it comes back
(:mod:`sim.sweep.store`), so a kill loses only the batches in flight; at most a bounded
window of batches is in flight, so the driver's memory does not grow with the sweep.

Backends: ``workers=1`` runs in this process; otherwise a Dask ``LocalCluster`` with
``workers`` processes (default: one per core), or the cluster at ``scheduler``
(``tcp://host:8786``; e.g. started by dask-jobqueue on SLURM).

A sweep that stops early — Ctrl-C, a full disk — raises :class:`SweepStoppedError`, whose
one-line message says how many runs are safe on disk and the command that resumes.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import itertools
import logging
import os
import shlex
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.interrupts import interrupts_ignored, received
from sim.scenario import Scenario
from sim.sweep import store
from sim.sweep.design import points
from sim.sweep.spec import MARKET, SweepSpec

#: A batch of runs (one task, one part file) aims at about this many seconds of work ...
TARGET_SECONDS = 1.0
#: ... and holds at most this many runs (bounds the driver's memory per batch).
MAX_BATCH = 256


#: Outcomes that are shares (bounded by 0 and 1): their intervals respect the bounds.
SHARE_OUTCOMES = ("churn_rate[", "trusting_share[", "stage_")


class SweepStoppedError(RuntimeError):
    """A sweep that stopped before its end; every finished run is safe on disk.

    ``interrupted`` tells Ctrl-C from a failure (a full disk); the message is one line
    with the number of safe runs and the command that resumes.
    """

    def __init__(self, reason: str, safe: int, total: int, resume: str, interrupted: bool):
        super().__init__(f"{reason}: {safe} of {total} runs are safe on disk; resume with: "
                         f"{resume}")
        self.safe, self.total, self.interrupted = safe, total, interrupted


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


def evaluate(task: Task, scenarios: dict[int, Scenario] | None = None) -> dict[str, Any]:
    """Run one task; return its result row (keys, seed, parameters, outcomes).

    ``scenarios`` caches each point's scenario (built once for the replications of a
    point in one batch; the scenario is immutable, so sharing it changes nothing).
    """
    seed = run_seed(task.root_seed, task.point, task.replication)
    row: dict[str, Any] = {"point": task.point, "replication": task.replication,
                           "seed_entropy": str(seed.entropy),
                           "spawn_key": f"{task.point} {task.replication}"}
    row.update(task.params)
    if task.evaluator == MARKET:
        if scenarios is None:
            scenarios = {}
        scenario = scenarios.get(task.point)
        if scenario is None:
            scenario = scenarios[task.point] = point_scenario(task.base, task.params)
        row.update(market_outcomes(scenario, task.replication, seed, task.difference))
    else:
        module, name = task.evaluator.split(":")
        function = getattr(importlib.import_module(module), name)
        row.update(function(task.params, np.random.default_rng(seed)))
    return row


def point_scenario(base: Scenario, params: Mapping[str, Any]) -> Scenario:
    """The scenario of one design point: the base with the point's values, validated."""
    return base.with_overrides(params)


def market_outcomes(scenario: Scenario, replication: int, seed: np.random.SeedSequence,
                    difference: tuple[str, str] | None) -> dict[str, float]:
    """Summaries of one market run, per firm as ``metric[firm]``: cumulative profit, NPV,
    final and mean active customers, churn rate (churned per active customer and step),
    final share of active customers at each trust stage (``stage_<name>``) and with
    emotional or behavioural trust (``trusting_share``), mean satisfaction; and, with
    ``difference = (A, B)``, ``cumulative_profit_difference`` and ``npv_difference`` (A - B).

    The run is :func:`sim.experiment.run_replication`'s (same model, seed and steps);
    its firm metrics are collected in one array (:func:`sim.experiment.run_firm_tables`),
    not tables.
    ``replication`` is the run's index (its seed is ``seed``).
    """
    from sim.experiment import run_firm_tables  # the model, only when a market runs
    from sim.sweep.outcomes import firm_outcomes

    out = firm_outcomes(*run_firm_tables(scenario, seed))
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
        params = spec.point_overrides({k: _plain(v) for k, v in zip(names, values,
                                                                    strict=True)})
        for rep in range(spec.replications):
            if (int(point), rep) not in skip:
                yield Task(int(point), rep, spec.seed, params, spec.base, spec.evaluator,
                           spec.difference)


def _plain(value: Any) -> Any:
    """numpy scalars from the design table as Python values (for the scenario schema)."""
    return value.item() if isinstance(value, np.generic) else value


def evaluate_batch(batch: Sequence[Task]) -> tuple[list[dict[str, Any]], float]:
    """Run a batch of tasks; return their rows and the seconds they took (the driver uses
    the time only to size later batches, never in a result). Each point's scenario is
    built once per batch."""
    start = time.perf_counter()
    scenarios: dict[int, Scenario] = {}
    rows = [evaluate(task, scenarios) for task in batch]
    return rows, time.perf_counter() - start


class _BatchSize:
    """How many runs go into one task: one at first, then as many as take about
    ``TARGET_SECONDS`` (at most ``MAX_BATCH``), so that cheap runs do not drown in
    per-task overhead and part files, while a kill loses at most the batches in flight.
    A ``fixed`` size is used as it is."""

    def __init__(self, fixed: int | None = None) -> None:
        self.size = fixed or 1
        self.fixed = fixed is not None

    def observe(self, runs: int, seconds: float) -> None:
        if self.fixed:
            return
        per_run = max(seconds / max(runs, 1), 1e-6)
        wanted = int(TARGET_SECONDS / per_run)
        # grow at most fourfold per observation: an early fast run must not overshoot
        self.size = max(1, min(MAX_BATCH, wanted, 4 * self.size))


def run_sweep(spec: SweepSpec, out: Path, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, progress: bool = True,
              command: Sequence[str] = (),
              on_result: Callable[[Mapping[str, Any]], None] | None = None,
              batch_size: int | None = None) -> dict[str, int]:
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
    batch_size
        Runs per task and part file; default: grown from one to about
        ``TARGET_SECONDS`` of work. Results do not depend on it.

    Raises
    ------
    store.SweepError
        When ``out`` cannot be used: an existing file, another writer holding it, a
        different sweep, unusable provenance.
    SweepStoppedError
        On Ctrl-C or a failed write (a full disk), after keeping every finished run.
    """
    out = Path(out)
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if out.exists() and not out.is_dir():
        raise store.SweepError(f"--out {out} is an existing file, not a folder; choose a "
                               "folder (it is created if missing)")
    design = points(spec)
    argv = list(command) or ["trustmarket", "sweep", str(spec.source), "--out", str(out)]
    try:
        with store.writer_lock(out, argv):
            return _run_locked(spec, out, design, resume, argv, workers, scheduler,
                               progress, on_result, batch_size)
    except store.LockedError as exc:
        raise store.SweepError(str(exc)) from None


def _run_locked(spec: SweepSpec, out: Path, design: pd.DataFrame, resume: bool,
                argv: list[str], workers: int | None, scheduler: str | None, progress: bool,
                on_result: Callable[[Mapping[str, Any]], None] | None,
                batch_size: int | None = None) -> dict[str, int]:
    total = len(design) * spec.replications
    store.remove_temporary_files(out)
    store.start(spec, out, design, resume, argv)
    done = (set(store.repair(out, ({int(p) for p in design.index}, spec.replications)).keys)
            if resume else set())
    manifest = store.Manifest.read(out)
    todo = tasks(spec, design, done)
    bar = _progress_bar(total, len(done), progress)
    ran = 0
    batches = _execute(todo, workers, scheduler, batch_size)
    try:
        for rows in batches:
            # written the moment a batch comes back: a kill loses only batches in flight
            store.write_runs(out, rows, manifest)
            ran += len(rows)
            bar.update(len(rows))
            if on_result is not None:
                for row in rows:
                    on_result(row)
        manifest.save(force=True)
    except BaseException as exc:
        batches.close()
        bar.close()
        stopped = _stopped(exc, out, argv, len(done) + ran, total, manifest)
        if stopped is None:
            raise
        raise stopped from None
    finally:
        batches.close()  # stops the cluster now, not when the traceback is dropped
        bar.close()
    return {"total": total, "done_before": len(done), "ran": ran}


def _stopped(exc: BaseException, out: Path, argv: list[str], safe: int, total: int,
             manifest: store.Manifest) -> SweepStoppedError | None:
    """The :class:`SweepStoppedError` for an interruption or a failed write (None for other
    errors), after saving the manifest of the runs kept."""
    interrupted = isinstance(exc, KeyboardInterrupt) or received() > 0
    if not interrupted and not isinstance(exc, OSError):
        return None
    with contextlib.suppress(OSError):
        manifest.save(force=True)
    store.remove_temporary_files(out)
    # counted on disk: the stop may fall between a part file's rename and the count
    with contextlib.suppress(Exception):
        safe = len(store.done_keys(out))
    resume = shlex.join(argv if "--resume" in argv else [*argv, "--resume"])
    if interrupted:
        reason = "interrupted"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = f"disk full writing to {out} (free some space)"
    else:
        reason = f"cannot write to {out}: {exc.strerror or exc}"
    return SweepStoppedError(reason, safe, total, resume, interrupted)


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="run", disable=not enabled,
                desc="sweep", smoothing=0.05)


def _execute(todo: Iterator[Task], workers: int | None, scheduler: str | None,
             batch_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Yield the rows of each finished batch, in order of completion."""
    size = _BatchSize(batch_size)
    if scheduler is None and workers == 1:
        while batch := _take(todo, size.size):
            rows, seconds = evaluate_batch(batch)
            size.observe(len(rows), seconds)
            yield rows
        return
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is not None:
        client, cluster = Client(scheduler), None
    else:
        from sim.model import warm_up

        warm_up()  # compiled once here, loaded by every local worker
        # The workers inherit the ignored Ctrl-C (it reaches the driver only) and log only
        # errors: a stopped sweep's cancelled tasks are not news.
        with interrupts_ignored(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                   threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        # batches in flight: enough to keep every worker busy, few enough that neither
        # the futures nor the driver's memory grow with the sweep
        pending = as_completed()
        for _ in range(2 * n_workers):
            if batch := _take(todo, size.size):
                pending.add(client.submit(evaluate_batch, batch, pure=False))
        for future in pending:
            rows, seconds = future.result()
            future.release()
            size.observe(len(rows), seconds)
            if batch := _take(todo, size.size):
                pending.add(client.submit(evaluate_batch, batch, pure=False))
            yield rows
    except BaseException:
        # stopping: the workers' farewells (closed comms, cancelled tasks) are noise
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _take(iterator: Iterator[Task], n: int) -> list[Task]:
    """The next ``n`` tasks (fewer at the end; empty when none are left)."""
    return list(itertools.islice(iterator, n))
