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


def _networkx_csr(g: nx.Graph, n: int):
    return from_edges(n, np.array(g.edges(), dtype=np.int64).reshape(-1, 2))


def _small_world_cases() -> list[tuple[int, int, float, int]]:
    """Sizes, degrees and rewiring probabilities drawn over the whole range, with the
    edges of it: nearly complete rings (k = n - 1), p of 0 and 1, n at and just past a
    power of two (where choice() rejects most and fewest words)."""
    draw = np.random.default_rng(2026)
    cases = [(3, 2, 1.0, 0), (4, 3, 1.0, 1), (2, 1, 1.0, 2), (12, 11, 0.7, 3),
             (1024, 6, 0.3, 4), (1025, 6, 0.3, 5), (513, 20, 1.0, 6), (64, 8, 0.999, 7),
             (1000, 10, 0.1, 2**31 - 2), (200, 10, 1e-4, 8)]
    for case in range(60):
        n = int(draw.integers(2, 40) if case % 2 else draw.integers(40, 700))
        k = int(draw.integers(1, n))
        p = float(draw.choice([0.0, 1.0, draw.random(), draw.random() / 20]))
        cases.append((n, k, p, int(draw.integers(0, 2**31))))
    return cases


@pytest.mark.parametrize(("n", "k", "p", "seed"), _small_world_cases())
def test_watts_strogatz_from_bulk_words_is_networkx_graph_edge_for_edge(n, k, p, seed):
    from sim.network import like_networkx

    got = like_networkx.watts_strogatz(n, k, p, seed)
    expected = _networkx_csr(nx.watts_strogatz_graph(n, k, p, seed=seed), n)
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    assert got.indices.dtype == expected.indices.dtype


@pytest.mark.parametrize("n", [2, 3, 1000, 1024, 1025, 99_999])
def test_bulk_words_are_what_random_draws_one_by_one(n):
    """What the Watts-Strogatz builder assumes of CPython's generator: getrandbits(32 m)
    is the next m words, first word least significant; random() is made of two words;
    choice() of n items is the top n.bit_length() bits of a word, redrawn while >= n."""
    import random

    from sim.network import like_networkx

    bulk, single = random.Random(n), random.Random(n)
    words = like_networkx._Words(bulk, 0.5, 400)
    assert list(words.picks) == [single.getrandbits(32) for _ in range(400)]
    reference = random.Random(n)
    pos = 0
    for _ in range(100):
        if pos + 2 >= len(words.picks):
            words.draw(400)
        below = reference.random() < 0.5
        assert bool(words.below[pos]) == below
        assert (pos in words.hits[pos % 2]) == below
        pos += 2
        node, pos = words.choice(pos, n, 32 - n.bit_length())
        assert node == reference.choice(range(n))
