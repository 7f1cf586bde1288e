"""The app's charts as SVG: profit, the trust ladder, the customer lifecycle, the network.

Each function takes the tables the model collected (``firm_timeseries()``,
``market_timeseries()``, ``customer_table()``) and returns one ``<svg>`` string, with time
in years on a fixed axis (the scenario's run length), so that nothing jumps while Play
runs. Colours and names come from :mod:`sim.style`, as in ``trustmarket run``'s figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.app.svg import LABEL, TICK, TITLE, Panel, legend, nice_ticks, svg, text
from sim.style import (
    FIRM_COLOURS,
    GREY,
    LIFECYCLE_COLOURS,
    LIFECYCLE_LABELS,
    STAGE_COLOURS,
    STAGE_LABELS,
    firm_colour,
    smoothing_label,
    step_unit,
)

WIDTH = 480
LEFT, RIGHT = 74, 14
STAGES = tuple(STAGE_COLOURS)
LIFECYCLE = tuple(LIFECYCLE_COLOURS)


def _x_axis(horizon_steps: int, steps_so_far: int, steps_per_year: int) -> tuple[float, list]:
    """The time axis' end (years) and ticks: the run length, or further once passed."""
    end = max(horizon_steps, steps_so_far, 1) / steps_per_year
    return end, list(nice_ticks(0.0, end, 5))


def _y_range(values: Sequence[np.ndarray], floor_zero: bool = True) -> tuple[float, float, list]:
    finite = [v[np.isfinite(v)] for v in values if len(v)]
    low = min([0.0 if floor_zero else np.inf, *(float(v.min()) for v in finite if v.size)])
    high = max([1.0, *(float(v.max()) for v in finite if v.size)])
    if not np.isfinite(low):
        low = 0.0
    ticks = list(nice_ticks(low, high, 4))
    return float(ticks[0]), float(ticks[-1]), ticks


def _years_format(value: float) -> str:
    return f"{value:g}"


def _empty_note(width: float, y: float) -> str:
    return text(width / 2, y, "press Step or ▶ to start the market", LABEL, "middle",
                colour=GREY, css="tm-note")


#: Chart heights (viewBox units): on the scrolling page, and under presentation mode's
#: buckets (where the window's height is what limits them).
TALL, COMPACT = 372, 300


def fitted_width(cell_width: float, cell_height: float, height: int = COMPACT) -> int:
    """The viewBox width that makes a chart ``height`` units tall fill a cell of the given
    CSS size (never narrower than :data:`WIDTH`): presentation mode's charts use the
    window's width instead of leaving it blank."""
    if cell_width <= 0 or cell_height <= 0:
        return WIDTH
    return max(WIDTH, int(height * cell_width / cell_height))


