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

# Above ARRAY_BUILDER_THRESHOLD nodes ``builder = 'auto'`` draws generator graphs with the
# array builders of :mod:`sim.network.arrays`: networkx needs ~27 s and 2.3 GB for a
# 1M-node Watts-Strogatz graph and its conversion, the arrays ~2 s and 0.4 GB.
from sim.scenario.limits import ARRAY_BUILDER_THRESHOLD


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


def _refuse(path: Path, message: str) -> ScenarioError:
    return ScenarioError(str(path), [Problem("network.path", str(path), message)], GRAPH_FILE)


def graph_format(path: Path, fmt: str = "auto") -> str:
    """``"graphml"`` or ``"edgelist"``: ``fmt``, or guessed from the file's suffix."""
    if fmt == "auto":
        return "graphml" if path.suffix.lower() in (".graphml", ".xml") else "edgelist"
    return fmt


def read_edgelist(path: Path) -> nx.Graph:
    """An edge list: two node labels per line (``#`` starts a comment).

    Lines with one label or with more than two columns are refused, naming the line: the
    model's word of mouth has no edge weights, so a third column (a weight, a timestamp)
    would otherwise be silently dropped.
    """
    g = nx.Graph()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) == 1:
                raise _refuse(path, f"line {number} has one node label ({fields[0][:40]}); "
                              "an edge list has two node labels per line")
            if len(fields) > 2:
                raise _refuse(path, f"line {number} has {len(fields)} columns "
                              f"({' '.join(fields)[:60]}); an edge list has two node labels "
                              "per line, and the model has no edge weights or attributes: "
                              "keep only the first two columns")
            g.add_edge(*fields)
    return g


def read_graph_file(path: Path, fmt: str = "auto",
                    notes: list[str] | None = None) -> nx.Graph:
    """Read an edge-list or GraphML file as an undirected graph, with errors that name
    the file.

    A directed GraphML graph is used as undirected (an arc either way links two
    customers, and word of mouth travels both ways along a link), saying so in
    ``notes``; edges that carry a ``weight`` are refused, as the model has no edge
    weights.
    """
    fmt = graph_format(path, fmt)
    try:
        g = nx.read_graphml(path) if fmt == "graphml" else read_edgelist(path)
    except ScenarioError:
        raise
    except Exception as exc:  # networkx raises many kinds on malformed files
        raise _refuse(path, f"cannot read {fmt} graph: {exc}") from exc
    weighted = next((d for *_, d in g.edges(data=True)
                     if any(str(k).lower() == "weight" for k in d)), None)
    if weighted is not None:
        raise _refuse(path, f"its edges carry weights ({str(weighted)[:60]}); the model's "
                      "word of mouth has no edge weights: remove the weight attribute")
    if g.is_directed():
        undirected = nx.Graph(g)
        if notes is not None:
            notes.append(f"{path}: the graph is directed ({g.number_of_edges()} arcs); "
                         f"used as undirected ({undirected.number_of_edges()} links: word of "
                         "mouth travels both ways along a link)")
        return undirected
    return nx.Graph(g)


def check_graph_file(scenario: Scenario) -> list[str]:
    """Read a ``kind='file'`` graph and check it against the scenario, raising
    :class:`ScenarioError`; return notes about conversions (a directed graph used as
    undirected) for the caller to print."""
    notes: list[str] = []
    if scenario.network.kind != "file":
        return notes
    path = graph_path(scenario)
    _check_size(read_graph_file(path, scenario.network.format, notes), scenario, path)
    return notes


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
