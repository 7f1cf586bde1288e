"""One look for every figure: the palette, font sizes, human names and time in years.

The classroom app (:mod:`sim.app`), the figures of ``trustmarket run``
(:mod:`sim.report`), ``compare``, ``claims`` and ``analyze`` all take their colours,
labels and time axes from here, so that a cause of churn, a trust stage or a firm looks
the same on the projector, in the results folder and in the docs.

Colours are colour-blind safe: categories use the Okabe–Ito palette (Okabe & Ito 2008,
distinguishable under the common colour-vision deficiencies), ordered stages use one
sequential blue ramp (told apart by lightness alone). Matplotlib figures are drawn inside
:func:`slide_style`, whose font sizes keep every label at least :data:`MIN_FONT_PT` points
at the saved size. This module imports only matplotlib and numpy (it sits at the report
layer and knows no model).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import matplotlib as mpl
import numpy as np
from matplotlib.ticker import FuncFormatter

# ------------------------------------------------------------------ palette
#: Okabe–Ito, by name.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9",
             "bluish_green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
             "vermillion": "#D55E00", "reddish_purple": "#CC79A7"}
#: Neutral grey for what is nobody's doing (needs that moved, people outside the market).
GREY = "#999999"
#: Text, outlines, reference lines and markers.
INK = "#333333"
#: Firms in scenario order (the first two are the headline pair: vermillion, blue).
FIRM_COLOURS = tuple(OKABE_ITO[k] for k in ("vermillion", "blue", "bluish_green",
                                            "reddish_purple", "orange", "sky_blue"))
#: One colour per cause of churn (the jets of the leaky bucket and the outflow charts).
CAUSE_COLOURS = {
    "rude": OKABE_ITO["vermillion"], "poor_service": OKABE_ITO["orange"],
    "untrained_staff": OKABE_ITO["reddish_purple"], "poor_quality": OKABE_ITO["yellow"],
    "poor_selection": OKABE_ITO["sky_blue"], "competitor_offer": OKABE_ITO["blue"],
    "needs_moved": GREY, "price": OKABE_ITO["black"],
}
#: The inflow of new customers (the arrow at the top of the bucket).
INFLOW_COLOUR = OKABE_ITO["bluish_green"]
#: The water in the bucket (an area, not a category).
WATER_COLOUR = "#A6CEE3"
#: Trust stages, none → behavioural: one sequential ramp (lightness carries the order).
STAGE_COLOURS = {"none": "#D9D9D9", "cognitive": "#9ECAE1", "emotional": "#4292C6",
                 "behavioural": "#08306B"}
#: Lifecycle stages of the whole market.
LIFECYCLE_COLOURS = {"potential": GREY, "new": OKABE_ITO["sky_blue"],
                     "regular": OKABE_ITO["blue"], "lapsed": OKABE_ITO["orange"]}
#: Every colour a figure may use for data (the test of the figures checks against it).
PALETTE = frozenset(c.upper() for c in (*OKABE_ITO.values(), GREY, INK, WATER_COLOUR,
                                        *STAGE_COLOURS.values()))


def firm_colour(index: int) -> str:
    """The colour of the ``index``-th firm (cycling past six firms)."""
    return FIRM_COLOURS[index % len(FIRM_COLOURS)]


# ------------------------------------------------------------------ human names
CAUSE_LABELS = {
    "rude": "rude staff", "poor_service": "poor service", "untrained_staff": "untrained staff",
    "poor_quality": "poor quality", "poor_selection": "poor selection",
    "competitor_offer": "competitor's offer", "needs_moved": "needs moved", "price": "price",
}
#: Holes on each wall of a drawn bucket, top to bottom: the longest labels sit low, where
#: the bucket is narrowest (the app's SVG bucket and the report's figure alike).
BUCKET_LEFT = ("rude", "untrained_staff", "poor_quality", "needs_moved")
BUCKET_RIGHT = ("poor_service", "poor_selection", "price", "competitor_offer")
STAGE_LABELS = {"none": "no trust yet", "cognitive": "cognitive", "emotional": "emotional",
                "behavioural": "behavioural"}
LIFECYCLE_LABELS = {"potential": "potential customers", "new": "new customers",
                    "regular": "regular customers", "lapsed": "lapsed customers"}
METRIC_LABELS = {
    "cumulative_profit": "cumulative profit", "npv": "net present value", "profit": "profit",
    "active_customers": "active customers", "new_customers": "new customers",
    "churned": "customers lost", "churn_rate": "churn per step", "revenue": "revenue",
    "acquisition_cost": "acquisition spend", "discount_cost": "discount spend",
    "mean_trust": "mean trust", "mean_satisfaction": "mean satisfaction",
    **{f"churn_{c}": f"lost to {label}" for c, label in CAUSE_LABELS.items()},
    **{f"stage_{s}": f"trust: {label}" for s, label in STAGE_LABELS.items()},
    **{f"lifecycle_{s}": label for s, label in LIFECYCLE_LABELS.items()},
}


def human(name: str) -> str:
    """A reader's name for a metric or column: ``lifecycle_potential`` → "potential
    customers", ``cumulative_profit_difference`` → "cumulative profit difference",
    ``cumulative_profit[Trusty Goods]`` → "cumulative profit: Trusty Goods"."""
    if name in METRIC_LABELS:
        return METRIC_LABELS[name]
    if name.endswith("]") and "[" in name:
        metric, _, who = name[:-1].partition("[")
        return f"{human(metric)}: {who}"
    for suffix in ("_difference", "_mean"):
        if name.endswith(suffix) and name.removesuffix(suffix) in METRIC_LABELS:
            return f"{METRIC_LABELS[name.removesuffix(suffix)]} {suffix[1:]}"
    return name.replace("_", " ")


# ------------------------------------------------------------------ time
_UNITS = {1: "year", 4: "quarter", 12: "month", 52: "week", 365: "day", 366: "day"}


def step_unit(steps_per_year: int) -> str:
    """What one step is called: "week" for 52 steps a year, "month" for 12, else "step"."""
    return _UNITS.get(int(steps_per_year), "step")


def years(steps: Any, steps_per_year: int) -> np.ndarray:
    """Steps as years (an array)."""
    return np.asarray(steps, dtype=float) / float(steps_per_year)


def year_and_step(step: int, steps_per_year: int) -> str:
    """The counter a room reads: "start" at 0, then "year 2 · week 14" (the 14th week of the
    second year); a step that is no named unit reads "year 2 · step 14"."""
    if step <= 0:
        return "start"
    year, within = divmod(int(step) - 1, int(steps_per_year))
    return f"year {year + 1} · {step_unit(steps_per_year)} {within + 1}"


def elapsed(step: int, steps_per_year: int) -> str:
    """Time since the start in both units: "104 weeks = 2.0 years"."""
    unit = step_unit(steps_per_year)
    plural = unit if step == 1 else f"{unit}s"
    value = step / steps_per_year
    return f"{step:,} {plural} = {value:.1f} year{'' if value == 1 else 's'}"


def smoothing_window(n_steps: int, steps_per_year: int, longest: int | None = None) -> int:
    """The moving-mean window for a per-step series of ``n_steps``: one year, a quarter or
    four steps (none longer than ``longest``) — the longest that still leaves five windows
    in the run — else none (1)."""
    for window in (steps_per_year, max(1, round(steps_per_year / 4)), 4):
        if 1 < window <= n_steps / 5 and window <= (longest or window):
            return int(window)
    return 1


def smoothing_label(window: int, steps_per_year: int) -> str:
    """Words for a moving mean over ``window`` steps, as a title says it: "one-year moving
    mean", "13-week moving mean", or "" for no smoothing."""
    if window <= 1:
        return ""
    if window == steps_per_year:
        return "one-year moving mean"
    return f"{window}-{step_unit(steps_per_year)} moving mean"


