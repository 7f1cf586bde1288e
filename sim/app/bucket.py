"""The leaky bucket as SVG: one bucket per firm, readable from the back of a lecture hall.

Seed idea: the leaky bucket — a firm keeps pouring new customers in at the top while they
leak out through holes labelled rude staff, poor service, untrained staff, poor quality
and poor selection (and, outside the firm's walls, a competitor's offer, needs that moved
and price). The water is the firm's active customers; the inflow arrow and every hole's
jet are drawn on one scale shared by all firms, so a jet twice as wide loses twice as many
customers a week, in either bucket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sim.app.svg import svg, text
from sim.style import (
    BUCKET_LEFT,
    BUCKET_RIGHT,
    CAUSE_COLOURS,
    CAUSE_LABELS,
    GREY,
    INFLOW_COLOUR,
    INK,
    WATER_COLOUR,
)

WIDTH, HEIGHT = 520, 360
#: Font sizes (viewBox units; at least 16 x MIN_SCALE = 14.7 CSS px on the page).
HOLE_FONT, COUNT_FONT, NAME_FONT = 16, 24, 19
CENTRE, TOP, BOTTOM, TOP_HALF, BOTTOM_HALF = WIDTH / 2, 104, 346, 78, 56
LEFT, RIGHT = BUCKET_LEFT, BUCKET_RIGHT
#: The widest jet or inflow arrow, for the largest flow of any firm (viewBox units).
WIDEST = 26.0
JET_LENGTH = 30.0


@dataclass(frozen=True)
class BucketState:
    """What one bucket shows: active customers (``level``), new customers per step
    (``inflow``) and customers lost per step by cause (``outflows``)."""

    firm: str
    level: float
    inflow: float
    outflows: Mapping[str, float]


def biggest_flow(buckets: Sequence[BucketState]) -> float:
    """The largest inflow or outflow of any bucket: the common scale of every jet."""
    flows = [b.inflow for b in buckets] + [v for b in buckets for v in b.outflows.values()]
    return max([*flows, 1e-9])


def _half_width(y: float) -> float:
    return BOTTOM_HALF + (TOP_HALF - BOTTOM_HALF) * (BOTTOM - y) / (BOTTOM - TOP)


def _rate(value: float, unit: str) -> str:
    return f"{value:,.1f} a {unit}" if unit != "step" else f"{value:,.1f} per step"


def _hole(cause: str, value: float, slot: int, side: int, scale: float, unit: str) -> str:
    """A hole on the wall, its jet (width proportional to ``value``) and its label."""
    y = TOP + 40 + slot * 62
    wall = CENTRE + side * _half_width(y)
    colour = CAUSE_COLOURS.get(cause, GREY)
    end_x, end_y = wall + side * JET_LENGTH, y + 14
    out = [f'<g class="tm-hole" data-cause="{cause}" data-rate="{value:.3f}">']
    width = value * scale
    if width > 0:
        jet = (f'M{wall:.1f},{y:.1f} Q{wall + side * JET_LENGTH * 0.6:.1f},{y:.1f} '
               f'{end_x:.1f},{end_y:.1f}')
        out.append(f'<path d="{jet}" fill="none" stroke="{INK}" '
                   f'stroke-width="{width + 2:.2f}" stroke-linecap="butt"/>')
        out.append(f'<path class="tm-jet" d="{jet}" fill="none" stroke="{colour}" '
                   f'stroke-width="{width:.2f}" stroke-linecap="butt" '
                   f'data-width="{width:.3f}"/>')
    out.append(f'<circle cx="{wall:.1f}" cy="{y:.1f}" r="5" fill="{INK}"/>')
    anchor = "end" if side < 0 else "start"
    label_x = end_x + side * 6
    out.append(text(label_x, y - 4, CAUSE_LABELS.get(cause, cause), HOLE_FONT, anchor,
                    css="tm-hole-label"))
    out.append(text(label_x, y + HOLE_FONT + 1, _rate(value, unit), HOLE_FONT, anchor,
                    "bold", css="tm-hole-count"))
    out.append("</g>")
    return "".join(out)


def bucket_svg(state: BucketState, capacity: float, scale_flow: float, unit: str = "week",
               colour: str = INK, step: int = 0) -> str:
    """One firm's bucket.

    Parameters
    ----------
    state
        The level, inflow and outflows to draw.
    capacity
        The level of a full bucket (shared by all firms, so levels compare).
    scale_flow
        The flow drawn :data:`WIDEST` wide (see :func:`biggest_flow`).
    unit
        The name of one step ("week").
    colour
        The firm's colour (the marker beside its name).
    step
        The model step shown (``data-step``, for the browser test).
    """
    scale = WIDEST / scale_flow if scale_flow > 0 else 0.0
    body = [f'<rect x="8" y="10" width="16" height="16" fill="{colour}"/>',
            text(32, 25, state.firm, NAME_FONT, weight="bold", css="tm-firm-name")]
    # The inflow: an arrow into the bucket's mouth, as wide as its flow.
    shaft = max(2.0, state.inflow * scale)
    head = shaft + 14
    body.append(f'<g class="tm-inflow" data-rate="{state.inflow:.3f}">'
                f'<rect x="{CENTRE - shaft / 2:.1f}" y="40" width="{shaft:.1f}" height="34" '
                f'fill="{INFLOW_COLOUR}"/><polygon points="{CENTRE - head / 2:.1f},74 '
                f'{CENTRE + head / 2:.1f},74 {CENTRE:.1f},{TOP - 4}" fill="{INFLOW_COLOUR}"/>')
    label_x = CENTRE + head / 2 + 8
    body.append(text(label_x, 56, "new customers", HOLE_FONT, css="tm-inflow-label"))
    body.append(text(label_x, 56 + HOLE_FONT + 3, _rate(state.inflow, unit), HOLE_FONT,
                     weight="bold", css="tm-inflow-count"))
    body.append("</g>")
    # The water: the firm's active customers, as a share of a full bucket.
    fill = min(1.0, state.level / capacity) if capacity > 0 else 0.0
    surface = BOTTOM - fill * (BOTTOM - TOP)
    half = _half_width(surface)
    body.append(f'<polygon class="tm-water" points="{CENTRE - BOTTOM_HALF},{BOTTOM} '
                f'{CENTRE + BOTTOM_HALF},{BOTTOM} {CENTRE + half:.1f},{surface:.1f} '
                f'{CENTRE - half:.1f},{surface:.1f}" fill="{WATER_COLOUR}"/>')
    body.append(f'<path d="M{CENTRE - TOP_HALF},{TOP} L{CENTRE - BOTTOM_HALF},{BOTTOM} '
                f'L{CENTRE + BOTTOM_HALF},{BOTTOM} L{CENTRE + TOP_HALF},{TOP}" fill="none" '
                f'stroke="{INK}" stroke-width="4" stroke-linejoin="round"/>')
    middle = (TOP + BOTTOM) / 2 + 10
    body.append(text(CENTRE, middle, f"{state.level:,.0f}", COUNT_FONT, "middle", "bold",
                     css="tm-level"))
    body.append(text(CENTRE, middle + HOLE_FONT + 4, "customers", HOLE_FONT, "middle",
                     css="tm-level-label"))
    known = [c for c in (*LEFT, *RIGHT) if c in state.outflows]
    others = [c for c in state.outflows if c not in known]
    for side, causes in ((-1, LEFT), (1, RIGHT)):
        for slot, cause in enumerate(c for c in causes if c in state.outflows):
            body.append(_hole(cause, state.outflows[cause], slot, side, scale, unit))
    for k, cause in enumerate(others):  # causes this layout does not know: below the rest
        body.append(_hole(cause, state.outflows[cause], 4 + k // 2, 1 - 2 * (k % 2), scale,
                          unit))
    return svg(WIDTH, HEIGHT, body, "tm-bucket-svg", f"leaky bucket of {state.firm}",
               {"step": step, "firm": state.firm})
