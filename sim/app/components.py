"""The classroom app's components: live levers, leaky buckets, network, profit, trust ladder.

Each is a Solara component taking the current model, redrawn after every step (Mesa's
``update_counter``). Figures are matplotlib ``Figure`` objects (no pyplot state shared
between browser tabs).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization.utils import force_update, update_counter

from sim.app import controls
from sim.engine.state import Presence
from sim.model import MarketModel
from sim.report import draw_bucket
from sim.rules import trust
from sim.scenario import CHURN_CAUSES

#: Customers drawn in the network view; larger markets show a neighbourhood this big.
NETWORK_SAMPLE = 300
#: Steps over which the bucket's inflow and holes are averaged ("recently").
BUCKET_WINDOW = 13
STAGE_COLOURS = ("#d9d9d9", "#9ecae1", "#3182bd", "#08306b")
STAGE_RGB = np.array([to_rgb(c) for c in STAGE_COLOURS])
NO_FIRM_COLOUR = "#ffffff"
FIRM_MARKERS = ("o", "s", "^", "D", "v", "P")
FIRM_COLOURS = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
#: The levers a teacher moves live: (lever, label, max).
LIVE_LEVERS = (("discount_depth", "discount", 0.6), ("training", "training", 1.0),
               ("service", "service", 1.0), ("advertising", "advertising", 0.2))


def _series(model: MarketModel) -> pd.DataFrame:
    """The firm time series, built once per step however many components draw it."""
    cached = getattr(model, "_app_series", None)
    if cached is None or cached[0] != model.steps:
        cached = (model.steps, model.firm_timeseries() if model.steps else pd.DataFrame())
        model._app_series = cached
    return cached[1]


def _show(css_class: str, figure: Figure) -> None:
    """A figure as a PNG image in a div the browser test can find by ``css_class``."""
    with solara.Div(classes=[css_class]):
        solara.FigureMatplotlib(figure, format="png")


# ------------------------------------------------------------------ live levers
@solara.component
def LiveLevers(model: MarketModel) -> None:
    """Strategy and lever controls per firm, and word-of-mouth reach, applied to the
    running model at once (in force from the next step)."""
    update_counter.get()

    def apply(function, *args) -> None:
        function(model, *args)
        force_update()  # redraw every component, as after a step

    with solara.Card("Levers (live: in force from the next step)",
                     classes=["tm-levers"]):
        with solara.Row():
            for f in model.firms:
                with solara.Column(classes=[f"tm-firm-{f.index}"]):
                    solara.Markdown(f"**{f.name}**")
                    solara.Select(label="strategy", value=f.current_strategy,
                                  values=list(model.scenario.strategies),
                                  on_value=lambda v, i=f.index: apply(controls.set_strategy, i, v))
                    for lever, label, top in LIVE_LEVERS:
                        solara.SliderFloat(
                            label, value=float(getattr(f.levers, lever)), min=0.0, max=top,
                            step=0.01 if top <= 0.2 else 0.05,
                            on_value=lambda v, i=f.index, name=lever: apply(
                                controls.set_lever, i, name, float(v)))
            with solara.Column(classes=["tm-market"]):
                solara.Markdown("**Market**")
                solara.SliderFloat("word of mouth: people told", value=float(
                    model.scenario.customers.wom_reach), min=0.0, max=10.0, step=0.5,
                    on_value=lambda v: apply(controls.set_word_of_mouth, v))
        lines = [f"{f.name} ({f.current_strategy}): discount {f.levers.discount_depth:.0%}, "
                 f"training {f.levers.training:.2f}, service {f.levers.service:.2f}, "
                 f"advertising {f.levers.advertising:.3f}" for f in model.firms]
        lines.append(f"word of mouth: {model.scenario.customers.wom_reach:g} people per speaker")
        solara.Text("In force: " + "; ".join(lines), classes=["tm-in-force"])


# ------------------------------------------------------------------ leaky bucket
def bucket_figure(model: MarketModel, window: int = BUCKET_WINDOW) -> Figure:
    """One leaky bucket per firm: the level is its active customers, the inflow its new
    customers per step and each hole's jet the customers it lost per step, over the last
    ``window`` steps (seed idea: the leaky bucket)."""
    ts = _series(model)
    n = len(model.firms)
    fig = Figure(figsize=(10.0, 3.9))
    axes = fig.subplots(1, n, squeeze=False)[0]
    capacity = max(1.0, float(model.scenario.customers.n_initial) / max(1, n) * 1.5)
    for f, ax in zip(model.firms, axes, strict=True):
        if ts.empty:
            level, inflow, outflows = 0.0, 0.0, dict.fromkeys(CHURN_CAUSES, 0.0)
        else:
            mine = ts[ts["firm"] == f.name].tail(window)
            level = float(mine["active_customers"].iloc[-1])
            inflow = float(mine["new_customers"].mean())
            outflows = {c: float(mine[f"churn_{c}"].mean()) for c in CHURN_CAUSES}
            capacity = max(capacity, float(ts["active_customers"].max()))
        draw_bucket(ax, level, capacity, inflow, outflows,
                    title=f"{f.name}: per step, last {window} steps")
    fig.suptitle(f"The leaky bucket — step {model.steps}", fontsize=11)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.86, wspace=0.05)
    return fig


@solara.component
def BucketView(model: MarketModel) -> None:
    """The leaky bucket of every firm."""
    update_counter.get()
    _show("tm-bucket", bucket_figure(model))


# ------------------------------------------------------------------ network
def network_sample(model: MarketModel, size: int = NETWORK_SAMPLE) -> tuple[np.ndarray, dict]:
    """The customers shown and their layout, computed once per model (seeded).

    A market of at most ``size`` people is shown whole; a larger one shows the
    neighbourhood of one customer (breadth-first, so that its ties are visible).
    """
    cached = getattr(model, "_app_network", None)
    if cached is not None:
        return cached
    g = model.graph.to_networkx() if model.graph.n_nodes <= 2 * size else None
    n = model.graph.n_nodes
    if n <= size:
        nodes = np.arange(n)
    else:
        start = int(np.random.default_rng(0).integers(n))
        seen, frontier = {start}, [start]
        while frontier and len(seen) < size:
            nxt = []
            for v in frontier:
                for w in model.graph.neighbours(v).tolist():
                    if w not in seen and len(seen) < size:
                        seen.add(w)
                        nxt.append(w)
            frontier = nxt
        if len(seen) < size:  # a sparse graph: fill up with other customers
            rest = np.setdiff1d(np.arange(n), np.fromiter(seen, int))
            extra = np.random.default_rng(1).choice(rest, size - len(seen), replace=False)
            seen.update(extra.tolist())
        nodes = np.array(sorted(seen))
    if g is None:
        g = nx.Graph()
        g.add_nodes_from(nodes.tolist())
        chosen = set(nodes.tolist())
        for v in nodes.tolist():
            g.add_edges_from((v, w) for w in model.graph.neighbours(v).tolist() if w in chosen)
    sub = g.subgraph(nodes.tolist())
    layout = nx.spring_layout(sub, seed=42, iterations=60)
    edges = np.array([(layout[a], layout[b]) for a, b in sub.edges()]).reshape(-1, 2, 2)
    model._app_network = (nodes, {"pos": np.array([layout[v] for v in nodes.tolist()]),
                                  "edges": edges})
    return model._app_network


def network_figure(model: MarketModel) -> Figure:
    """Customers coloured by trust stage with their current firm, marked by firm."""
    nodes, geometry = network_sample(model)
    st = model.state
    fig = Figure(figsize=(7.5, 5.5))
    ax = fig.subplots()
    ax.add_collection(LineCollection(geometry["edges"], colors="#cccccc", linewidths=0.4,
                                     zorder=0))
    pos = geometry["pos"]
    present = st.presence[nodes] == Presence.PRESENT
    firm = st.firm[nodes].astype(int)
    for f_index in range(len(model.firms)):
        mine = present & (firm == f_index)
        t = st.trust[nodes[mine], f_index]
        stage = model.trust_stages(t)
        ax.scatter(pos[mine, 0], pos[mine, 1], c=STAGE_RGB[stage],
                   marker=FIRM_MARKERS[f_index % len(FIRM_MARKERS)], s=34,
                   edgecolors=FIRM_COLOURS[f_index % len(FIRM_COLOURS)], linewidths=1.0,
                   zorder=2)
    none = present & (firm < 0)
    ax.scatter(pos[none, 0], pos[none, 1], c=NO_FIRM_COLOUR, edgecolors="#999999", s=18,
               linewidths=0.6, zorder=1)
    handles = [Line2D([], [], marker="o", ls="", color=c, markeredgecolor="#666666",
                      label=f"trust: {name}") for c, name in zip(STAGE_COLOURS,
                                                                trust.STAGE_NAMES, strict=True)]
    handles += [Line2D([], [], marker=FIRM_MARKERS[i % len(FIRM_MARKERS)], ls="",
                       markerfacecolor="white", markeredgecolor=FIRM_COLOURS[i % len(
                           FIRM_COLOURS)], label=f.name) for i, f in enumerate(model.firms)]
    handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="white",
                          markeredgecolor="#999999", label="no firm"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    n = model.graph.n_nodes
    note = (f"all {n:,} customers" if len(nodes) == n else
            f"{len(nodes)} of {n:,} customers shown (the neighbourhood of one customer)")
    ax.set_title(f"Word-of-mouth network — {note}", fontsize=9)
    ax.set_axis_off()
    ax.autoscale_view()
    fig.subplots_adjust(left=0.01, right=0.78, bottom=0.01, top=0.94)
    return fig


@solara.component
def NetworkView(model: MarketModel) -> None:
    """The network of customers (down-sampled above a classroom's size)."""
    update_counter.get()
    _show("tm-network", network_figure(model))


# ------------------------------------------------------------------ profit and trust ladder
def profit_figure(model: MarketModel) -> Figure:
    """Profit per step (four-step mean) and cumulative profit per firm."""
    ts = _series(model)
    fig = Figure(figsize=(8.0, 4.9))
    per_step, cumulative = fig.subplots(2, 1, sharex=True)
    for i, f in enumerate(model.firms):
        colour = FIRM_COLOURS[i % len(FIRM_COLOURS)]
        if not ts.empty:
            mine = ts[ts["firm"] == f.name]
            per_step.plot(mine["step"], mine["profit"].rolling(4, min_periods=1).mean(),
                          color=colour, label=f.name)
            cumulative.plot(mine["step"], mine["cumulative_profit"], color=colour, lw=2)
    per_step.axhline(0, color="grey", lw=0.6)
    per_step.set_ylabel("profit per step")
    cumulative.set(xlabel="step", ylabel="cumulative profit")
    if not ts.empty:
        per_step.legend(fontsize=8)
    per_step.set_title(f"Profit — step {model.steps}", fontsize=10)
    for ax in (per_step, cumulative):
        ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.1, top=0.93, hspace=0.12)
    return fig


