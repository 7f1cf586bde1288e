"""How much memory a run will need, estimated from the scenario before anything is built.

A market of a million customers is a few hundred megabytes; a large ``mean_degree``, a
complete graph or per-step customer snapshots can make it hundreds of gigabytes, which
would end in ``MemoryError`` after minutes of work, or in swapping. :func:`estimate_run`
adds up what a run holds — the customers' arrays (everyone ever in the market: initial
customers plus every arrival), the customer x firm arrays, the graph in CSR form and
what building it costs on the way (networkx graphs cost far more per edge than the
whole-array builders), per-customer snapshots, recorded purchases, the per-step, per-firm
time series, and
one interpreter per worker process — and :func:`check_memory` compares the total with
the memory available (``MemAvailable`` of ``/proc/meminfo``).

Every per-element constant lives here, measured with
``python benchmarks/memory_constants.py`` (peak resident set of single runs in fresh
processes); ``tests/test_resources.py`` checks the estimate against measured peaks. The
estimate errs on the large side (measured peaks were 0.7-1.0 of it: memory that is
reserved but not yet written does not count in the resident set).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sim.scenario.limits import ARRAY_BUILDER_THRESHOLD
from sim.scenario.load import Scenario, graph_path

MiB = 2**20
GiB = 2**30

# --------------------------------------------------------------------------- constants
#: One worker process before its market: the interpreter, numpy, pandas, Mesa, numba and
#: the compiled engine.
PROCESS_BYTES = 310 * MiB
#: The engine's per-customer arrays (presence, firm, tenure, need, basket, prices, ...).
BYTES_PER_CUSTOMER = 50
#: Per customer and firm: awareness, membership, expectation, trust (18 bytes) and the
#: messages heard in a step (8 bytes).
BYTES_PER_CUSTOMER_FIRM = 26
#: The graph as the engine holds it (CSR): one offset per node, one index per directed
#: edge; copied once onto huge pages, so it is counted twice.
CSR_BYTES_PER_NODE = 8
CSR_BYTES_PER_DIRECTED_EDGE = 4
CSR_COPIES = 2
#: Building a graph, on top of the CSR arrays: the whole-array builders' temporaries (edge
#: pairs, sort keys) per undirected edge, and networkx's dict-of-dicts per edge and node
#: (read from a file or drawn by a networkx generator).
ARRAYS_BUILD_BYTES_PER_EDGE = 58
NETWORKX_BYTES_PER_EDGE = 310
NETWORKX_BYTES_PER_NODE = 300
#: A Watts-Strogatz graph drawn as networkx draws it, from the generator's words in bulk
#: (sim.network.like_networkx): arrays, not a dict-of-dicts (~113 measured, with room).
WATTS_STROGATZ_BUILD_BYTES_PER_EDGE = 150
#: One customer's row of one snapshot (``run.customer_snapshot_every``), including the
#: copies made when snapshots are put together.
SNAPSHOT_BYTES_PER_ROW = 110
#: One firm's metrics of one step, as collected and as a table.
TIMESERIES_BYTES_PER_FIRM_STEP = 3000
#: One customer of a calibration's simulated cohort beyond its market: the cohort's
#: purchases, summary and statistics (``trustmarket calibrate``).
COHORT_BYTES_PER_CUSTOMER = 400
#: One recorded purchase (``run.record_purchases``) while the purchase table is built from
#: the rows kept during the run, and once it is built and kept with the results.
PURCHASE_PEAK_BYTES, PURCHASE_KEPT_BYTES = 150, 75
#: Share of the available memory a run may plan to use (the rest: the system, the page
#: cache, other programs).
USABLE_SHARE = 0.9

RANDOM_KINDS = ("watts_strogatz", "erdos_renyi", "barabasi_albert")


@dataclass(frozen=True)
class Estimate:
    """Bytes a run will need, by part (``parts``), and in total."""

    parts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Sum of the parts (bytes)."""
        return sum(self.parts.values())

    def describe(self) -> str:
        """``"2.1 GiB (customers 1.2 GiB, graph 650 MiB, ...)"``, largest parts first."""
        parts = sorted(self.parts.items(), key=lambda kv: -kv[1])
        return f"{size_text(self.total)} (" + ", ".join(
            f"{name} {size_text(b)}" for name, b in parts if b >= MiB) + ")"


def size_text(n: float) -> str:
    """Bytes as ``"512 MiB"`` or ``"3.2 GiB"``."""
    if n >= GiB:
        return f"{n / GiB:,.1f} GiB"
    return f"{n / MiB:,.0f} MiB"


