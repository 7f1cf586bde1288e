"""Random graphs built straight into CSR arrays, for large markets.

networkx builds a 1M-node Watts-Strogatz graph (k = 10) in about 8 s at 1.25 GB peak
memory, and converting it to arrays costs more than that again. The builders here draw
the same random graph models with whole-array numpy operations and never create a Python
object per node or edge: edges live as int64 keys ``min(u, v) * n + max(u, v)`` while
they are drawn, and the sorted keys of both directions become ``(indptr, indices)``.

Every builder takes ``(n, k, p, rng)`` — number of nodes, mean degree, a model
probability (ignored where the model has none) and the model's
``numpy.random.Generator`` — and returns a :class:`sim.network.graph.Graph` whose neighbour
lists are sorted, like :func:`sim.network.graph.from_edges`.

The graphs follow the same models as networkx's generators, *statistically*; for one seed
they are different graphs (another random stream). Where the vectorised draw resolves a
rare event differently from networkx's sequential loop the function's Notes say so.
"""

from __future__ import annotations

import numpy as np

from sim.network.graph import Graph

#: Give up resolving collisions after this many redraw rounds (each round removes all but
#: a fraction ~ k/n of them, so a handful of rounds always suffices in practice).
MAX_ROUNDS = 200


def watts_strogatz(n: int, k: int, p: float, rng: np.random.Generator) -> Graph:
    """Watts-Strogatz small world: a ring lattice with each edge's far end rewired.

    Parameters
    ----------
    n
        Number of nodes.
    k
        Each node is joined to its ``k // 2`` nearest neighbours on each side of the ring
        (mean degree ``k``; an odd ``k`` is rounded down, as networkx does).
    p
        Probability that a lattice edge ``(u, u + j)`` is rewired to ``(u, w)`` with ``w``
        uniform over the nodes that are neither ``u`` nor already joined to ``u``.
    rng
        The model's random generator.

    Returns
    -------
    Graph
        Symmetric, without self-loops or duplicate edges; exactly ``n * (k // 2)`` edges.

    Notes
    -----
    networkx rewires the lattice edges one at a time (for ``j = 1 .. k/2``, for each
    ``u``), each new end redrawn until it is neither ``u`` nor a current neighbour. Here all
    rewiring decisions and new ends are drawn at once; a new end that would duplicate a
    kept lattice edge or an earlier (lower-index) rewired edge, or meets ``u`` itself, is
    redrawn, in rounds, until none does. The difference from the sequential loop is that
    every edge chosen for rewiring is treated as already removed, so a new end may land
    on a lattice slot that, sequentially, would still have been occupied. That concerns
    a fraction of about ``k / n`` of the rewired edges. When the lattice is already
    complete it is returned as is (networkx skips full nodes too). O(nk log nk) time;
    peak memory about 80 bytes per edge (1M nodes, k = 10: ~2 s, ~0.43 GB).

    References
    ----------
    D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world' networks",
    Nature 393, pp 440-442, 1998.
    """
    half = k // 2
    if n <= 1 or half == 0:
        return _empty(n)
    if 2 * half >= n - 1:  # the lattice is already complete: nothing to rewire to
        return complete(n, k, p, rng)
    u = np.tile(np.arange(n, dtype=np.int64), half)
    v = u + np.repeat(np.arange(1, half + 1, dtype=np.int64), n)
    v[v >= n] -= n
    rewired = np.flatnonzero(rng.random(u.size) < p)
    kept = np.ones(u.size, dtype=bool)
    kept[rewired] = False
    kept_keys = np.sort(_key(u[kept], v[kept], n))
    del kept
    near, before = u[rewired], v[rewired]
    far = np.empty_like(near)
    todo = np.arange(rewired.size)
    for _ in range(MAX_ROUNDS):
        if todo.size == 0:
            break
        # Uniform over the other n - 1 nodes: draw in [0, n-1) and skip over u itself.
        w = rng.integers(0, n - 1, size=todo.size, dtype=np.int64)
        w += w >= near[todo]
        far[todo] = w
        keys = _key(near, far, n)
        # networkx redraws while (u, w) is an edge, the one being rewired included.
        clash = _in_sorted(keys, kept_keys) | (far == before)
        # Among rewired edges the first (lowest index) of equal keys stays, others redraw.
        order = np.argsort(keys, kind="stable")
        repeat = np.zeros(keys.size, dtype=bool)
        repeat[order[1:]] = keys[order[1:]] == keys[order[:-1]]
        todo = np.flatnonzero(clash | repeat)
    else:
        raise RuntimeError("watts_strogatz: could not place the rewired edges without "
                           "duplicates; is the graph nearly complete?")
    v[rewired] = far
    return _csr_from_keys(n, _key(u, v, n))


