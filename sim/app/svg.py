"""Small SVG building blocks for the classroom app: text, paths, nice ticks, chart panels.

The app draws its figures as inline SVG rather than matplotlib PNGs: a step's redraw is a
few milliseconds of string building instead of a raster render, the browser draws it
sharp at any projector resolution, and every text's size is known in CSS pixels. A
figure's ``viewBox`` is laid out in CSS pixels at its smallest size on the page
(:data:`MIN_SCALE` of its width), so font sizes given here are what a student reads at
least (see ``tests/test_app.py``, which measures them in Chromium).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from sim.style import INK, thousands

FONT = "Roboto, 'Liberation Sans', Arial, 'DejaVu Sans', sans-serif"
#: Font sizes in viewBox units (CSS px at scale 1).
TICK, LABEL, TITLE = 15, 16, 17
#: The smallest scale the page's CSS lets a figure shrink to (its min-width / viewBox width).
MIN_SCALE = 0.92
GRID = "#DDDDDD"


def text(x: float, y: float, content: str, size: float = LABEL, anchor: str = "start",
         weight: str = "normal", colour: str = INK, css: str = "", baseline: str = "") -> str:
    """One line of text (escaped); ``css`` is a class the browser test can find."""
    extra = f' class="{css}"' if css else ""
    if baseline:
        extra += f' dominant-baseline="{baseline}"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{colour}"{extra}>{escape(content)}</text>')


def polyline(xs: Iterable[float], ys: Iterable[float], colour: str, width: float = 2.5,
             dash: str = "") -> str:
    """A line through the points (NaNs skipped)."""
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)
                      if math.isfinite(x) and math.isfinite(y))
    if not points:
        return ""
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}" '
            f'stroke-linejoin="round"{dashed}/>')


def polygon(xs: Sequence[float], ys: Sequence[float], colour: str, opacity: float = 1.0) -> str:
    """A filled area."""
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return f'<polygon points="{points}" fill="{colour}" fill-opacity="{opacity:g}" stroke="none"/>'


def svg(width: float, height: float, body: Iterable[str], css: str, label: str,
        data: dict[str, object] | None = None) -> str:
    """A whole figure: ``viewBox`` of ``width`` x ``height``, scaled to its container."""
    attrs = "".join(f' data-{k}="{escape(str(v))}"' for k, v in (data or {}).items())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" viewBox="0 0 {width} '
            f'{height}" preserveAspectRatio="xMidYMid meet" role="img" '
            f'aria-label="{escape(label)}" font-family="{escape(FONT)}"{attrs}>'
            + "".join(body) + "</svg>")


def nice_ticks(low: float, high: float, count: int = 4) -> np.ndarray:
    """Round tick values covering [low, high] (about ``count`` intervals: 1, 2, 2.5, 5 x 10^k)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    return np.arange(start, high + step * 0.999, step)


@dataclass(frozen=True)
class Panel:
    """A plotting area inside a figure: ``left``, ``top``, ``width``, ``height`` in viewBox
    units, showing x in [x0, x1] and y in [y0, y1]."""

    left: float
    top: float
    width: float
    height: float
    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, value: np.ndarray | float) -> np.ndarray:
        span = (self.x1 - self.x0) or 1.0
        return self.left + (np.asarray(value, dtype=float) - self.x0) / span * self.width

    def y(self, value: np.ndarray | float) -> np.ndarray:
        span = (self.y1 - self.y0) or 1.0
        return self.top + self.height - (np.asarray(value, dtype=float) - self.y0) / span * (
            self.height)

    def line(self, xs: np.ndarray, ys: np.ndarray, colour: str, width: float = 2.5,
             dash: str = "") -> str:
        return polyline(self.x(xs), self.y(ys), colour, width, dash)

    def stack(self, xs: np.ndarray, layers: Sequence[np.ndarray],
              colours: Sequence[str]) -> str:
        """Stacked areas, bottom layer first. Each is drawn from the baseline up to its
        cumulative top, topmost first, so neighbouring areas share no anti-aliased seam."""
        if len(xs) == 0:
            return ""
        tops = np.cumsum(np.vstack(layers), axis=0)
        out = []
        px = self.x(xs)
        base = self.y(np.zeros_like(px))
        for top, colour in zip(tops[::-1], colours[::-1], strict=True):
            py = self.y(top)
            out.append(polygon([*px, *px[::-1]], [*py, *base[::-1]], colour))
        return "".join(out)

    def axes(self, x_ticks: Sequence[float], y_ticks: Sequence[float], x_label: str = "",
             y_label: str = "", x_format=None, y_format=thousands) -> str:
        """Grid lines, tick labels and axis labels."""
        out = []
        x_format = x_format or (lambda v: f"{v:g}")
        for v in y_ticks:
            if self.y0 - 1e-9 <= v <= self.y1 + 1e-9:
                y = float(self.y(v))
                colour = "#999999" if v == 0 else GRID
                out.append(f'<line x1="{self.left:.1f}" x2="{self.left + self.width:.1f}" '
                           f'y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1"/>')
                out.append(text(self.left - 6, y + TICK * 0.35, y_format(v), TICK, "end",
                                css="tm-tick"))
        bottom = self.top + self.height
        for v in x_ticks:
            if self.x0 - 1e-9 <= v <= self.x1 + 1e-9:
                x = float(self.x(v))
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.top:.1f}" '
                           f'y2="{bottom:.1f}" stroke="{GRID}" stroke-width="1"/>')
                out.append(text(x, bottom + TICK + 3, x_format(v), TICK, "middle",
                                css="tm-tick"))
        out.append(f'<rect x="{self.left:.1f}" y="{self.top:.1f}" width="{self.width:.1f}" '
                   f'height="{self.height:.1f}" fill="none" stroke="#BBBBBB"/>')
        if x_label:
            out.append(text(self.left + self.width, bottom + 2 * TICK + 8, x_label, TICK,
                            "end", css="tm-axis-label"))
        if y_label:
            out.append(text(self.left, self.top - 6, y_label, TICK, "start",
                            css="tm-axis-label"))
        return "".join(out)


def legend(x: float, y: float, entries: Sequence[tuple[str, str]], width: float,
           size: float = TICK) -> tuple[str, float]:
    """Swatches and labels in rows from (x, y) within ``width``; returns (svg, height).

    Label widths are estimated at 0.55 em a character (generous for common sans fonts)."""
    out, cx, cy = [], x, y
    for colour, label in entries:
        need = 18 + 0.55 * size * len(label) + 10
        if cx > x and cx + need > x + width:
            cx, cy = x, cy + size + 8
        out.append(f'<rect x="{cx:.1f}" y="{cy - size * 0.8:.1f}" width="13" height="13" '
                   f'fill="{colour}" stroke="{INK}" stroke-width="0.5"/>')
        out.append(text(cx + 18, cy + 1, label, size, css="tm-legend"))
        cx += need
    return "".join(out), cy - y + size + 6
