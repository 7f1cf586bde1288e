"""Benchmark of sweep throughput: runs per second and where each run's time goes.

Run from the repository root::

    python benchmarks/sweep_bench.py                   # both sweeps, in process and 2 workers
    python benchmarks/sweep_bench.py --sweeps sobol --backends local --repeats 3
    python benchmarks/sweep_bench.py --tree before=/path/to/old/checkout --tree after=. \
        --csv sweeps.csv                               # two checkouts, taking turns

Two sweeps: ``sobol``, the shipped Sobol example (``scenarios/sweeps/sobol_customers.toml``,
896 runs of 1,000 customers x 260 steps), and ``classroom``, 100 runs of the classroom
scenario (``scenarios/leaky_bucket.toml``: 3,000 customers and 15 arrivals a week, 260
steps; a grid of 20 service levels x 5 replications). Two backends: ``local``
(``run_sweep(workers=1)``, in this process) and ``dask`` (a 2-worker ``LocalCluster``,
``--workers``). ``--tree`` measures another checkout of the project (its own ``sim`` and
scenario files) with this script — how "before" figures are taken; given several times,
the checkouts take turns, one measurement each, so that they meet the same load. Every
sweep runs in a fresh subprocess (numba cache warm: one untimed run first), writing its
results to a temporary directory, ``--repeats`` times; the table gives medians. These are
benchmarks, not tests: nothing here asserts a speed.

Columns:

``wall_s``, ``cpu_s``
    Wall time of the whole ``run_sweep`` call (design, store, cluster start-up included)
    and the processor time of the driver and its workers.
``runs_per_s``, ``runs_per_cpu_s``, ``customer_steps_per_s_per_core``
    Runs over ``wall_s`` and over ``cpu_s`` (the figure that a busy shared machine
    disturbs least); customer-steps (customers in the market, summed over every
    run's steps) over ``wall_s`` times the cores the backend uses (1 or ``--workers``).
``*_ms`` (per run)
    Processor time per run, each phase's own (exclusive of the phases inside it):
    ``validation`` (the point's scenario from the base and its parameters), ``graph``
    (the social graph), ``state`` (the rest of the model's set-up), ``stepping`` (the
    steps, less collection), ``collection`` (per-step metric collection), ``tables``
    (the run's time series and outcome summaries), ``store`` (writing part files),
    and ``scheduling`` — everything else: for ``local`` the driver's remaining time,
    for ``dask`` the wall time workers were not inside a batch (scheduling, transfer,
    cluster start-up, idle workers) per run. ``overhead_ms`` is the sum of every phase
    but stepping; ``stepping_customer_steps_per_s`` the engine's rate inside the sweep.

The phases are timed by wrapping the functions that do them (``time.process_time``, a
few microseconds per call); the wrapped names are listed in :data:`PHASES` and missing
ones are skipped, so older checkouts are measured the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SWEEPS = ("sobol", "classroom")
BACKENDS = ("local", "dask")
PHASE_NAMES = ("validation", "graph", "state", "stepping", "collection", "tables", "store")
#: phase -> (module, attribute) of the functions that do it, in this tree or older ones.
PHASES: dict[str, tuple[tuple[str, str], ...]] = {
    "validation": (("sim.scenario", "Scenario.with_overrides"),
                   ("sim.sweep.execute", "point_scenario")),
    "graph": (("sim.model.market", "build_graph"), ("sim.model", "build_graph")),
    "state": (("sim.model.market", "MarketModel.__init__"),
              ("sim.model", "MarketModel.__init__")),
    "stepping": (("sim.model.market", "MarketModel.step"), ("sim.model", "MarketModel.step")),
    "collection": (("sim.model.metrics", "MetricsCollector.collect"),
                   ("sim.metrics", "MetricsCollector.collect"),
                   ("sim.experiment.firm_tables", "FirmRecorder.collect")),
    "tables": (("sim.sweep.execute", "evaluate"), ("sim.sweep.execute", "evaluate_batch"),
               ("sim.sweep.execute", "market_outcomes"),
               ("sim.sweep.outcomes", "firm_outcomes"),
               ("sim.experiment.firm_tables", "run_firm_tables"),
               ("sim.experiment.replications", "run_replication"),
               ("sim.experiment", "run_replication"),
               ("sim.model.market", "MarketModel.firm_timeseries"),
               ("sim.model.market", "MarketModel.market_timeseries"),
               ("sim.model", "MarketModel.firm_timeseries"),
               ("sim.model", "MarketModel.market_timeseries")),
    "store": (("sim.sweep.store", "write_runs"),),
}
COLUMNS = ["label", "sweep", "backend", "workers", "runs", "customers", "steps", "repeats",
           "wall_s", "cpu_s", "runs_per_s", "runs_per_cpu_s", "customer_steps_per_s_per_core",
           *(f"{p}_ms" for p in PHASE_NAMES), "scheduling_ms", "overhead_ms",
           "stepping_customer_steps_per_s", "wall_range_s"]
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                  "NUMBA_NUM_THREADS", "NUMEXPR_NUM_THREADS")}
#: Where the workers of a Dask measurement append their batch timings (JSON lines).
LOG_ENV = "SWEEP_BENCH_LOG"


# ------------------------------------------------------------------ the sweeps
def sweep_spec(name: str, tree: Path, quick: bool = False) -> Any:
    """The named benchmark sweep, read from ``tree``'s scenario files (``quick``: a few
    points only, to try the benchmark out)."""
    from sim.sweep.spec import load_sweep, sweep_from_dict

    if name == "sobol":
        spec = load_sweep(tree / "scenarios" / "sweeps" / "sobol_customers.toml")
        return dataclasses.replace(spec, samples=2) if quick else spec
    if name == "classroom":
        data = {"sweep": {
            "base": "../leaky_bucket.toml", "design": "grid", "replications": 5, "seed": 5,
            "difference": ["Leaky Larder", "Sealed Supplies"],
            "parameters": [{"path": "firms.0.levers.service", "range": [0.05, 0.95],
                            "levels": 2 if quick else 20}]}}
        return sweep_from_dict(data, tree / "scenarios" / "sweeps" / "classroom_bench.toml",
                               json.dumps(data))
    raise ValueError(f"unknown sweep {name!r} (known: {', '.join(SWEEPS)})")


def customer_steps_per_run(scenario: Any) -> int:
    """Customers in the market summed over a run's steps (arrivals join step by step)."""
    c, steps = scenario.customers, scenario.run.steps
    return c.n_initial * steps + c.arrivals_per_step * steps * (steps + 1) // 2