def erdos_renyi(n: int, k: float, p: float | None, rng: np.random.Generator) -> Graph:
    """Erdős-Rényi G(n, p): every pair of nodes is joined independently.

    Parameters
    ----------
    n
        Number of nodes.
    k
        Mean degree; the edge probability is ``k / (n - 1)`` unless ``p`` is given.
    p
        Edge probability; ``None`` to take it from ``k``.
    rng
        The model's random generator.

    Returns
    -------
    Graph
        Symmetric, without self-loops or duplicate edges.

    Notes
    -----
    Exact in distribution: the number of edges is drawn from Binomial(n(n-1)/2, p), then
    that many distinct pairs uniformly (pairs drawn with replacement, duplicates and
    self-pairs redrawn until the count is reached) — G(n, m) with a binomial m is G(n, p).
    O(m log m). Above p = 0.25 (small, dense graphs) one coin is tossed per pair instead.

    References
    ----------
    P. Erdős and A. Rényi, "On random graphs I", Publ. Math. Debrecen 6, pp 290-297, 1959;
    E. N. Gilbert, "Random graphs", Ann. Math. Statist. 30, pp 1141-1144, 1959.
    """
    if n <= 1:
        return _empty(n)
    if p is None:
        p = k / (n - 1)
    pairs = n * (n - 1) // 2
    if p >= 1:
        return complete(n, n - 1, 1.0, rng)
    if p > 0.25:
        # Dense (hence small) graphs: one coin per pair; pair-drawing would mostly redraw.
        lo, hi = np.triu_indices(n, 1)
        chosen = rng.random(pairs) < p
        return _csr_from_keys(n, lo[chosen].astype(np.int64) * n + hi[chosen])
    m = int(rng.binomial(pairs, p))
    keys = np.zeros(0, dtype=np.int64)
    for _ in range(MAX_ROUNDS):
        missing = m - keys.size
        if missing == 0:
            break
        a = rng.integers(0, n, size=missing, dtype=np.int64)
        b = rng.integers(0, n, size=missing, dtype=np.int64)
        new = _key(a[a != b], b[a != b], n)
        keys = _sorted_unique(np.concatenate([keys, new]))
    else:
        raise RuntimeError("erdos_renyi: could not draw the edges")
    return _csr_from_keys(n, keys)


def barabasi_albert(n: int, k: int, p: float | None, rng: np.random.Generator) -> Graph:
    """Barabási-Albert preferential attachment, by vectorised stub copying.

    Parameters
    ----------
    n
        Number of nodes.
    k
        Mean degree; each new node attaches to ``m = max(1, k // 2)`` distinct earlier
        nodes, with probability proportional to their degree.
    p
        Unused (the model has no probability); kept for a uniform signature.
    rng
        The model's random generator.

    Returns
    -------
    Graph
        Symmetric, without self-loops or duplicate edges; ``m * (n - m)`` edges.

    Notes
    -----
    Starts, like networkx, from a star on ``m + 1`` nodes. Choosing an earlier node by
    degree is choosing a uniform entry of the list of edge ends so far (Batagelj and
    Brandes): edge slot ``e`` of node ``v`` copies the end at a uniform position
    ``r < 2 * (edges before v)``. Ends at even positions are sources (known); an odd
    position is itself a copy, so copies are followed along their chain. Nodes are
    drawn in blocks doubling in size, each block in whole-array rounds: a node whose
    ``m`` targets repeat redraws the later repeats (networkx redraws until it has ``m``
    distinct targets: the same distribution for that node). Within a block a redraw
    can change the targets copied by later nodes of the same block, which then redraw
    their own repeats in the next round — so the draw sequence, not the model, differs
    from networkx's sequential loop in these rare (~ m² / node) cases. O(nm log nm).

    References
    ----------
    A.-L. Barabási and R. Albert, "Emergence of scaling in random networks", Science 286,
    pp 509-512, 1999; V. Batagelj and U. Brandes, "Efficient generation of large random
    networks", Phys. Rev. E 71, 036113, 2005.
    """
    m = max(1, k // 2)
    if n <= 1:
        return _empty(n)
    if m >= n:
        raise ValueError(f"barabasi_albert needs m < n, got m = {m}, n = {n}")
    n_new = n - (m + 1)
    n_edges = m + n_new * m
    # Edge e joins ends[2e] (the newer node) and ends[2e + 1]. The star's edges first.
    ends = np.empty(2 * n_edges, dtype=np.int64)
    ends[0:2 * m:2] = np.arange(1, m + 1)
    ends[1:2 * m:2] = 0
    source = np.repeat(np.arange(m + 1, n, dtype=np.int64), m)
    ends[2 * m::2] = source
    # Edge slots (odd positions) are drawn block by block of nodes, blocks doubling in
    # size: a block's copies point into earlier, final blocks or into its own earlier
    # positions, so each redraw round re-resolves one block only.
    lo_node = m + 1
    while lo_node < n:
        hi_node = min(n, 2 * lo_node)
        first = 2 * (m + (lo_node - (m + 1)) * m)       # first end position of the block
        rows = hi_node - lo_node
        odd = first + 1 + 2 * np.arange(rows * m, dtype=np.int64)
        # A slot of node v copies a uniform end among those of the edges before v.
        limit = 2 * (m + (ends[odd - 1] - (m + 1)) * m)
        ptr = np.empty(odd.size, dtype=np.int64)
        target = np.empty(odd.size, dtype=np.int64)
        todo = np.arange(odd.size)
        for _ in range(MAX_ROUNDS):
            if todo.size == 0:
                break
            ptr[todo] = (rng.random(todo.size) * limit[todo]).astype(np.int64)
            target[:] = _resolve_block(ptr, ends, first)
            todo = np.flatnonzero(_repeats(target.reshape(rows, m)).ravel())
        else:
            raise RuntimeError("barabasi_albert: could not draw distinct targets")
        ends[odd] = target
        lo_node = hi_node
    return _csr_from_keys(n, _key(ends[0::2], ends[1::2], n))


def complete(n: int, k: int = 0, p: float | None = None,
             rng: np.random.Generator | None = None) -> Graph:
    """The complete graph on ``n`` nodes (``k``, ``p`` and ``rng`` are unused)."""
    if n <= 1:
        return _empty(n)
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1)
    full = np.broadcast_to(np.arange(n, dtype=np.int32), (n, n))
    indices = full[~np.eye(n, dtype=bool)]
    return Graph(indptr=indptr, indices=indices)