def time_axis_label(steps_per_year: int) -> str:
    """The label of every time axis."""
    return "years" if steps_per_year > 1 else "years (steps)"


# ------------------------------------------------------------------ numbers
def thousands(value: float, _pos: Any = None) -> str:
    """A number with thousands separators: 12,500; small numbers keep their decimals."""
    if not np.isfinite(value):
        return ""
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}"


THOUSANDS = FuncFormatter(thousands)

# ------------------------------------------------------------------ matplotlib
#: No label on a saved figure is smaller than this (points at the figure's own size).
MIN_FONT_PT = 10.0
#: A figure fits a 16:9 slide (13.33 x 7.5 inches) at its saved size.
SLIDE_INCHES = (13.33, 7.5)
RC: dict[str, Any] = {
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "xtick.labelsize": 10,
    "ytick.labelsize": 10, "legend.fontsize": 10, "legend.title_fontsize": 10,
    "figure.titlesize": 13, "axes.titleweight": "bold", "figure.titleweight": "bold",
    "axes.prop_cycle": mpl.cycler(color=list(FIRM_COLOURS)), "axes.grid": True,
    "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "lines.linewidth": 2.0, "legend.frameon": False, "figure.dpi": 100,
    "savefig.dpi": 150, "savefig.bbox": "standard",
}

