"""networkx's random-graph generators, edge for edge, without building a networkx graph.

Each function runs the algorithm of the networkx generator it names, making the same
calls on the same ``random.Random(seed)`` (what networkx makes of an integer seed), on
plain Python sets and lists, and returns the CSR :class:`~sim.network.graph.Graph` that
converting networkx's graph gives — same seed, same graph, so results do not change.
networkx's graph objects and the conversion of their edge views were most of a small
market's set-up: at 1,000 nodes 22 ms for a Watts-Strogatz graph, 2.5 ms here.
"""

from __future__ import annotations

import array
import bisect
import math
import random
import sys

import numpy as np

from sim.network.graph import Graph, from_edges

_TWO_26, _TWO_53 = 67108864.0, 9007199254740992.0


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
    neighbour. ``0 < k < n``.

    networkx's loop calls ``random()`` once per ring edge and ``choice(nodes)`` per try
    of a new end, both reading the Mersenne Twister of ``random.Random(seed)``
    (:class:`_Words`). Here the generator's words are drawn in bulk, every ``random()``
    they make is computed at once, and the loop visits only the edges rewired; the ring
    is never built as sets (an edge is on it when its ends are at most ``k // 2`` apart).
    """
    half = k // 2
    n_edges = half * n  # edge e is (e % n, (e % n + e // n + 1) % n)
    words = _Words(random.Random(seed), p, 2 * n_edges + int(1.2 * p * n_edges) + 64)
    picks, below, hits = words.picks, words.below, words.hits
    shift = 32 - n.bit_length()
    removed: set[int] = set()  # keys u * n + v (u < v) of ring edges rewired away
    added: set[int] = set()
    rewired: list[int] = []
    degree = [2 * half] * n

    def joined(u: int, w: int) -> bool:  # w is u, or u's neighbour now (ring or rewired)
        key = u * n + w if u < w else w * n + u
        return w == u or key in added or (not half < (w - u) % n < n - half
                                          and key not in removed)

    pos, e = 0, 0  # the next word, the next edge
    while e < n_edges:
        if pos + 2 >= len(picks):  # room for a random() and a choice()
            picks, below, hits = words.draw(2 * (n_edges - e) + 64)
        if not below[pos]:  # skip to the next edge whose random() is below p
            of_parity = hits[pos & 1]
            i = bisect.bisect_left(of_parity, pos)
            if i == len(of_parity):
                if len(picks) >= pos + 2 * (n_edges - e):
                    break  # no edge left is rewired
                picks, below, hits = words.draw(pos + 2 * (n_edges - e) - len(picks))
                continue
            e += (of_parity[i] - pos) >> 1
            if e >= n_edges:
                break
            pos = of_parity[i]
            if pos + 2 >= len(picks):
                picks, below, hits = words.draw(2 * (n_edges - e) + 64)
        u = e % n
        w = picks[pos + 2] >> shift  # choice(nodes), in one word but 1 time in 2 at most
        pos += 3
        if w >= n:
            w, pos = words.choice(pos, n, shift)
        if joined(u, w):
            # as networkx: draw again until w is neither u nor joined to u ...
            full = degree[u] >= n - 1
            while True:
                w, pos = words.choice(pos, n, shift)
                if full or not joined(u, w):
                    break
            picks, below, hits = words.picks, words.below, words.hits
            if full:  # ... unless u is everyone's neighbour: then skip this rewiring
                e += 1
                continue
        v = (u + e // n + 1) % n
        removed.add(u * n + v if u < v else v * n + u)
        added.add(u * n + w if u < w else w * n + u)
        rewired.append(e)
        degree[v] -= 1
        degree[w] += 1
        e += 1
    ring = np.arange(n_edges, dtype=np.int64)
    source = ring % n
    target = (source + ring // n + 1) % n
    if rewired:
        keep = np.ones(n_edges, dtype=bool)
        keep[rewired] = False
        new = np.fromiter(added, dtype=np.int64, count=len(added))
        source, target = (np.concatenate([source[keep], new // n]),
                          np.concatenate([target[keep], new % n]))
    return _csr(n, source, target)


def _csr(n: int, source: np.ndarray, target: np.ndarray) -> Graph:
    """The CSR graph of undirected edges without self-loops or duplicates, neighbour
    lists in increasing order (as :func:`~sim.network.graph.from_edges` gives them)."""
    key = np.concatenate([source * n + target, target * n + source])
    key.sort(kind="stable")  # runs of sorted keys: timsort is the faster here
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key // n, minlength=n), out=indptr[1:])
    index_type = np.int32 if n < 2**31 else np.int64
    return Graph(indptr=indptr, indices=(key % n).astype(index_type))


class _Words:
    """The 32-bit words a ``random.Random`` draws, taken from it in bulk, and where among
    them a ``random()`` below ``p`` starts.

    CPython's ``random()`` is ``(a * 2**26 + b) / 2**53`` of the next two words' ``a >> 5``
    and ``b >> 6``; ``choice(seq)`` is ``seq[_randbelow(len(seq))]``, the top
    ``len(seq).bit_length()`` bits of one word, drawn again while ``>= len(seq)``; and
    ``getrandbits(32 * m)`` is the next ``m`` words, the first the least significant
    (``tests/test_network.py`` checks all three against ``random.Random`` itself).
    """

    def __init__(self, rng: random.Random, p: float, count: int):
        self._generator = rng
        self._threshold = p * _TWO_53  # random() < p, as an exact comparison of integers
        self._bytes = b""
        self.draw(count)

    def draw(self, count: int) -> tuple[array.array, bytes, tuple[list[int], list[int]]]:
        """Take ``count`` more words from the generator; return every word so far
        (``picks``), whether the ``random()`` starting at each is below ``p`` (``below``)
        and the positions where it is (``hits``: even positions, odd positions)."""
        self._bytes += self._generator.getrandbits(32 * count).to_bytes(4 * count, "little")
        self.picks = array.array("I")
        self.picks.frombytes(self._bytes)
        if sys.byteorder == "big":
            self.picks.byteswap()
        words = np.frombuffer(self._bytes, dtype="<u4")
        below = (words[:-1] >> 5) * _TWO_26 + (words[1:] >> 6) < self._threshold
        self.below = below.tobytes()
        self.hits = tuple((np.flatnonzero(below[parity::2]) * 2 + parity).tolist()
                          for parity in (0, 1))
        return self.picks, self.below, self.hits

    def choice(self, pos: int, n: int, shift: int) -> tuple[int, int]:
        """``choice(range(n))`` from the words at ``pos`` on (``shift``: ``32 -
        n.bit_length()``): the node and the position after the words it took."""
        while True:
            if pos >= len(self.picks):
                self.draw(len(self.picks))
            node = self.picks[pos] >> shift
            pos += 1
            if node < n:
                return node, pos


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