#: The builders by ``network.kind``.
BUILDERS = {
    "watts_strogatz": watts_strogatz,
    "erdos_renyi": erdos_renyi,
    "barabasi_albert": barabasi_albert,
}


# ------------------------------------------------------------------ helpers
def _empty(n: int) -> Graph:
    return Graph(np.zeros(max(n, 0) + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))


def _key(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Undirected edge key ``min * n + max`` (int64; fits for n < 3e9)."""
    return np.minimum(a, b) * n + np.maximum(a, b)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct keys (sort in place; numpy 2's hash-based ``np.unique`` is far
    slower on millions of int64 keys)."""
    keys.sort()
    keep = np.ones(keys.size, dtype=bool)
    keep[1:] = keys[1:] != keys[:-1]
    return keys[keep]


def _in_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each key occurs in the sorted array (binary search, no hashing)."""
    if sorted_keys.size == 0:
        return np.zeros(keys.size, dtype=bool)
    pos = np.searchsorted(sorted_keys, keys)
    np.minimum(pos, sorted_keys.size - 1, out=pos)
    return sorted_keys[pos] == keys


def _resolve_block(ptr: np.ndarray, ends: np.ndarray, first: int) -> np.ndarray:
    """Node at the end of each slot's copy chain, for the slots ``first + 1, first + 3, ...``.

    ``ptr[i]`` is the end position slot ``i`` copies. Positions before ``first`` and even
    positions (the block's own source ends) are final in ``ends``; an odd position inside
    the block is itself a copy, followed until the chain leaves the block's slots.
    """
    cur = ptr.copy()
    inside = np.flatnonzero((cur >= first) & (cur % 2 == 1))
    while inside.size:
        cur[inside] = ptr[(cur[inside] - first - 1) // 2]
        keep = (cur[inside] >= first) & (cur[inside] % 2 == 1)
        inside = inside[keep]
    return ends[cur]


def _repeats(rows: np.ndarray) -> np.ndarray:
    """Mask of entries equal to an earlier entry of the same row."""
    order = np.argsort(rows, axis=1, kind="stable")
    srt = np.take_along_axis(rows, order, axis=1)
    dup_sorted = np.zeros(srt.shape, dtype=bool)
    dup_sorted[:, 1:] = srt[:, 1:] == srt[:, :-1]
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, order, dup_sorted, axis=1)
    return dup


def _csr_from_keys(n: int, keys: np.ndarray) -> Graph:
    """CSR from distinct undirected keys ``lo * n + hi``: both directions, sorted rows."""
    lo, hi = np.divmod(keys, n)
    del keys
    # Directed key src * n + dst for both directions; sorting them orders rows and
    # neighbours at once, and the row starts are found by binary search (no bincount).
    both = np.concatenate([lo * n + hi, hi * n + lo])
    del lo, hi
    both.sort()
    indptr = np.searchsorted(both, np.arange(n + 1, dtype=np.int64) * n)
    np.remainder(both, n, out=both)
    index_type = np.int32 if n < 2**31 else np.int64
    return Graph(indptr=indptr.astype(np.int64), indices=both.astype(index_type))
