"""What the app reads from a running market, read once per step however many views draw it.

The app talks to the model only through its public surface: ``firms``, ``scenario``,
``steps``, ``graph``, ``firm_timeseries()``, ``market_timeseries()`` and
``customer_table()``. Tables are cached per (model, step); the network's sample and
layout once per graph (a Reset with the same seed draws the same graph, so it is not laid
out again).
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from sim.app.bucket import BucketState
from sim.model import MarketModel
from sim.scenario import CHURN_CAUSES

#: Steps over which the bucket's inflow and holes are averaged ("recently": a quarter).
BUCKET_WINDOW = 13
#: People drawn in the network view; larger markets show one person's neighbourhood.
NETWORK_SAMPLE = 300
_LAYOUTS_KEPT = 8

_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_layouts: OrderedDict[str, NetworkSample] = OrderedDict()


def _cached(model: MarketModel, name: str, make):
    entry = _tables.setdefault(model, {})
    hit = entry.get(name)
    if hit is None or hit[0] != model.steps:
        hit = entry[name] = (model.steps, make())
    return hit[1]


def firm_series(model: MarketModel) -> pd.DataFrame:
    """``model.firm_timeseries()`` (empty before the first step), once per step."""
    return _cached(model, "firms", lambda: model.firm_timeseries() if model.steps else
                   pd.DataFrame())


def market_series(model: MarketModel) -> pd.DataFrame:
    """``model.market_timeseries()`` (empty before the first step), once per step."""
    return _cached(model, "market", lambda: model.market_timeseries() if model.steps else
                   pd.DataFrame())


#: The firm columns the views draw.
DRAWN = ("step", "profit", "cumulative_profit", "active_customers", "new_customers",
         *(f"churn_{c}" for c in CHURN_CAUSES), "stage_none", "stage_cognitive",
         "stage_emotional", "stage_behavioural")


class _Recorder:
    """The drawn columns per firm, grown by one row a step from the firms' own metric
    values (``firm.metrics``) instead of rebuilding ``firm_timeseries()`` every step."""

    def __init__(self, model: MarketModel):
        ts = firm_series(model)  # the canonical table, once
        self.steps = model.steps
        self.rows: dict[str, dict[str, list[float]]] = {
            f.name: {c: [] for c in DRAWN} for f in model.firms}
        if not ts.empty:
            for name, rows in ts.groupby("firm", sort=False):
                self.rows[name] = {c: rows[c].astype(float).tolist() for c in DRAWN}

    def append(self, model: MarketModel) -> None:
        for f in model.firms:
            values = f.metrics
            mine = self.rows[f.name]
            mine["step"].append(float(model.steps))
            for c in DRAWN[1:]:
                mine[c].append(values[c])
        self.steps = model.steps


_recorders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def firm_arrays(model: MarketModel) -> dict[str, dict[str, np.ndarray]]:
    """Per firm name, every drawn column of ``firm_timeseries()`` as an array (empty before
    the first step), once per step.

    Stepped one step at a time (the app's Step and Play), the columns grow from each
    firm's metrics of the step; after any other jump they are rebuilt from the table."""
    def split() -> dict[str, dict[str, np.ndarray]]:
        recorder = _recorders.get(model)
        if recorder is not None and recorder.steps == model.steps - 1:
            recorder.append(model)
        elif recorder is None or recorder.steps != model.steps:
            recorder = _recorders[model] = _Recorder(model)
        return {name: {c: np.asarray(v, dtype=float) for c, v in columns.items()}
                for name, columns in recorder.rows.items()}

    return _cached(model, "arrays", split)


def buckets(model: MarketModel, window: int = BUCKET_WINDOW) -> tuple[list[BucketState], float]:
    """Every firm's bucket over the last ``window`` steps, and the level of a full bucket
    (shared: one and a half times the firms' even share of the first customers, or the
    largest level any firm reached)."""
    arrays = firm_arrays(model)
    n = len(model.firms)
    capacity = max(1.0, model.scenario.customers.n_initial / max(1, n) * 1.5)
    out = []
    for f in model.firms:
        a = arrays[f.name]
        if not len(a["step"]):
            out.append(BucketState(f.name, 0.0, 0.0, dict.fromkeys(CHURN_CAUSES, 0.0)))
            continue
        out.append(BucketState(f.name, float(a["active_customers"][-1]),
                               float(a["new_customers"][-window:].mean()),
                               {c: float(a[f"churn_{c}"][-window:].mean()) for c in CHURN_CAUSES}))
        capacity = max(capacity, float(a["active_customers"].max()))
    return out, capacity


@dataclass(frozen=True)
class NetworkSample:
    """The people the network view shows, their layout in [0, 1]^2 and the edges among
    them as one SVG path (in the same unit square)."""

    nodes: np.ndarray
    positions: np.ndarray
    edges_path: str
    total: int


def _digest(model: MarketModel) -> str:
    g = model.graph
    h = hashlib.blake2b(digest_size=16)
    h.update(np.int64(g.n_nodes).tobytes())
    h.update(b"well-mixed" if g.well_mixed else np.ascontiguousarray(g.indptr).tobytes())
    if not g.well_mixed:
        h.update(np.ascontiguousarray(g.indices).tobytes())
    return h.hexdigest()


def _neighbourhood(model: MarketModel, size: int) -> np.ndarray:
    """Breadth-first from one person until ``size`` people (then anyone, if sparse)."""
    g, n = model.graph, model.graph.n_nodes
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(0)  # the view's choice, not the model's randomness
    if g.well_mixed:
        return np.sort(rng.choice(n, size, replace=False))
    start = int(rng.integers(n))
    seen, frontier = {start}, [start]
    while frontier and len(seen) < size:
        nxt = []
        for v in frontier:
            for w in g.neighbours(v).tolist():
                if w not in seen and len(seen) < size:
                    seen.add(w)
                    nxt.append(w)
        frontier = nxt
    if len(seen) < size:
        rest = np.setdiff1d(np.arange(n), np.fromiter(seen, int))
        seen.update(rng.choice(rest, size - len(seen), replace=False).tolist())
    return np.array(sorted(seen))


def network_sample(model: MarketModel, size: int = NETWORK_SAMPLE) -> NetworkSample:
    """The network view's people and layout, computed once per graph (seeded)."""
    key = f"{_digest(model)}:{size}"
    if key in _layouts:
        _layouts.move_to_end(key)
        return _layouts[key]
    nodes = _neighbourhood(model, size)
    sub = nx.Graph()
    sub.add_nodes_from(nodes.tolist())
    if not model.graph.well_mixed:
        chosen = set(nodes.tolist())
        for v in nodes.tolist():
            sub.add_edges_from((v, w) for w in model.graph.neighbours(v).tolist()
                               if w in chosen and w > v)
    layout = nx.spring_layout(sub, seed=42, iterations=60)
    pos = np.array([layout[v] for v in nodes.tolist()], dtype=float).reshape(-1, 2)
    low, high = pos.min(axis=0), pos.max(axis=0)
    pos = (pos - low) / np.where(high > low, high - low, 1.0)
    index = {v: k for k, v in enumerate(nodes.tolist())}
    path = "".join(f"M{pos[index[a], 0]:.4f},{pos[index[a], 1]:.4f}"
                   f"L{pos[index[b], 0]:.4f},{pos[index[b], 1]:.4f}" for a, b in sub.edges())
    sample = NetworkSample(nodes, pos, path, model.graph.n_nodes)
    _layouts[key] = sample
    while len(_layouts) > _LAYOUTS_KEPT:
        _layouts.popitem(last=False)
    return sample


def network_colours(model: MarketModel, sample: NetworkSample
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person shown: current firm (-1: none), trust stage with it, in the market now."""
    people = model.customer_table().iloc[sample.nodes]
    present = ~people["lifecycle"].isin(["absent", "gone"]).to_numpy()
    return (people["firm"].to_numpy(int), people["trust_stage"].to_numpy(int), present)
