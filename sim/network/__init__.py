"""Networks: the social graph as CSR arrays, and the builders that make it.

Imports :mod:`sim.scenario` only.
"""

from sim.network.build import (
    ARRAY_BUILDER_THRESHOLD,
    build_graph,
    check_graph_file,
    generate,
    read_graph_file,
    uses_array_builder,
)
from sim.network.graph import Graph, from_edges, from_networkx

__all__ = ["ARRAY_BUILDER_THRESHOLD", "Graph", "build_graph", "check_graph_file", "from_edges",
           "from_networkx", "generate", "read_graph_file", "uses_array_builder"]
