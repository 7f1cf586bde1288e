"""Graphs: generators by name seeded from the model, files, and the CSR arrays."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.network import build_graph, from_edges, from_networkx, generate
from sim.scenario import NetworkSpec


@pytest.mark.parametrize("kind,k", [("watts_strogatz", 6), ("barabasi_albert", 6),
                                    ("erdos_renyi", 6), ("complete", 0), ("empty", 0)])
def test_generators_are_symmetric_seeded_and_sized(kind, k):
    spec = NetworkSpec(kind=kind, mean_degree=k)
    n = 200
    a, b, c = generate(spec, n, 7), generate(spec, n, 7), generate(spec, n, 8)
    assert a.n_nodes == n
    assert np.array_equal(a.indices, b.indices)
    src = np.repeat(np.arange(n), a.degree)
    pairs = set(zip(src.tolist(), a.indices.tolist(), strict=True))
    assert all((v, u) in pairs for u, v in pairs)
    assert all(u != v for u, v in pairs)
    if kind == "complete":
        assert (a.degree == n - 1).all()
    elif kind == "empty":
        assert a.indices.size == 0
    else:
        assert a.degree.mean() == pytest.approx(k, rel=0.15)
        assert not np.array_equal(a.indices, c.indices)


def test_from_edges_drops_loops_and_duplicates():
    g = from_edges(4, np.array([[0, 1], [1, 0], [2, 2], [1, 3]]))
    assert g.degree.tolist() == [1, 2, 0, 1]
    assert sorted(g.neighbours(1).tolist()) == [0, 3]


def test_round_trip_networkx():
    h = nx.karate_club_graph()
    g = from_networkx(h)
    expected = {tuple(sorted(e)) for e in nx.convert_node_labels_to_integers(h).edges()}
    assert {tuple(sorted(e)) for e in g.to_networkx().edges()} == expected


@pytest.mark.parametrize("fmt", ["edgelist", "graphml"])
def test_graph_files_are_read(tmp_path, headline, fmt):
    ring = nx.cycle_graph(30)
    path = tmp_path / f"ring.{fmt}"
    (nx.write_edgelist(ring, path, data=False) if fmt == "edgelist"
     else nx.write_graphml(ring, path))
    s = headline.with_overrides({"customers.n_initial": 30, "network.kind": "file",
                                 "network.path": str(path), "network.mean_degree": 0})
    g = build_graph(s, seed=0)
    assert g.n_nodes == 30 and (g.degree == 2).all()