def undirected_edges(scenario: Scenario) -> int:
    """Expected undirected edges of the scenario's graph (counted in the file for
    ``kind = 'file'``: lines of an edge list, ``<edge`` elements of GraphML)."""
    net, n = scenario.network, scenario.capacity
    k = net.mean_degree
    if net.kind in ("well_mixed", "empty") or n <= 1:
        return 0
    if net.kind == "complete":
        return n * (n - 1) // 2
    if net.kind == "file":
        return _edges_in_file(graph_path(scenario))
    if k == 0:
        return 0
    if net.kind == "barabasi_albert":
        m = max(1, k // 2)
        return m * max(n - m, 0)
    return n * k // 2


def _edges_in_file(path: Path) -> int:
    """Edges in a graph file, counted without parsing it (lines, or GraphML ``<edge``)."""
    marker = b"<edge" if path.suffix.lower() in (".graphml", ".xml") else b"\n"
    count, tail = 0, b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                data = tail + chunk
                count += data.count(marker)
                tail = data[-(len(marker) - 1):] if len(marker) > 1 else b""
                if marker != b"\n":
                    count -= tail.count(marker)  # not yet whole: counted with the next
    except OSError:
        return 0  # the graph check reports the file itself
    return count


def uses_networkx(scenario: Scenario) -> bool:
    """Whether building the graph goes through a networkx graph (files, ``complete``,
    and generators below the array-builder threshold or with ``builder = 'networkx'``)."""
    net = scenario.network
    if net.kind == "file" or net.kind == "complete":
        return True
    if net.kind not in RANDOM_KINDS:
        return False
    if net.builder == "auto":
        return scenario.capacity <= ARRAY_BUILDER_THRESHOLD
    return net.builder == "networkx"


def recorded_purchases(scenario: Scenario) -> float:
    """Purchases a market records at most: every customer ever in it buying at each
    purchase occasion (``run.record_purchases``; 0 when off)."""
    if not scenario.run.record_purchases:
        return 0.0
    return scenario.capacity * scenario.run.steps * scenario.customers.purchase_probability


def estimate_model(scenario: Scenario) -> Estimate:
    """Bytes one replication's market needs at its peak, in one process (without the
    process itself)."""
    n, firms, steps = scenario.capacity, scenario.n_firms, scenario.run.steps
    edges = undirected_edges(scenario)
    csr = CSR_COPIES * (CSR_BYTES_PER_NODE * n + CSR_BYTES_PER_DIRECTED_EDGE * 2 * edges)
    if uses_networkx(scenario):
        per_edge = (WATTS_STROGATZ_BUILD_BYTES_PER_EDGE
                    if scenario.network.kind == "watts_strogatz" else NETWORKX_BYTES_PER_EDGE)
        build = per_edge * edges + NETWORKX_BYTES_PER_NODE * n
    else:
        build = ARRAYS_BUILD_BYTES_PER_EDGE * edges
    every = scenario.run.customer_snapshot_every
    snapshots = (steps // every) * n * SNAPSHOT_BYTES_PER_ROW if every else 0
    return Estimate({
        "customers": BYTES_PER_CUSTOMER * n,
        "customers x firms": BYTES_PER_CUSTOMER_FIRM * n * firms,
        "graph": csr + build,
        "customer snapshots": snapshots,
        "recorded purchases": int(PURCHASE_PEAK_BYTES * recorded_purchases(scenario)),
        "time series": TIMESERIES_BYTES_PER_FIRM_STEP * steps * firms,
    })


def estimate_run(scenario: Scenario, replications: int | None = None,
                 workers: int = 1, keep_results: bool = True) -> Estimate:
    """Bytes a run of ``replications`` (default ``run.replications``) on ``workers``
    processes needs at its peak.

    Parameters
    ----------
    scenario
        The validated scenario.
    replications
        Replications run; with ``keep_results`` their time series and snapshots are all
        held until they are written (``trustmarket run``, ``compare``, ``claims``).
    workers
        Processes that each build a market at once (each with its own interpreter).
    keep_results
        False for sweeps, which keep only a few numbers per run.
    """
    model = estimate_model(scenario)
    reps = scenario.run.replications if replications is None else replications
    parallel = max(1, min(workers, reps))
    parts = {"interpreters": PROCESS_BYTES * (parallel + (parallel > 1))}
    for name, b in model.parts.items():
        parts[name] = b * parallel
    if keep_results:
        kept = (model.parts["time series"] + model.parts["customer snapshots"]
                + int(PURCHASE_KEPT_BYTES * recorded_purchases(scenario)))
        parts["results kept"] = kept * max(reps - parallel, 0)
    return Estimate(parts)


def available_memory() -> int | None:
    """Bytes of memory available to new work: ``MemAvailable`` of ``/proc/meminfo``
    (None where the system does not say)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if hasattr(os, "sysconf"):
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            return None
    return None


class ResourceError(RuntimeError):
    """A run would need more memory than the machine has available."""

    def __init__(self, source: str, estimate: Estimate, limit: int, override: str):
        self.source, self.estimate, self.limit = source, estimate, limit
        super().__init__(
            f"{source}: the run needs about {estimate.describe()}, more than the "
            f"{size_text(limit)} this machine can give it ({USABLE_SHARE:.0%} of "
            f"{size_text(limit / USABLE_SHARE)} available); make the market smaller "
            "(customers.n_initial, arrivals_per_step, network.mean_degree, "
            f"run.customer_snapshot_every, fewer --workers) or pass {override} to run it "
            "anyway")


def check_memory(scenario: Scenario, estimate: Estimate, override: str = "--allow-large",
                 available: int | None = None) -> None:
    """Raise :class:`ResourceError` if ``estimate`` exceeds the usable share of the
    available memory (``available``, default :func:`available_memory`)."""
    free = available_memory() if available is None else available
    if free is None:
        return
    limit = int(free * USABLE_SHARE)
    if estimate.total > limit:
        raise ResourceError(scenario.source, estimate, limit, override)