# ------------------------------------------------------------------ phase timing
class PhaseClock:
    """Exclusive processor time per phase of the wrapped functions (a stack of timers)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrap(self, function: Callable[..., Any], phase: str) -> Callable[..., Any]:
        """``function`` timed into ``phase``, less the wrapped calls it makes."""
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            self._inner.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.process_time() - start
                self.totals[phase] += elapsed - self._inner.pop()
                if self._inner:
                    self._inner[-1] += elapsed
        timed.__wrapped_phase__ = phase  # type: ignore[attr-defined]
        return timed


CLOCK = PhaseClock()


def install_phase_timers(clock: PhaseClock = CLOCK) -> list[str]:
    """Wrap every function of :data:`PHASES` that exists here (once); return their names."""
    wrapped = []
    for phase, targets in PHASES.items():
        for module_name, attribute in targets:
            try:
                owner: Any = importlib.import_module(module_name)
            except ImportError:
                continue
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            if owner is None or not hasattr(owner, name):
                continue
            function = getattr(owner, name)
            if getattr(function, "__wrapped_phase__", None) or not callable(function):
                continue
            setattr(owner, name, clock.wrap(function, phase))
            wrapped.append(f"{module_name}:{attribute}")
    return wrapped


def timed_evaluate_batch(batch: Sequence[Any]) -> Any:
    """``evaluate_batch`` on a Dask worker, its phases and wall time appended to the log."""
    install_phase_timers()
    from sim.sweep import execute

    before = dict(CLOCK.totals)
    start, cpu = time.perf_counter(), time.process_time()
    result = execute.evaluate_batch(batch)
    record = {"runs": len(batch), "wall": time.perf_counter() - start,
              "cpu": time.process_time() - cpu, "pid": os.getpid(),
              "phases": {k: v - before.get(k, 0.0) for k, v in CLOCK.totals.items()}}
    with open(os.environ[LOG_ENV], "a") as fh:
        fh.write(json.dumps(record) + "\n")
    return result


@contextlib.contextmanager
def submitting_timed_batches() -> Iterator[None]:
    """Make the executor send :func:`timed_evaluate_batch` to its workers."""
    from sim.sweep import execute

    original = execute.evaluate_batch
    execute.evaluate_batch = sys.modules[__name__].timed_evaluate_batch
    try:
        yield
    finally:
        execute.evaluate_batch = original


# ------------------------------------------------------------------ one measurement
def measure(sweep: str, backend: str, workers: int, tree: str,
            quick: bool = False) -> dict[str, Any]:
    """Run the sweep once (after an untimed warm-up run) in this process; one row."""
    import resource

    from sim.sweep.design import points
    from sim.sweep.execute import run_sweep

    tree_path = Path(tree)
    spec = sweep_spec(sweep, tree_path, quick)
    runs = len(points(spec)) * spec.replications
    per_run = customer_steps_per_run(spec.base)
    with tempfile.TemporaryDirectory() as tmp:
        warm = dataclasses.replace(spec, replications=1)
        from sim.sweep import execute

        first = next(execute.tasks(warm, points(warm).head(1), set()))
        execute.evaluate(first)  # compiled code loaded, caches warm, outside the timing
        if backend == "dask":
            os.environ[LOG_ENV] = str(Path(tmp) / "batches.jsonl")
            Path(os.environ[LOG_ENV]).touch()
        install_phase_timers()  # on Dask: the driver's store writes
        CLOCK.totals.clear()
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        # by reference (importable on the workers), not a by-value copy of this script's
        import sweep_bench

        context = (sweep_bench.submitting_timed_batches() if backend == "dask"
                   else contextlib.nullcontext())
        with context:
            counts = run_sweep(spec, Path(tmp) / "out", workers=1 if backend == "local"
                               else workers, progress=False)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        total_cpu = sum(getattr(u1, f) - getattr(u0, f) for u0, u1 in
                        ((usage0, usage1), (children0, children1))
                        for f in ("ru_utime", "ru_stime"))
        if counts["ran"] != runs:
            raise RuntimeError(f"{sweep}: ran {counts['ran']} of {runs} runs")
        phases = dict(CLOCK.totals)
        cores = 1 if backend == "local" else workers
        if backend == "dask":
            busy = 0.0
            with open(os.environ[LOG_ENV]) as fh:
                for line in fh:
                    record = json.loads(line)
                    busy += record["wall"]
                    for k, v in record["phases"].items():
                        phases[k] = phases.get(k, 0.0) + v
            phases["scheduling"] = max(wall * cores - busy, 0.0)
            total_cpu = max(total_cpu, cpu)  # workers are grandchildren: counted if reaped
        else:
            phases["scheduling"] = max(cpu - sum(phases.values()), 0.0)
    row = {"sweep": sweep, "backend": backend, "workers": cores, "runs": runs,
           "customers": spec.base.customers.n_initial, "steps": spec.base.run.steps,
           "wall_s": wall, "cpu_s": total_cpu, "runs_per_s": runs / wall,
           "runs_per_cpu_s": runs / total_cpu,
           "customer_steps_per_s_per_core": runs * per_run / (wall * cores)}
    for phase in (*PHASE_NAMES, "scheduling"):
        row[f"{phase}_ms"] = 1e3 * phases.get(phase, 0.0) / runs
    row["overhead_ms"] = sum(row[f"{p}_ms"] for p in (*PHASE_NAMES, "scheduling")
                             if p != "stepping")
    stepping = phases.get("stepping", 0.0)
    row["stepping_customer_steps_per_s"] = runs * per_run / stepping if stepping else None
    return row


def _in_subprocess(kwargs: dict[str, Any], timeout: float | None) -> dict[str, Any]:
    """One measurement in a fresh interpreter importing ``sim`` from ``kwargs['tree']``."""
    # the tree's sim, and this script as module ``sweep_bench`` (for the Dask workers)
    env = {**os.environ, **SINGLE_THREAD,
           "PYTHONPATH": os.pathsep.join([kwargs["tree"], str(Path(__file__).parent)])}
    payload = json.dumps(kwargs)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", payload],
                          capture_output=True, text=True, env=env, cwd=kwargs["tree"],
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"sweep benchmark worker failed ({kwargs}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_row(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The median of each numeric column over repeats (and the range of ``wall_s``)."""
    out = dict(rows[0])
    for key, value in rows[0].items():
        if isinstance(value, float):
            values = [r[key] for r in rows if r.get(key) is not None]
            out[key] = statistics.median(values) if values else None
    walls = [r["wall_s"] for r in rows]
    out["repeats"] = len(rows)
    out["wall_range_s"] = f"{min(walls):.3g}-{max(walls):.3g}"
    return out


