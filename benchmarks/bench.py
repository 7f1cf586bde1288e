"""Benchmark of the market model: throughput, memory, start-up, scaling, reference ratio.

Run from the repository root::

    python benchmarks/bench.py                         # 10k, 100k, 1M customers; 2 and 4 firms
    python benchmarks/bench.py --sizes 10000,100000 --firms 2 --steps 20 --csv bench.csv
    python benchmarks/bench.py --end-to-end            # 1M customers x 520 steps, graph included
    python benchmarks/bench.py --cold-start            # the first run: compiling, empty cache
    python benchmarks/bench.py --profile --sizes 1000000 --steps 8   # where the time goes

The rules are the headline scenario's (``scenarios/bribery_vs_trust.toml``) with
``customers.n_initial = n`` on its Watts-Strogatz graph of mean degree 10; for 4 firms
the firm list is duplicated (names suffixed " II", positions shifted by 0.125). Each
(size, firms) point runs in a fresh subprocess, pinned to one core with single-threaded
numeric libraries, so peak memory (``ru_maxrss``) and timings do not mix. These are
benchmarks, not tests: nothing here asserts a speed.

Measured per point:

``startup_s``
    ``MarketModel(path, overrides=...)``: scenario load and validation, graph build
    (``graph_s`` of it) and state initialisation.
``first_step_s``
    The first step alone (includes any just-in-time compilation).
``t_step_s``, ``customer_steps_per_s``
    Mean wall time of ``--steps`` steps after ``--warmup`` untimed ones (the market is
    not at rest in its first weeks: awareness spreads, promotions cycle every 4 steps),
    and customers present per step summed over the timed steps, divided by their time.
``peak_rss_mb``, ``bytes_per_customer``
    Peak resident memory of the process, and its growth over the RSS after imports per
    customer (at small n dominated by fixed costs such as compiled kernels; the summary
    under the table also gives the marginal figure between the two largest sizes).
``state_bytes_per_customer``
    The model's persistent arrays (customer state and graph) per customer — what the
    market itself holds, without temporaries.
``ratio_vs_reference``
    At n = 2,000 only: this engine's throughput over the per-agent reference model's
    (:mod:`sim.verify.reference`), both measured in the same subprocess with the same steps,
    taking turns ``--repeats`` times (fresh models each time); the median ratio, and in
    ``ratio_range`` the lowest and highest. ``n/a`` when the reference model is not
    available.
``first_step_s``, ``engine_ready_s`` (``--cold-start``)
    Seconds from launching a fresh interpreter that imports the model, builds the headline
    market and completes its first step, and to the end of its first compiled step, with
    an empty numba cache folder: compiling before the first step (the library's way) and
    in the background while the first steps run as Python (``trustmarket run``'s and the
    app's way, :mod:`sim.model.compile_ahead`); ``cpu_s`` the processor time of the
    process and its children; then again with the cache those runs left (``warm``).
``step_time_ratio``
    ``t_step_s`` over that of the next smaller size measured. For t(1M) / t(100k) (the
    scaling check: at most 12) the two sizes are also measured again
    ``--scaling-pairs`` - 1 more times, a 100k and a 1M subprocess back to back each
    time; the 1M row then gives the median ratio of the pairs, and ``scaling_range``
    the lowest and highest. (On a shared machine two subprocesses minutes apart can
    differ by ±10 %, which one pair turns into the ratio.)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import inspect
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ROOT / "scenarios" / "bribery_vs_trust.toml"
REFERENCE_N = 2000
#: Turns each of the fast engine and the reference model is measured at REFERENCE_N.
REFERENCE_REPEATS = 5
#: Pairs of 100k and 1M measurements whose median time ratio is the scaling figure.
SCALING_PAIRS = 3
SCALING_SIZES = (100_000, 1_000_000)
END_TO_END_N, END_TO_END_STEPS = 1_000_000, 520
COLUMNS = ["n", "firms", "engine", "steps", "customer_steps_per_s", "t_step_s", "first_step_s",
           "peak_rss_mb", "bytes_per_customer", "state_bytes_per_customer", "startup_s",
           "graph_s", "ratio_vs_reference", "ratio_range", "reference_customer_steps_per_s",
           "step_time_ratio", "scaling_range"]
# One core, as the targets are stated: no hidden threads in numeric libraries.
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                  "NUMBA_NUM_THREADS", "NUMEXPR_NUM_THREADS")}

if str(ROOT) not in sys.path:  # run as a script from anywhere, without installing
    sys.path.insert(0, str(ROOT))


# ------------------------------------------------------------------ scenario
def overrides_for(n: int, firms: int, builder: str = "auto") -> dict[str, Any]:
    """Overrides of the headline scenario for ``n`` customers and 2 or 4 firms.

    Parameters
    ----------
    n
        Number of customers (``customers.n_initial``; the headline has no arrivals).
    firms
        2 (the headline's) or a multiple of it: the firm list repeated with names
        suffixed ``" II"``, ``" III"``... and positions shifted by 0.125 per copy.
    builder
        ``network.builder``: ``"auto"`` (the scenario default), ``"networkx"`` or
        ``"arrays"``.
    """
    from sim.scenario import load_scenario

    out: dict[str, Any] = {"customers.n_initial": int(n), "network.builder": builder}
    if firms == 2:
        return out
    base = load_scenario(HEADLINE).to_dict()["firms"]
    if firms % len(base):
        raise ValueError(f"firms must be a multiple of {len(base)}, got {firms}")
    listed = []
    for copy in range(firms // len(base)):
        for f in base:
            g = dict(f)
            if copy:
                g["name"] = f"{f['name']} {'I' * (copy + 1)}"
                g["position"] = (f["position"] + 0.125 * copy) % 1.0
            listed.append(g)
    out["firms"] = listed
    return out


def _engine_kwargs(engine: str | None) -> dict[str, Any]:
    """``engine=`` for MarketModel when it takes one (the numba/numpy switch)."""
    from sim.model import MarketModel

    if engine is None or "engine" not in inspect.signature(MarketModel).parameters:
        return {}
    return {"engine": engine}


def _rss_now_mb() -> float:
    """Current resident set size (Linux /proc; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _peak_rss_mb()


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _state_bytes(model: Any) -> int:
    """Bytes of the model's customer-state arrays and CSR graph."""
    arrays = [v for v in vars(model.state).values() if hasattr(v, "nbytes")]
    arrays += [model.graph.indptr, model.graph.indices]
    return int(sum(a.nbytes for a in arrays))


def _present(model: Any) -> int:
    """Customers in the market now."""
    from sim.engine.state import Presence

    return int((model.state.presence == Presence.PRESENT).sum())


@contextlib.contextmanager
def _timed_graph_builds() -> Iterator[list[float]]:
    """Time the model's graph builds while inside the block (the builder is restored)."""
    import sim.model.market

    times: list[float] = []
    build = sim.model.market.build_graph

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return build(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - t0)

    sim.model.market.build_graph = timed
    try:
        yield times
    finally:
        sim.model.market.build_graph = build


# ------------------------------------------------------------------ measurements
def _run_steps(model: Any, steps: int) -> tuple[float, int]:
    """Wall time of ``steps`` steps and the customer-steps they covered (customers
    present at the start of each step, counted outside the timed part, as the reference
    model's timing counts none)."""
    customer_steps = 0
    elapsed = 0.0
    for _ in range(steps):
        customer_steps += _present(model)
        t0 = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - t0
    return elapsed, customer_steps


def measure(n: int, firms: int = 2, steps: int = 20, warmup: int = 8, seed: int = 1,
            engine: str | None = None, builder: str = "auto") -> dict[str, Any]:
    """Build one model and time its start-up and steps, in this process.

    Parameters
    ----------
    n
        Number of customers.
    firms
        Number of firms (see :func:`overrides_for`).
    steps
        Timed steps (after the warm-up).
    warmup
        Untimed steps after the first one (which is timed on its own, ``first_step_s``).
    seed
        Model seed.
    engine
        Passed to ``MarketModel(engine=...)`` when the model takes one; ``None``: its
        default.
    builder
        ``network.builder`` (see :func:`overrides_for`).

    Returns
    -------
    dict
        One row with the keys of :data:`COLUMNS` (the reference ratio left empty).
        ``peak_rss_mb`` is this process's peak so far — meaningful in a fresh process.
    """

    baseline = _rss_now_mb()  # after imports: the interpreter, numpy, Mesa, the model
    overrides = overrides_for(n, firms, builder)
    kwargs = _engine_kwargs(engine)
    with _timed_graph_builds() as graph_times:
        t0 = time.perf_counter()
        from sim.model import MarketModel
        model = MarketModel(HEADLINE, seed=seed, overrides=overrides, **kwargs)
        startup = time.perf_counter() - t0
    graph_s = sum(graph_times)
    first_step, _ = _run_steps(model, 1)
    _run_steps(model, warmup)
    elapsed, customer_steps = _run_steps(model, steps)
    peak = _peak_rss_mb()
    return {
        "n": n, "firms": firms, "engine": getattr(model, "engine", "compiled"), "steps": steps,
        "customer_steps_per_s": customer_steps / elapsed, "t_step_s": elapsed / steps,
        "first_step_s": first_step, "peak_rss_mb": peak,
        "bytes_per_customer": max(peak - baseline, 0.0) * 2**20 / n,
        "state_bytes_per_customer": _state_bytes(model) / n,
        "startup_s": startup, "graph_s": graph_s, "ratio_vs_reference": None, "ratio_range": None,
        "reference_customer_steps_per_s": None, "step_time_ratio": None,
    }


def reference_model_class() -> Callable[..., Any] | None:
    """The per-agent reference model class from :mod:`sim.verify.reference`, if it exists.

    Looked up lazily (it may not be installed in every checkout): ``ReferenceModel`` if
    the module defines it, else its only ``mesa.Model`` subclass.
    """
    try:
        module = importlib.import_module("sim.verify.reference")
    except ImportError:
        return None
    cls = getattr(module, "ReferenceModel", None)
    if cls is not None:
        return cls
    import mesa

    found = [v for v in vars(module).values() if inspect.isclass(v)
             and issubclass(v, mesa.Model) and v is not mesa.Model
             and v.__module__ == module.__name__]
    return found[0] if len(found) == 1 else None


def measure_reference(n: int, firms: int = 2, steps: int = 20, warmup: int = 8,
                      seed: int = 1, builder: str = "auto") -> float | None:
    """Customer-steps per second of the per-agent reference model (None if absent)."""
    cls = reference_model_class()
    if cls is None:
        return None

    from sim.scenario import load_scenario
    model = cls(load_scenario(HEADLINE).with_overrides(overrides_for(n, firms, builder)), seed=seed)
    for _ in range(1 + warmup):
        model.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    elapsed = time.perf_counter() - t0
    return n * steps / elapsed  # the headline market keeps all n customers present


def measure_with_reference(n: int, firms: int = 2, steps: int = 20, warmup: int = 8,
                           seed: int = 1, engine: str | None = None, builder: str = "auto",
                           repeats: int = REFERENCE_REPEATS) -> dict[str, Any]:
    """:func:`measure` plus the reference model at the same size, in this process.

    Both are measured ``repeats`` times, taking turns (a fresh model each time, the same
    seed and steps), so that a slow spell of a shared machine falls on both. The row is
    the first turn's (start-up, first step and memory of a fresh process) with the
    throughputs and ratio of the turn with the median ratio; ``ratio_range`` gives the
    lowest and highest ratio.
    """
    turns = []
    for _ in range(max(1, repeats)):
        row = measure(n, firms, steps, warmup, seed, engine, builder)
        ref = measure_reference(n, firms, steps, warmup, seed, builder)
        if ref is None:
            return row
        row["reference_customer_steps_per_s"] = ref
        row["ratio_vs_reference"] = row["customer_steps_per_s"] / ref
        turns.append(row)
    median, lowest, highest = _median_and_range(turns, lambda r: r["ratio_vs_reference"])
    row = dict(turns[0])
    for key in ("customer_steps_per_s", "t_step_s", "reference_customer_steps_per_s",
                "ratio_vs_reference"):
        row[key] = median[key]
    row["ratio_range"] = f"{lowest:.0f}-{highest:.0f}x of {len(turns)}"
    return row


def _median_and_range(items: Sequence[Any],
                      key: Callable[[Any], float]) -> tuple[Any, float, float]:
    """The item with the median ``key`` (the upper middle one for an even count), and
    the lowest and highest ``key``."""
    ordered = sorted(items, key=key)
    return ordered[len(ordered) // 2], key(ordered[0]), key(ordered[-1])


def end_to_end(n: int = END_TO_END_N, steps: int = END_TO_END_STEPS, firms: int = 2,
               seed: int = 1, engine: str | None = None,
               builder: str = "auto") -> dict[str, Any]:
    """Wall time and peak memory of a whole run: construction (graph included) and steps,
    with the default per-step data collection, then the firm time series as a table."""
    t0 = time.perf_counter()

    from sim.model import MarketModel
    model = MarketModel(HEADLINE, seed=seed,
                        overrides={**overrides_for(n, firms, builder), "run.steps": steps},
                        **_engine_kwargs(engine))
    startup = time.perf_counter() - t0
    for _ in range(steps):
        model.step()
    model.firm_timeseries()
    wall = time.perf_counter() - t0
    return {"n": n, "firms": firms, "engine": getattr(model, "engine", "compiled"),
            "steps": steps, "wall_s": wall, "startup_s": startup,
            "customer_steps_per_s": n * steps / (wall - startup),
            "peak_rss_mb": _peak_rss_mb()}


def profile(n: int = 1_000_000, firms: int = 2, steps: int = 8, warmup: int = 8,
            seed: int = 1, engine: str | None = None, builder: str = "auto") -> str:
    """pyinstrument's call tree of ``steps`` steps (after a warm-up) at ``n`` customers.

    Needs ``pip install pyinstrument``. Returns the text report (time in each phase of
    ``MarketModel.step`` and below).
    """
    try:
        from pyinstrument import Profiler
    except ImportError as exc:
        raise SystemExit("--profile needs pyinstrument: pip install pyinstrument") from exc

    from sim.model import MarketModel
    model = MarketModel(HEADLINE, seed=seed, overrides=overrides_for(n, firms, builder),
                        **_engine_kwargs(engine))
    _run_steps(model, 1 + warmup)
    profiler = Profiler(interval=0.001)
    profiler.start()
    _run_steps(model, steps)
    profiler.stop()
    return profiler.output_text(unicode=False, color=False, short_mode=False)


# ------------------------------------------------------------------ subprocesses
COLD_START_SCRIPT = """
import json, resource, sys, time
from sim.model import MarketModel, compile_ahead
background = sys.argv[2] == "background"
if background:
    compile_ahead.start()
model = MarketModel(sys.argv[1], seed=1)
model.step()
first = time.time()
as_python = model.runs_as_python
compile_ahead.wait()
model.step()  # now compiled: loads what the background compile cached
usage = resource.getrusage(resource.RUSAGE_SELF)
child = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"first_step_at": first, "ready_at": time.time(), "as_python": as_python,
                  "cpu_s": usage.ru_utime + usage.ru_stime + child.ru_utime + child.ru_stime}))
"""


COLD_START_COLUMNS = ["run", "first_step_s", "engine_ready_s", "cpu_s", "first_step_as_python"]


def cold_start(cache: Path) -> list[dict[str, Any]]:
    """The headline's first step in a fresh interpreter: with an empty cache, the engine
    compiled in the process before the first step (what the library does) and in the
    background while the first steps run as Python (what ``trustmarket run`` and the app
    do); then again with what those runs cached. ``first_step_s``: from launch to the end
    of the first step; ``engine_ready_s``: to the end of a compiled step;
    ``cpu_s``: processor time of the process and its children."""
    rows = []
    for label, cached, mode in (("cold, compiled first", False, "here"),
                                ("cold, compiled in the background", False, "background"),
                                ("warm", True, "background")):
        folder = cache / ("warm" if cached else mode)
        env = {**os.environ, **SINGLE_THREAD, "NUMBA_CACHE_DIR": str(folder if not cached
                                                                     else cache / "here")}
        start = time.time()
        done = subprocess.run([sys.executable, "-c", COLD_START_SCRIPT, str(HEADLINE), mode],
                              env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        out = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append({"run": label, "first_step_s": out["first_step_at"] - start,
                     "engine_ready_s": out["ready_at"] - start, "cpu_s": out["cpu_s"],
                     "first_step_as_python": out["as_python"]})
    return rows


def _in_subprocess(task: str, kwargs: dict[str, Any], cores: int,
                   timeout: float | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its row."""
    env = {**os.environ, **SINGLE_THREAD} if cores == 1 else dict(os.environ)
    payload = json.dumps({"task": task, "kwargs": kwargs, "cores": cores})
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", payload],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker failed ({task} {kwargs}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _worker(payload: str) -> int:
    job = json.loads(payload)
    if job["cores"] and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:job["cores"]])
    if job["task"] == "profile":
        print(profile(**job["kwargs"]))
        return 0
    task = {"measure": measure, "reference": measure_with_reference,
            "end_to_end": end_to_end}[job["task"]]
    print(json.dumps(task(**job["kwargs"])))
    return 0


# ------------------------------------------------------------------ table
def machine() -> str:
    """One line about this machine: CPU model, cores, Python and numpy versions."""
    import platform

    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"# {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"numpy {np.__version__}")



def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if key in ("n", "firms", "steps"):
        return f"{int(value):,}"
    if key == "customer_steps_per_s" or key == "reference_customer_steps_per_s":
        return f"{value / 1e6:.2f}M"
    if key in ("bytes_per_customer", "state_bytes_per_customer", "peak_rss_mb"):
        return f"{value:.0f}"
    if key in ("ratio_vs_reference",):
        return f"{value:.0f}x"
    return f"{value:.3g}"


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] = COLUMNS) -> None:
    """One plain-text table of the rows."""
    cells = [[_fmt(r.get(c), c) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


def write_csv(rows: Sequence[dict[str, Any]], path: Path,
              columns: Sequence[str] = COLUMNS) -> None:
    """The rows as CSV (empty cells where not measured)."""
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: "" if r.get(c) is None else r[c] for c in columns})


def add_scaling(rows: list[dict[str, Any]]) -> None:
    """``step_time_ratio``: each row's time per step over the next smaller size's."""
    for firms in {r["firms"] for r in rows}:
        mine = sorted((r for r in rows if r["firms"] == firms), key=lambda r: r["n"])
        for small, big in itertools.pairwise(mine):
            big["step_time_ratio"] = big["t_step_s"] / small["t_step_s"]


def repeat_scaling(rows: list[dict[str, Any]], pairs: int,
                   measure_point: Callable[[int, int], dict[str, Any]]) -> None:
    """Measure t(1M) / t(100k) on ``pairs`` pairs of points in all, each pair back to
    back: the pair already in ``rows`` and ``pairs - 1`` more from ``measure_point(n,
    firms)``. The 1M row's
    ``step_time_ratio`` becomes the median ratio of the pairs
    (as :func:`_median_and_range` takes it) and ``scaling_range`` gives the lowest and
    highest."""
    small_n, big_n = SCALING_SIZES
    for firms in sorted({r["firms"] for r in rows}):
        by_n = {r["n"]: r for r in rows if r["firms"] == firms}
        if small_n not in by_n or big_n not in by_n:
            continue
        ratios = [by_n[big_n]["t_step_s"] / by_n[small_n]["t_step_s"]]
        for _ in range(pairs - 1):
            small = measure_point(small_n, firms)
            big = measure_point(big_n, firms)
            ratios.append(big["t_step_s"] / small["t_step_s"])
        median, lowest, highest = _median_and_range(ratios, float)
        by_n[big_n]["step_time_ratio"] = median
        by_n[big_n]["scaling_range"] = f"{lowest:.1f}-{highest:.1f} of {len(ratios)}"


def _int_list(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x.strip()]


def build_parser() -> argparse.ArgumentParser:
    """Command-line arguments of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=_int_list, default=[10_000, 100_000, 1_000_000],
                   help="customer counts (default 10000,100000,1000000)")
    p.add_argument("--firms", type=_int_list, default=[2, 4],
                   help="firm counts, 2 and/or 4 (default 2,4)")
    p.add_argument("--steps", type=int, default=20, help="timed steps per point (default 20)")
    p.add_argument("--warmup", type=int, default=8,
                   help="untimed steps before them, after the first (default 8)")
    p.add_argument("--seed", type=int, default=1, help="model seed (default 1)")
    p.add_argument("--engine", default=None,
                   help="MarketModel engine ('numpy', 'numba'; default: the model's)")
    p.add_argument("--repeats", type=int, default=REFERENCE_REPEATS,
                   help="turns of the engine and the reference model at n="
                        f"{REFERENCE_N:,}, taking turns (default {REFERENCE_REPEATS})")
    p.add_argument("--scaling-pairs", type=int, default=SCALING_PAIRS,
                   help="pairs of 100k and 1M points (back to back) whose median time "
                        f"ratio is the scaling figure (default {SCALING_PAIRS}; 1: just the "
                        "table's)")
    p.add_argument("--no-reference", action="store_true",
                   help=f"skip the n={REFERENCE_N:,} reference-model comparison")
    p.add_argument("--graph-builder", choices=("auto", "networkx", "arrays"), default="auto",
                   help="network.builder: 'auto' (the default: array builders above "
                        "100,000 customers), 'networkx' or 'arrays'")
    p.add_argument("--cores", type=int, default=1,
                   help="cores each measurement may use (default 1, as the targets say)")
    p.add_argument("--csv", type=Path, default=None, help="also write the table as CSV")
    p.add_argument("--end-to-end", action="store_true",
                   help=f"only the {END_TO_END_N:,} customers x {END_TO_END_STEPS} steps run")
    p.add_argument("--cold-start", action="store_true",
                   help="seconds to the headline's first step in a fresh interpreter with an "
                        "empty numba cache (compiling), and again with it filled")
    p.add_argument("--profile", action="store_true",
                   help="print a pyinstrument profile of --steps steps at the first size "
                        "and firm count instead (needs pyinstrument)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark points, print the table, write the CSV."""
    args = build_parser().parse_args(argv)
    if args.worker:
        return _worker(args.worker)
    if args.profile:
        job = json.dumps({"task": "profile", "cores": args.cores,
                          "kwargs": {"n": args.sizes[0], "firms": args.firms[0],
                                     "steps": args.steps, "warmup": args.warmup,
                                     "seed": args.seed, "engine": args.engine,
                                     "builder": args.graph_builder}})
        env = {**os.environ, **SINGLE_THREAD} if args.cores == 1 else dict(os.environ)
        return subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", job],
                              env=env, cwd=ROOT).returncode
    if args.cold_start:
        import tempfile

        with tempfile.TemporaryDirectory() as cache:
            rows = cold_start(Path(cache))
        print(machine())
        print_table(rows, COLD_START_COLUMNS)
        if args.csv:
            write_csv(rows, args.csv, COLD_START_COLUMNS)
        return 0
    if args.end_to_end:
        columns = ["n", "firms", "engine", "steps", "wall_s", "startup_s",
                   "customer_steps_per_s", "peak_rss_mb"]
        rows = [_in_subprocess("end_to_end", {"firms": f, "seed": args.seed,
                                              "engine": args.engine,
                                              "builder": args.graph_builder},
                               args.cores) for f in args.firms[:1]]
        print(machine())
        print_table(rows, columns)
        if args.csv:
            write_csv(rows, args.csv, columns)
        return 0
    rows: list[dict[str, Any]] = []
    common = {"steps": args.steps, "warmup": args.warmup, "seed": args.seed,
              "engine": args.engine, "builder": args.graph_builder}
    for firms in args.firms:
        if not args.no_reference:
            rows.append(_in_subprocess("reference", {"n": REFERENCE_N, "firms": firms,
                                                     "repeats": args.repeats, **common},
                                       args.cores))
            print(f"# n={REFERENCE_N} firms={firms} done", file=sys.stderr, flush=True)
        for n in args.sizes:
            rows.append(_in_subprocess("measure", {"n": n, "firms": firms, **common},
                                       args.cores))
            print(f"# n={n} firms={firms} done", file=sys.stderr, flush=True)
    add_scaling(rows)

    def measure_point(n: int, firms: int) -> dict[str, Any]:
        row = _in_subprocess("measure", {"n": n, "firms": firms, **common}, args.cores)
        print(f"# n={n} firms={firms} done (scaling pair)", file=sys.stderr, flush=True)
        return row

    repeat_scaling(rows, args.scaling_pairs, measure_point)
    print(machine())
    print_table(rows)
    for firms in args.firms:
        by_n = {r["n"]: r for r in rows if r["firms"] == firms}
        if all(n in by_n for n in SCALING_SIZES):
            big = by_n[SCALING_SIZES[1]]
            print(f"scaling, {firms} firms: t(1M)/t(100k) = {big['step_time_ratio']:.1f} "
                  f"(median of the pairs, pairs {big['scaling_range']}; target <= 12)")
        big = sorted((r for r in rows if r["firms"] == firms), key=lambda r: r["n"])[-2:]
        if len(big) == 2 and big[1]["n"] > big[0]["n"]:
            marginal = ((big[1]["peak_rss_mb"] - big[0]["peak_rss_mb"]) * 2**20
                        / (big[1]["n"] - big[0]["n"]))
            print(f"memory, {firms} firms: {marginal:.0f} bytes per additional customer "
                  f"(n = {big[0]['n']:,} -> {big[1]['n']:,})")
    if args.csv:
        write_csv(rows, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
