"""Building the scenario's graph: networkx generators by name (seeded from the model's
random generator, never networkx's global one), the array builders of
:mod:`sim.network.arrays` for large markets, or an edge-list / GraphML file.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np

from sim.network import arrays, like_networkx
from sim.network.graph import Graph, from_edges, from_networkx
from sim.scenario import NetworkSpec, Problem, Scenario, ScenarioError, graph_path

#: Above this many nodes ``builder = 'auto'`` draws generator graphs with the array
#: builders of :mod:`sim.network.arrays`: networkx needs ~27 s and 2.3 GB for a 1M-node
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
        p = spec.rewire_probability if spec.kind == "watts_strogatz" else None
        return arrays.BUILDERS[spec.kind](n_nodes, k, p, np.random.default_rng(seed))
    exact = like_networkx.generate(spec.kind, n_nodes, k, spec.rewire_probability, seed)
    if exact is not None:  # the graph networkx would draw, drawn faster
        return exact
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
    """Whether :func:`generate` draws this graph with :mod:`sim.network.arrays`."""
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