# ------------------------------------------------------------------ table
def machine() -> str:
    """One line about this machine (as ``benchmarks/bench.py`` prints it)."""
    import platform

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as fh:
        cpu = next(line.split(":", 1)[1].strip() for line in fh
                   if line.startswith("model name"))
    return f"# {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}"


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if key in ("workers", "runs", "customers", "steps", "repeats"):
        return f"{int(value):,}"
    if "customer_steps" in key:
        return f"{value / 1e6:.2f}M"
    if key.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3g}"


def formatted(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The rows as the table shows them (``bench.print_table`` prints strings as given)."""
    return [{c: _fmt(r.get(c), c) for c in COLUMNS} for r in rows]


def _names(text: str, allowed: Sequence[str]) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {list(allowed)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    """Command-line arguments of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sweeps", type=lambda t: _names(t, SWEEPS), default=list(SWEEPS),
                   help="sobol and/or classroom (default both)")
    p.add_argument("--backends", type=lambda t: _names(t, BACKENDS), default=list(BACKENDS),
                   help="local and/or dask (default both)")
    p.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    p.add_argument("--repeats", type=int, default=3,
                   help="measurements of each sweep and backend; the table gives medians")
    p.add_argument("--tree", action="append", default=None, metavar="[LABEL=]PATH",
                   help="checkout whose sim/ and scenarios/ are measured (default: this "
                        "one); repeat it to compare checkouts, which then take turns; the "
                        "label defaults to the checkout's git commit")
    p.add_argument("--quick", action="store_true",
                   help="a few points of each sweep only (to try the benchmark out)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per measurement")
    p.add_argument("--csv", type=Path, default=None, help="also write the table as CSV")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    return p


