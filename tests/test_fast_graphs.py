"""Array-built random graphs: valid CSR, seeded, and the same models as networkx's.

Statistical comparisons pool 5 fixed seeds per side at n = 2,000 (k = 10); tolerances are
several standard errors of the pooled figures measured over those seeds. Runtime ~3 s.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.network import Graph, from_networkx
from sim.network import arrays as fg

N, K, P = 2000, 10, 0.1
SEEDS = range(5)


def _fast(kind: str, n: int, k: int, seed: int, p: float | None = P) -> Graph:
    return fg.BUILDERS[kind](n, k, None if kind == "erdos_renyi" else p,
                             np.random.default_rng(seed))


def _networkx(kind: str, n: int, k: int, seed: int) -> Graph:
    if kind == "watts_strogatz":
        return from_networkx(nx.watts_strogatz_graph(n, k, P, seed=seed))
    if kind == "erdos_renyi":
        return from_networkx(nx.fast_gnp_random_graph(n, k / (n - 1), seed=seed))
    return from_networkx(nx.barabasi_albert_graph(n, k // 2, seed=seed))


def _assert_valid(g: Graph, n: int) -> None:
    """Symmetric, no self-loops or duplicates, rows sorted, int32 indices."""
    assert g.n_nodes == n
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.indptr[0] == 0 and g.indptr[-1] == g.indices.size
    src = np.repeat(np.arange(n, dtype=np.int64), g.degree)
    dst = g.indices.astype(np.int64)
    assert not (src == dst).any()
    key = src * n + dst
    assert (np.diff(key) > 0).all()                     # rows sorted, no duplicates
    assert np.array_equal(np.sort(dst * n + src), key)  # every edge both ways


KINDS = list(fg.BUILDERS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n,k", [(N, K), (101, 4), (12, 6)])
def test_graphs_are_valid_and_seeded(kind, n, k):
    a, b, c = _fast(kind, n, k, 7), _fast(kind, n, k, 7), _fast(kind, n, k, 8)
    _assert_valid(a, n)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    if kind == "watts_strogatz":
        assert a.indices.size == n * k                  # n * k/2 edges, each stored twice
    elif kind == "barabasi_albert":
        m = k // 2
        assert a.indices.size == 2 * m * (n - m)        # networkx's count too
        assert a.degree[m + 1:].min() >= m                 # every newcomer brings m edges


@pytest.mark.parametrize("kind", KINDS)
def test_statistics_match_networkx(kind):
    ours = [_fast(kind, N, K, s) for s in SEEDS]
    theirs = [_networkx(kind, N, K, 100 + s) for s in SEEDS]
    deg_ours = np.concatenate([g.degree for g in ours])
    deg_theirs = np.concatenate([g.degree for g in theirs])
    assert deg_ours.mean() == pytest.approx(deg_theirs.mean(), abs=0.1)
    assert deg_ours.std() == pytest.approx(deg_theirs.std(), rel=0.06)
    # Degree histograms with the (heavy, for BA) tail pooled from degree 30 on.
    h_ours = np.bincount(np.minimum(deg_ours, 30), minlength=31) / deg_ours.size
    h_theirs = np.bincount(np.minimum(deg_theirs, 30), minlength=31) / deg_theirs.size
    assert 0.5 * np.abs(h_ours - h_theirs).sum() < 0.03  # total variation distance
    c_ours = np.mean([nx.average_clustering(g.to_networkx()) for g in ours])
    c_theirs = np.mean([nx.average_clustering(g.to_networkx()) for g in theirs])
    assert c_ours == pytest.approx(c_theirs, rel=0.1, abs=0.002)


def test_watts_strogatz_without_rewiring_is_the_networkx_lattice():
    ours = _fast("watts_strogatz", 50, 6, 0, p=0.0)
    lattice = nx.watts_strogatz_graph(50, 6, 0.0, seed=0)
    assert {tuple(sorted(e)) for e in ours.to_networkx().edges()} == \
        {tuple(sorted(e)) for e in lattice.edges()}


def test_watts_strogatz_clustering_follows_the_rewiring_law():
    # Barrat and Weigt: C(p) ~ C(0) (1 - p)^3, with C(0) = 3(k - 2) / (4(k - 1)).
    for p in (0.0, 0.3, 1.0):
        g = _fast("watts_strogatz", N, K, 3, p=p)
        _assert_valid(g, N)
        c = nx.average_clustering(g.to_networkx())
        expected = 3 * (K - 2) / (4 * (K - 1)) * (1 - p) ** 3 + K / N
        assert c == pytest.approx(expected, abs=0.02)


def test_erdos_renyi_edge_count_is_binomial():
    pairs = N * (N - 1) // 2
    p = K / (N - 1)
    counts = np.array([_fast("erdos_renyi", N, K, s).indices.size // 2 for s in range(20)])
    sd = np.sqrt(pairs * p * (1 - p))
    assert abs(counts.mean() - pairs * p) < 3 * sd / np.sqrt(20)
    assert counts.std() == pytest.approx(sd, rel=0.5)


def test_degenerate_sizes():
    rng = np.random.default_rng(0)
    for build in fg.BUILDERS.values():
        for n in (0, 1):
            g = build(n, 4, None, rng)
            assert g.n_nodes == n and g.indices.size == 0
    full = fg.watts_strogatz(5, 4, 0.5, rng)             # the lattice is already complete
    assert (full.degree == 4).all()
    assert fg.watts_strogatz(30, 0, 0.5, rng).indices.size == 0
    with pytest.raises(ValueError):
        fg.barabasi_albert(3, 6, None, rng)


@pytest.mark.parametrize("builder, n, arrays", [
    ("auto", 500, False), ("auto", 100_001, True), ("networkx", 100_001, False),
    ("arrays", 500, True),
])
def test_scenario_builder_chooses_the_path(builder, n, arrays):
    from sim.network import generate, uses_array_builder
    from sim.scenario import NetworkSpec

    spec = NetworkSpec(kind="watts_strogatz", mean_degree=4, builder=builder)
    assert uses_array_builder(spec, n) is arrays
    if n <= 500:
        expected = (_fast("watts_strogatz", n, 4, 7) if arrays
                    else from_networkx(nx.watts_strogatz_graph(n, 4, P, seed=7)))
        got = generate(spec, n, seed=7)
        np.testing.assert_array_equal(got.indptr, expected.indptr)
        np.testing.assert_array_equal(got.indices, expected.indices)


def test_complete_graph_never_uses_the_array_builders():

    from sim.network import uses_array_builder
    from sim.scenario import NetworkSpec
    assert not uses_array_builder(NetworkSpec(kind="complete", builder="arrays"), 10)