F = TypeVar("F", bound=Callable[..., Any])


def slide_style(function: F) -> F:
    """Decorate a figure function: draw it with :data:`RC` (fonts, palette, grid) and give
    every numeric axis thousands separators."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mpl.rc_context(RC):
            fig = function(*args, **kwargs)
            for ax in fig.axes:
                separate_thousands(ax)
        return fig

    return wrapper  # type: ignore[return-value]


def separate_thousands(ax: Any) -> None:
    """Thousands separators on the axes of ``ax`` that show plain numbers (not on axes with
    text categories or a formatter of their own)."""
    from matplotlib.ticker import ScalarFormatter

    for axis in (ax.xaxis, ax.yaxis):
        if type(axis.get_major_formatter()) is ScalarFormatter:
            axis.set_major_formatter(THOUSANDS)


def mark_crossover(ax: Any, mean: float, low: float, high: float, label: str,
                   colour: str = INK) -> None:
    """A vertical line at a crossover (in the axis' x units) with its confidence interval
    as a shaded band, and ``label`` beside it."""
    ax.axvspan(low, high, color=colour, alpha=0.12, lw=0)
    ax.axvline(mean, color=colour, lw=1.2, ls="--")
    ax.annotate(label, xy=(mean, 1.0), xycoords=("data", "axes fraction"),
                xytext=(4, -4), textcoords="offset points", ha="left", va="top",
                fontsize=MIN_FONT_PT, color=colour,
                bbox={"facecolor": "white", "alpha": 0.85, "lw": 0, "pad": 1.5})


def mark_crossovers(ax: Any, rows: Iterable[Any], steps_per_year: int | None,
                    name: str = "runs") -> None:
    """Mark every crossover on a time axis: ``rows`` have ``leader``, ``challenger``,
    ``crossed``, ``replications`` and ``crossover_step_mean`` / ``_ci_low`` / ``_ci_high``
    (the table of :func:`sim.experiment.pairwise_crossovers`). The axis is in years (in
    steps if ``steps_per_year`` is None); the label says when in years, or in steps for a
    run shorter than two years."""
    per_year = steps_per_year or 1
    for k, r in enumerate(rows):
        steps = (r.crossover_step_mean, r.crossover_step_ci_low, r.crossover_step_ci_high)
        mean, low, high = (v / per_year for v in steps)
        if steps_per_year and ax.get_xlim()[1] >= 2:
            when = f"year {mean:.1f} [95 % CI {low:.1f}–{high:.1f}]"
        else:
            when = (f"{step_unit(per_year) if steps_per_year else 'step'} {steps[0]:.0f} "
                    f"[95 % CI {steps[1]:.0f}–{steps[2]:.0f}]")
        label = (f"{r.challenger} overtakes {r.leader}\nat {when}, "
                 f"{r.crossed}/{r.replications} {name}")
        mark_crossover(ax, mean, low, high, "\n" * (3 * k) + label)
