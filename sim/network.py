"""The social graph word of mouth travels on, as compact CSR arrays.

Graphs come from networkx generators chosen by name (seeded from the model's random
generator, never networkx's global one) or from an edge-list / GraphML file. They are
converted once to ``(indptr, indices)`` arrays; the rules only ever see those.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from sim.scenario import NetworkSpec, Scenario, graph_path
from sim.validation import Problem, ScenarioError


@dataclass(frozen=True)
class Graph:
    """An undirected graph in compressed sparse row form.

    ``indices[indptr[i]:indptr[i + 1]]`` are the neighbours of node ``i``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    #: Everyone is everyone's neighbour (a complete graph); ``indptr`` is all zeros and
    #: ``indices`` empty, because n(n - 1) stored edges would not fit at market sizes.
    well_mixed: bool = False

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @property
    def degree(self) -> np.ndarray:
        """Number of neighbours of each node."""
        if self.well_mixed:
            return np.full(self.n_nodes, max(self.n_nodes - 1, 0), dtype=np.int64)
        return np.diff(self.indptr)

    def neighbours(self, node: int) -> np.ndarray:
        """Neighbours of one node."""
        if self.well_mixed:
            return np.delete(np.arange(self.n_nodes, dtype=np.int32), node)
        return self.indices[self.indptr[node]:self.indptr[node + 1]]

    def to_networkx(self) -> nx.Graph:
        """The same graph as a networkx Graph (for display and analysis)."""
        if self.well_mixed:
            return nx.complete_graph(self.n_nodes)
        g = nx.Graph()
        g.add_nodes_from(range(self.n_nodes))
        src = np.repeat(np.arange(self.n_nodes), self.degree)
        g.add_edges_from(zip(src.tolist(), self.indices.tolist(), strict=False))
        return g


def from_edges(n_nodes: int, edges: np.ndarray) -> Graph:
    """Build a symmetric CSR graph from an ``(m, 2)`` array of undirected edges.

    Self-loops and duplicate edges are dropped. O(m log m).
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    edges = edges[edges[:, 0] != edges[:, 1]]
    both = np.concatenate([edges, edges[:, ::-1]])
    key = np.unique(both[:, 0] * n_nodes + both[:, 1])
    src, dst = np.divmod(key, n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
    index_type = np.int32 if n_nodes < 2**31 else np.int64
    return Graph(indptr=indptr, indices=dst.astype(index_type))


def from_networkx(g: nx.Graph) -> Graph:
    """Convert a networkx graph, numbering nodes in their iteration order."""
    index = {node: i for i, node in enumerate(g.nodes())}
    edges = np.array([(index[u], index[v]) for u, v in g.edges()], dtype=np.int64)
    return from_edges(len(index), edges)


#: Above this many nodes ``builder = 'auto'`` draws generator graphs with the array
#: builders of :mod:`sim.fast_graphs`: networkx needs ~27 s and 2.3 GB for a 1M-node
#: Watts-Strogatz graph and its conversion, the arrays ~2 s and 0.4 GB.
ARRAY_BUILDER_THRESHOLD = 100_000


def generate(spec: NetworkSpec, n_nodes: int, seed: int) -> Graph:
    """Build the named generator's graph on ``n_nodes`` nodes.

    Parameters
    ----------
    spec
        The network table of the scenario (``kind``, ``mean_degree``, ``builder``, ...).
    n_nodes
        Number of customers (everyone who is ever in the market).
    seed
        Integer seed drawn from the model's generator, passed on to networkx or to the
        array builder's own ``numpy`` generator.

    Notes
    -----
    Both builders draw the same random-graph model; for one seed they give different
    graphs (different random streams), so a scenario's ``builder`` is part of what
    makes a run reproducible.
    """
    k = spec.mean_degree
    if spec.kind == "well_mixed":
        return Graph(np.zeros(n_nodes + 1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                     well_mixed=n_nodes > 1)
    if n_nodes <= 1 or spec.kind == "empty" or (k == 0 and spec.kind != "complete"):
        return Graph(np.zeros(n_nodes + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    if uses_array_builder(spec, n_nodes):
        from sim import fast_graphs  # imports this module's Graph

        p = spec.rewire_probability if spec.kind == "watts_strogatz" else None
        return fast_graphs.BUILDERS[spec.kind](n_nodes, k, p, np.random.default_rng(seed))
    if spec.kind == "watts_strogatz":
        g = nx.watts_strogatz_graph(n_nodes, k, spec.rewire_probability, seed=seed)
    elif spec.kind == "barabasi_albert":
        g = nx.barabasi_albert_graph(n_nodes, max(1, k // 2), seed=seed)
    elif spec.kind == "erdos_renyi":
        g = nx.fast_gnp_random_graph(n_nodes, k / (n_nodes - 1), seed=seed)
    elif spec.kind == "complete":
        g = nx.complete_graph(n_nodes)
    else:
        raise ValueError(f"unknown generator {spec.kind!r}")
    return from_edges(n_nodes, np.array(g.edges(), dtype=np.int64).reshape(-1, 2))


def uses_array_builder(spec: NetworkSpec, n_nodes: int) -> bool:
    """Whether :func:`generate` draws this graph with :mod:`sim.fast_graphs`."""
    if spec.kind not in ("watts_strogatz", "erdos_renyi", "barabasi_albert"):
        return False
    if spec.builder == "auto":
        return n_nodes > ARRAY_BUILDER_THRESHOLD
    return spec.builder == "arrays"


#: What a graph file's errors call it (:class:`ScenarioError`'s ``what``).
GRAPH_FILE = "graph file"


def read_graph_file(path: Path, fmt: str = "auto") -> nx.Graph:
    """Read an edge-list or GraphML file, with an error that names the file."""
    if fmt == "auto":
        fmt = "graphml" if path.suffix.lower() in (".graphml", ".xml") else "edgelist"
    try:
        if fmt == "graphml":
            g = nx.read_graphml(path)
        else:
            g = nx.read_edgelist(path, nodetype=str, data=False, comments="#")
    except Exception as exc:  # networkx raises many kinds on malformed files
        raise ScenarioError(str(path), [Problem("network.path", str(path),
                                                f"cannot read {fmt} graph: {exc}")],
                            GRAPH_FILE) from exc
    return nx.Graph(g)


def check_graph_file(scenario: Scenario) -> None:
    """Read a ``kind='file'`` graph and check its size, raising :class:`ScenarioError`."""
    if scenario.network.kind != "file":
        return
    path = graph_path(scenario)
    _check_size(read_graph_file(path, scenario.network.format), scenario, path)


def _check_size(g: nx.Graph, scenario: Scenario, path: Path) -> None:
    n = scenario.capacity
    if g.number_of_nodes() != n:
        raise ScenarioError(str(path), [Problem(
            "network.path", str(path),
            f"the graph has {g.number_of_nodes()} nodes but the scenario has {n} customers "
            "(customers.n_initial + arrivals_per_step * run.steps); they must match")],
            GRAPH_FILE)


def build_graph(scenario: Scenario, seed: int) -> Graph:
    """The scenario's graph over all ``scenario.capacity`` customers."""
    spec = scenario.network
    if spec.kind != "file":
        return generate(spec, scenario.capacity, seed)
    path = graph_path(scenario)
    g = read_graph_file(path, spec.format)
    _check_size(g, scenario, path)
    return from_networkx(g)
