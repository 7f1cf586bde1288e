"""Figures of a scenario discovery (:mod:`sim.sweep.discovery`): the peeling trajectory,
the boxes' limits against each parameter's range, and the cases in the two strongest
dimensions of a box. Each takes a :class:`~sim.sweep.discovery.Discovery` and only draws."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.patches import Rectangle

from sim import style

if TYPE_CHECKING:
    from sim.sweep.boxes import Box

#: A :class:`sim.sweep.discovery.Discovery` (which imports this module to draw itself).
Discovery = Any

#: Colours of cases where the condition holds and where it does not (the project's
#: palette, :mod:`sim.style`: vermillion is also the discounter's colour in the headline).
OF_INTEREST, OTHER = style.OKABE_ITO["vermillion"], style.GREY
#: No figure is wider than a slide.
MAX_WIDTH = style.SLIDE_INCHES[0]


def _ramp(levels: int) -> ListedColormap:
    """``levels`` colours of the project's sequential blue ramp, light to dark."""
    blues = [c for k, c in style.STAGE_COLOURS.items() if k != "none"]
    ramp = LinearSegmentedColormap.from_list("stages", blues)
    return ListedColormap([ramp(i / max(levels - 1, 1)) for i in range(levels)])


@style.slide_style
def peeling_figure(d: Discovery) -> plt.Figure:
    """Coverage against density along each box's peeling trajectory, coloured by the
    number of restricted dimensions; the chosen box starred."""
    fig, ax = plt.subplots(figsize=(9.0, 6.0))
    markers = "os^"
    scatter = None
    # The colour scale runs over the restrictions that occur, so that 0, 1, 2 ... differ.
    most = max([int(b.trajectory["res_dim"].max()) for b in d.boxes] + [1])
    cmap = _ramp(most + 1)
    for b, marker in zip(d.boxes, markers, strict=False):
        t = b.trajectory
        scatter = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap=cmap,
                             marker=marker, s=36, vmin=-0.5, vmax=most + 0.5,
                             edgecolors=style.INK, linewidths=0.4,
                             label=f"box {b.number} trajectory (chosen: coverage "
                                   f"{b.coverage:.2f}, density {b.density:.2f})")
        ax.scatter([b.coverage], [b.density], marker="*", s=420, facecolor="none",
                   edgecolor=style.INK, linewidth=1.6)
        # above, right of and below the star in turn: stars of later boxes often sit close
        dx, dy, ha, va = ((0, 14, "center", "bottom"), (16, 0, "left", "center"),
                          (0, -14, "center", "top"))[(b.number - 1) % 3]
        ax.annotate(f"box {b.number}", (b.coverage, b.density), xytext=(dx, dy),
                    textcoords="offset points", ha=ha, va=va, fontweight="bold")
    ax.axhline(d.settings.min_density, color=style.GREY, lw=1, ls="--")
    ax.text(0.01, d.settings.min_density, " density threshold", va="bottom",
            color=style.INK)
    ax.axhline(d.share, color=style.GREY, lw=1, ls=":")
    ax.text(0.01, d.share, " share of all cases", va="bottom", color=style.INK)
    if scatter is not None:
        bar = fig.colorbar(scatter, ax=ax, label="restricted dimensions")
        bar.set_ticks(range(most + 1))
        ax.legend(loc="lower left")
    ax.set(xlabel="coverage (share of all cases of interest inside the box)",
           ylabel="density (share of the box's cases\nthat are of interest)",
           xlim=(0, 1.02), ylim=(0, 1.05),
           title=f"PRIM peeling trajectories: where {d.condition}")
    fig.tight_layout()
    return fig


def _unit(d: Discovery, name: str, value: float) -> float:
    lo, hi = d.ranges[name]
    return (float(value) - lo) / (hi - lo) if hi > lo else 0.5


