"""networkx's random-graph generators, edge for edge, without building a networkx graph.

Each function runs the algorithm of the networkx generator it names, making the same
calls on the same ``random.Random(seed)`` (what networkx makes of an integer seed), on
plain Python sets and lists, and returns the CSR :class:`~sim.network.graph.Graph` that
converting networkx's graph gives — same seed, same graph, so results do not change.
networkx's graph objects and the conversion of their edge views were most of a small
market's set-up: at 1,000 nodes 22 ms for a Watts-Strogatz graph, 2.5 ms here.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np

from sim.network.graph import Graph, from_edges


def generate(kind: str, n: int, k: int, p: float | None, seed: int) -> Graph | None:
    """The graph ``sim.network.build.generate`` draws with networkx for ``kind``, or None
    where networkx itself takes another path (complete graphs, ``p`` of 0 or 1 for
    Erdős–Rényi, arguments networkx refuses)."""
    if kind == "watts_strogatz" and 0 < k < n:
        return watts_strogatz(n, k, p, seed)
    if kind == "erdos_renyi" and n > 1 and 0 < k / (n - 1) < 1:
        return erdos_renyi(n, k / (n - 1), seed)
    if kind == "barabasi_albert" and 1 <= max(1, k // 2) < n:
        return barabasi_albert(n, max(1, k // 2), seed)
    return None


def watts_strogatz(n: int, k: int, p: float, seed: int) -> Graph:
    """``nx.watts_strogatz_graph(n, k, p, seed=seed)``: a ring of ``k // 2`` neighbours
    each side; each ring edge ``(u, u + j)``, ``j`` outer and ``u`` inner, rewired with
    probability ``p`` to a uniformly chosen node that is neither ``u`` nor already its
    neighbour. ``0 < k < n``."""
    rng = random.Random(seed)
    nodes = list(range(n))
    adjacent = [set() for _ in nodes]
    half = k // 2
    for j in range(1, half + 1):
        for u in nodes:
            v = (u + j) % n
            adjacent[u].add(v)
            adjacent[v].add(u)
    draw, choice = rng.random, rng.choice
    for j in range(1, half + 1):
        for u in nodes:
            if draw() < p:
                mine = adjacent[u]
                w = choice(nodes)
                while w == u or w in mine:
                    w = choice(nodes)
                    if len(mine) >= n - 1:
                        break  # u is everyone's neighbour: skip this rewiring
                else:
                    v = (u + j) % n
                    mine.remove(v)
                    adjacent[v].remove(u)
                    mine.add(w)
                    adjacent[w].add(u)
    degree = np.fromiter(map(len, adjacent), dtype=np.int64, count=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    neighbours = np.fromiter(itertools.chain.from_iterable(adjacent), dtype=np.int64,
                             count=int(indptr[-1]))
    # each node's neighbours in increasing order, as :func:`from_edges` gives them
    order = np.lexsort((neighbours, np.repeat(np.arange(n), degree)))
    index_type = np.int32 if n < 2**31 else np.int64
    return Graph(indptr=indptr, indices=neighbours[order].astype(index_type))


def erdos_renyi(n: int, p: float, seed: int) -> Graph:
    """``nx.fast_gnp_random_graph(n, p, seed=seed)``: each pair an edge with probability
    ``p``, the gaps between edges drawn geometrically. ``0 < p < 1``."""
    draw = random.Random(seed).random
    log_q = math.log(1.0 - p)
    edges: list[int] = []
    v, w = 1, -1
    while v < n:
        w = w + 1 + int(math.log(1.0 - draw()) / log_q)
        while w >= v and v < n:
            w = w - v
            v = v + 1
        if v < n:
            edges += (v, w)
    return from_edges(n, np.array(edges, dtype=np.int64).reshape(-1, 2))


def barabasi_albert(n: int, m: int, seed: int) -> Graph:
    """``nx.barabasi_albert_graph(n, m, seed=seed)``: a star on ``m + 1`` nodes, then each
    new node attaches to ``m`` distinct nodes drawn in proportion to their degree.
    ``1 <= m < n``."""
    choice = random.Random(seed).choice
    repeated = [0] * m + list(range(1, m + 1))  # the star's nodes, once per edge end
    edges = [(0, leaf) for leaf in range(1, m + 1)]
    for source in range(m + 1, n):
        targets: set[int] = set()  # a set, filled as networkx fills it: the same order
        while len(targets) < m:
            targets.add(choice(repeated))
        edges.extend((source, t) for t in targets)
        repeated.extend(targets)
        repeated.extend([source] * m)
    return from_edges(n, np.array(edges, dtype=np.int64).reshape(-1, 2))