def moving_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` steps (shorter at the start)."""
    if window <= 1 or not len(values):
        return values
    total = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (total[1:] - total[np.maximum(np.arange(1, len(values) + 1) - window, 0)]) / counts


Series = Mapping[str, Mapping[str, np.ndarray]]


def profit_svg(series: Series, firms: Sequence[str], steps_per_year: int, horizon: int,
               step: int, smoothing: int = 4, height: int = TALL, width: int = WIDTH) -> str:
    """Profit per step (a ``smoothing``-step moving mean) above cumulative profit, per firm
    (``series[firm][column]``: arrays of ``step``, ``profit``, ``cumulative_profit``)."""
    unit = step_unit(steps_per_year)
    end, x_ticks = _x_axis(horizon, step, steps_per_year)
    entries = [(firm_colour(i), f) for i, f in enumerate(firms)]
    key, key_height = legend(LEFT - 60, 22, entries, width - LEFT - RIGHT + 60)
    top = 22 + key_height
    years = {f: series[f]["step"] / steps_per_year for f in firms}
    per_step = {f: moving_mean(series[f]["profit"], smoothing) for f in firms}
    cumulative = {f: series[f]["cumulative_profit"] for f in firms}
    mean_words = smoothing_label(smoothing, steps_per_year)
    body = [key]
    plot_height = (height - top - 110) / 2
    titles = (f"profit a {unit}" + (f" ({mean_words})" if mean_words else ""),
              "cumulative profit")
    for k, (title, values) in enumerate(zip(titles, (per_step, cumulative), strict=True)):
        title_y = top + 12 + k * (plot_height + 46)
        y0, y1, y_ticks = _y_range(list(values.values()))
        panel = Panel(LEFT, title_y + 10, width - LEFT - RIGHT, plot_height, 0.0, end, y0, y1)
        body.append(text(LEFT - 60, title_y, title, LABEL, weight="bold", css="tm-panel-title"))
        body.append(panel.axes(x_ticks if k == 1 else [], y_ticks, "years" if k == 1 else "",
                               x_format=_years_format))
        for i, f in enumerate(firms):
            body.append(panel.line(years[f], values[f], firm_colour(i), 3.0))
    if step == 0:
        body.append(_empty_note(width, top + plot_height / 2 + 20))
    return svg(width, height, body, "tm-profit-svg", "profit per firm", {"step": step})


def ladder_svg(series: Series, firms: Sequence[str], steps_per_year: int, horizon: int,
               step: int, height: int = TALL, width: int = WIDTH) -> str:
    """Each firm's active customers by trust stage over time (stacked): the trust ladder
    (``series[firm]``: arrays of ``step`` and ``stage_<name>``)."""
    end, x_ticks = _x_axis(horizon, step, steps_per_year)
    entries = [(STAGE_COLOURS[s], STAGE_LABELS[s]) for s in STAGES]
    key, key_height = legend(LEFT - 60, 22, entries, width - LEFT - RIGHT + 60)
    top = 22 + key_height
    gap = 36
    plot_height = (height - top - 64 - gap * len(firms)) / max(1, len(firms))
    body = [key]
    layers = {f: [series[f][f"stage_{s}"] for s in STAGES] for f in firms}
    total = max([1.0, *(float(np.sum(v, axis=0).max()) for v in layers.values()
                        if len(v[0]))])
    y_ticks = list(nice_ticks(0.0, total, 3))
    last = len(firms) - 1
    for k, f in enumerate(firms):
        title_y = top + 12 + k * (plot_height + gap)
        panel = Panel(LEFT, title_y + 8, width - LEFT - RIGHT, plot_height, 0.0, end, 0.0,
                      float(y_ticks[-1]))
        body.append(f'<rect x="{LEFT - 60}" y="{title_y - 12}" width="13" height="13" '
                    f'fill="{firm_colour(k)}"/>')
        body.append(text(LEFT - 42, title_y, f"{f}: active customers by trust stage", LABEL,
                         weight="bold", css="tm-panel-title"))
        body.append(panel.axes(x_ticks if k == last else [], y_ticks,
                               "years" if k == last else "", x_format=_years_format))
        body.append(panel.stack(series[f]["step"] / steps_per_year, layers[f],
                                [STAGE_COLOURS[s] for s in STAGES]))  # over the grid
    if step == 0:
        body.append(_empty_note(width, top + plot_height / 2 + 20))
    return svg(width, height, body, "tm-ladder-svg", "trust ladder per firm", {"step": step})


def lifecycle_svg(market: pd.DataFrame, steps_per_year: int, horizon: int, step: int) -> str:
    """People in the market by lifecycle stage over time."""
    height = 330
    end, x_ticks = _x_axis(horizon, step, steps_per_year)
    entries = [(LIFECYCLE_COLOURS[s], LIFECYCLE_LABELS[s]) for s in LIFECYCLE]
    key, key_height = legend(LEFT - 60, 22, entries, WIDTH - LEFT - RIGHT + 60)
    top = 22 + key_height + 20
    series = {s: market[f"lifecycle_{s}"].to_numpy(float) if len(market) else np.array([])
              for s in LIFECYCLE}
    x = market["step"].to_numpy(float) / steps_per_year if len(market) else np.array([])
    y0, y1, y_ticks = _y_range(list(series.values()))
    panel = Panel(LEFT, top, WIDTH - LEFT - RIGHT, height - top - 56, 0.0, end, y0, y1)
    body = [key, text(LEFT - 60, top - 10, "people", LABEL, weight="bold",
                      css="tm-panel-title"),
            panel.axes(x_ticks, y_ticks, "years", x_format=_years_format)]
    for s in LIFECYCLE:
        body.append(panel.line(x, series[s], LIFECYCLE_COLOURS[s], 3.0,
                               "6 4" if s == "potential" else ""))
    if market.empty:
        body.append(_empty_note(WIDTH, top + 60))
    return svg(WIDTH, height, body, "tm-lifecycle-svg", "customer lifecycle", {"step": step})


#: Marker shapes per firm (SVG path around (0, 0), radius ~5).
SHAPES = ("M-5,0 a5,5 0 1,0 10,0 a5,5 0 1,0 -10,0", "M-4.5,-4.5 h9 v9 h-9 z",
          "M0,-6 L5.5,4 L-5.5,4 z", "M0,-6 L6,0 L0,6 L-6,0 z")
NETWORK_HEIGHT = 440


def network_svg(positions: np.ndarray, edges_path: str, firm: np.ndarray, stage: np.ndarray,
                present: np.ndarray, firms: Sequence[str], total: int, step: int) -> str:
    """The customers shown (``positions`` in [0, 1]^2, cached) coloured by their trust stage
    with their current firm and shaped by firm (white: no firm)."""
    body = [text(8, 22, "Word-of-mouth network", TITLE, weight="bold", css="tm-panel-title"),
            text(8, 44, (f"all {total:,} people" if len(positions) == total else
                         f"{len(positions):,} of {total:,} people: one person's "
                         "neighbourhood"), TICK, css="tm-note")]
    entries = [(STAGE_COLOURS[s], f"trust: {STAGE_LABELS[s]}") for s in STAGES]
    key, key_height = legend(8, 70, entries, WIDTH - 16)
    body.append(key)
    shapes_y = 70 + key_height + 4
    x = 8.0
    for i, name in enumerate(firms):
        body.append(f'<path d="{SHAPES[i % len(SHAPES)]}" transform="translate({x + 6},'
                    f'{shapes_y - 5})" fill="#FFFFFF" stroke="{firm_colour(i)}" '
                    f'stroke-width="2"/>')
        body.append(text(x + 16, shapes_y, name, TICK, css="tm-legend"))
        x += 30 + 0.6 * TICK * len(name)
    top = shapes_y + 14
    body.append(f'<g transform="translate(12,{top}) scale({WIDTH - 24},'
                f'{NETWORK_HEIGHT - top - 8})"><path d="{edges_path}" fill="none" '
                f'stroke="#C8C8C8" stroke-width="0.7" vector-effect="non-scaling-stroke"/>'
                '</g>')
    sx, sy = WIDTH - 24, NETWORK_HEIGHT - top - 8
    nodes = []
    for k in np.flatnonzero(present):
        px, py = 12 + positions[k, 0] * sx, top + positions[k, 1] * sy
        f = int(firm[k])
        if f < 0:
            nodes.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#FFFFFF" '
                         f'stroke="{GREY}"/>')
        else:
            nodes.append(f'<path d="{SHAPES[f % len(SHAPES)]}" transform="translate('
                         f'{px:.1f},{py:.1f})" fill="{STAGE_COLOURS[STAGES[int(stage[k])]]}" '
                         f'stroke="{FIRM_COLOURS[f % len(FIRM_COLOURS)]}" stroke-width="1.5"/>')
    body.append("".join(nodes))
    return svg(WIDTH, NETWORK_HEIGHT, body, "tm-network-svg", "word-of-mouth network",
               {"step": step})


__all__ = ["ladder_svg", "lifecycle_svg", "network_svg", "profit_svg"]