@solara.component
def ProfitView(model: MarketModel) -> None:
    """Profit per step and cumulative, per firm."""
    update_counter.get()
    _show("tm-profit", profit_figure(model))


def ladder_figure(model: MarketModel) -> Figure:
    """Active customers per trust stage over time, per firm (the trust ladder)."""
    ts = _series(model)
    n = len(model.firms)
    fig = Figure(figsize=(8.0, 4.9))
    axes = fig.subplots(n, 1, squeeze=False, sharex=True)[:, 0]
    for f, ax in zip(model.firms, axes, strict=True):
        if not ts.empty:
            mine = ts[ts["firm"] == f.name]
            ax.stackplot(mine["step"], *(mine[f"stage_{s}"] for s in trust.STAGE_NAMES),
                         colors=STAGE_COLOURS, labels=trust.STAGE_NAMES)
        ax.set(ylabel="customers", title=f"{f.name}: the trust ladder")
        ax.title.set_fontsize(9)
        ax.grid(alpha=0.3)
    if not ts.empty:
        axes[0].legend(fontsize=7, loc="upper left")
    axes[-1].set_xlabel("step")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.1, top=0.94, hspace=0.3)
    return fig


@solara.component
def TrustLadderView(model: MarketModel) -> None:
    """Customers per trust stage over time, per firm."""
    update_counter.get()
    _show("tm-ladder", ladder_figure(model))