def _tree(text: str) -> tuple[str, Path]:
    """``LABEL=PATH`` or ``PATH`` (labelled by its git commit, else its folder name)."""
    label, _, path = text.rpartition("=")
    tree = Path(path).resolve()
    if not label:
        proc = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True)
        label = proc.stdout.strip() or tree.name
    return label, tree


def main(argv: Sequence[str] | None = None) -> int:
    """Measure each sweep and backend ``--repeats`` times; print the table, write the CSV."""
    args = build_parser().parse_args(argv)
    if args.worker:
        print(json.dumps(measure(**json.loads(args.worker))))
        return 0
    trees = [_tree(text) for text in args.tree or [str(ROOT)]]
    rows = []
    for sweep in args.sweeps:
        for backend in args.backends:
            repeats: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in trees}
            for i in range(args.repeats):
                for label, tree in trees:  # taking turns: the same load for each
                    row = _in_subprocess({"sweep": sweep, "backend": backend,
                                          "workers": args.workers, "tree": str(tree),
                                          "quick": args.quick}, args.timeout)
                    repeats[label].append(row)
                    print(f"# {label} {sweep} {backend} {i + 1}/{args.repeats}: "
                          f"{row['wall_s']:.1f} s", file=sys.stderr, flush=True)
            rows += [{"label": label, **median_row(repeats[label])} for label, _ in trees]
    from bench import print_table, write_csv  # benchmarks/bench.py, beside this script

    print(machine())
    print_table(formatted(rows), COLUMNS)
    if args.csv:
        write_csv(rows, args.csv, COLUMNS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