@style.slide_style
def limits_figure(d: Discovery) -> plt.Figure:
    """Each box's limits on every parameter, drawn on the parameter's swept range
    (0 = low end, 1 = high end), with the limits and quasi-p-values written beside."""
    names = list(d.x.columns)
    boxes = d.boxes or []
    panels = max(len(boxes), 1)
    fig, axes = plt.subplots(1, panels, figsize=(min(6.6 * panels, MAX_WIDTH),
                                                 min(0.45 * len(names) + 1.6, 7.5)),
                             squeeze=False)
    for ax, b in zip(axes[0], boxes, strict=False):
        order = b.restricted + [n for n in names if n not in b.restricted]
        for row, name in enumerate(order):
            y = len(order) - 1 - row
            ax.barh(y, 1.0, color=style.STAGE_COLOURS["none"], height=0.6)
            if name in b.limits.index and isinstance(d.ranges.get(name), tuple):
                r = b.limits.loc[name]
                lo, hi = _unit(d, name, r["low"]), _unit(d, name, r["high"])
                ax.barh(y, hi - lo, left=lo, color=OF_INTEREST, height=0.6, alpha=0.8)
                qp = min(v for v in (r["qp_low"], r["qp_high"], 1.0) if np.isfinite(v))
                ax.text(1.04, y, f"{r['low']:.3g}–{r['high']:.3g}\nqp {qp:.1g}",
                        va="center", linespacing=0.95)
            elif name in b.limits.index:
                ax.text(1.04, y, "in " + ", ".join(map(str, b.limits.loc[name, "low"])),
                        va="center")
        ax.set_yticks(range(len(order)), [d.label(n) for n in reversed(order)])
        ax.set(xlim=(0, 1.6), xticks=[0, 0.5, 1], xticklabels=["low", "mid", "high"])
        ax.grid(False)
        ax.set_title(f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}")
    if not boxes:
        axes[0][0].text(0.5, 0.5, "no box reaches the density threshold", ha="center")
    fig.suptitle(f"Box limits against each parameter's swept range: where {d.condition}")
    fig.tight_layout()
    return fig


def strongest_dimensions(d: Discovery, b: Box) -> list[str]:
    """The box's two most significant restrictions, topped up by the feature scores."""
    dims = b.restricted[:2]
    for name in d.scores.index:
        if len(dims) >= 2:
            break
        if name not in dims and pd.api.types.is_numeric_dtype(d.x[name]):
            dims.append(name)
    return dims


@style.slide_style
def scatter_figure(d: Discovery, b: Box) -> plt.Figure:
    """The cases in the box's two strongest dimensions, the box's limits drawn; filled
    markers lie inside the box on every dimension."""
    fig, ax = plt.subplots(figsize=(9.0, 6.0))
    dims = strongest_dimensions(d, b)
    if len(dims) < 2 or not all(pd.api.types.is_numeric_dtype(d.x[n]) for n in dims):
        ax.text(0.5, 0.5, "fewer than two numeric dimensions", ha="center")
        return fig
    a, c = dims
    earlier = np.zeros(len(d.y), dtype=bool)
    for other in d.boxes[:b.number - 1]:
        earlier |= other.contains(d.x)
    inside = b.contains(d.x) & ~earlier
    if earlier.any():  # box k is peeled from the cases outside boxes 1..k-1
        ax.scatter(d.x.loc[earlier, a], d.x.loc[earlier, c], s=14, marker="x",
                   color=style.STAGE_COLOURS["none"], label="in an earlier box")
    for holds, colour, label in ((False, OTHER, "condition false"),
                                 (True, OF_INTEREST, "condition true")):
        sel = (d.y == holds) & ~earlier
        ax.scatter(d.x.loc[sel & inside, a], d.x.loc[sel & inside, c], s=28, color=colour,
                   label=f"{label}, in box")
        ax.scatter(d.x.loc[sel & ~inside, a], d.x.loc[sel & ~inside, c], s=28,
                   facecolor="none", edgecolor=colour, alpha=0.7, label=f"{label}, outside")
    lows, highs = [], []
    for name in dims:
        lo, hi = d.ranges[name] if isinstance(d.ranges.get(name), tuple) else (
            d.x[name].min(), d.x[name].max())
        if name in b.limits.index:
            lo, hi = b.limits.loc[name, "low"], b.limits.loc[name, "high"]
        lows.append(lo)
        highs.append(hi)
    ax.add_patch(Rectangle((lows[0], lows[1]), highs[0] - lows[0], highs[1] - lows[1],
                           fill=False, edgecolor=style.INK, lw=2))
    ax.set(xlabel=d.label(a), ylabel=d.label(c))
    ax.set_title(f"box {b.number} in its two strongest dimensions (coverage {b.coverage:.2f}"
                 f", density {b.density:.2f})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def figures(d: Discovery, which: Sequence[str] = ("peeling", "limits", "scatter")
            ) -> dict[str, plt.Figure]:
    """The figures by name (``scatter_box<k>`` for each box)."""
    out: dict[str, plt.Figure] = {}
    if "peeling" in which:
        out["peeling"] = peeling_figure(d)
    if "limits" in which:
        out["box_limits"] = limits_figure(d)
    if "scatter" in which:
        for b in d.boxes:
            out[f"scatter_box{b.number}"] = scatter_figure(d, b)
    return out


def save_figures(d: Discovery, folder: Path, which: Sequence[str]) -> list[Path]:
    """Draw the figures, save them as PNG in ``folder`` and close them."""
    written = []
    for name, fig in figures(d, which).items():
        path = folder / f"{re.sub(r'[^A-Za-z0-9_]+', '_', name)}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written
