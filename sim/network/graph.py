"""The social graph word of mouth travels on, as compact CSR arrays.

Whatever builds a graph (a networkx generator, a file, the array builders) ends here:
``(indptr, indices)`` arrays, the only form the engine ever sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np


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
