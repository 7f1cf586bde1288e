"""The classroom app's views: buckets, profit, trust ladder, lifecycle, network, levers.

Each view is a Solara component that reads the session's reactive step counter (so it is
redrawn after a step, and only then) and renders an inline SVG built by
:mod:`sim.app.bucket` and :mod:`sim.app.charts`. The lever panel reads the lever counter
instead (redrawn when a lever moves, not on every step).
"""

from __future__ import annotations

from html import escape

import solara

from sim.app import charts, controls, snapshot
from sim.app.bucket import biggest_flow, bucket_svg
from sim.app.css import GAP, MIN_COLUMN, PAGE_PADDING, PRESENT_BAR
from sim.app.lever import lever_slider
from sim.app.session import Session
from sim.style import elapsed, firm_colour, step_unit, year_and_step


def _figure(css: str, content: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=content, classes=["tm-figure", css])


@solara.component
def StepCounter(session: Session, large: bool = False) -> None:
    """The step as a room reads it: "year 2 · week 14", and the time since the start."""
    session.tick.value  # noqa: B018 - redraw after every step
    spy = session.steps_per_year
    steps = session.model.value.steps
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<span class="tm-counter-main">{year_and_step(steps, spy).capitalize()}</span>'
        f'<span class="tm-counter-sub">Step: {steps} ({elapsed(steps, spy)})</span>'),
        classes=["tm-counter", "tm-counter-large" if large else "tm-counter-small"])


@solara.component
def BucketView(session: Session) -> None:
    """The leaky bucket of every firm, side by side, on one shared scale."""
    session.tick.value  # noqa: B018
    model = session.model.value
    states, capacity = snapshot.buckets(model)
    scale = biggest_flow(states)
    unit = step_unit(session.steps_per_year)
    svgs = [bucket_svg(s, capacity, scale, unit, firm_colour(i), model.steps)
            for i, s in enumerate(states)]
    inner = "".join(f'<div class="tm-bucket-cell">{s}</div>' for s in svgs)
    _figure("tm-bucket", f'<div class="tm-bucket-grid" data-step="{model.steps}">{inner}</div>')


def _chart_size(session: Session) -> tuple[int, int]:
    """(height, width) of a chart's viewBox: tall on the scrolling page; in presentation
    mode as wide as its share of the window (see :func:`charts.fitted_width`)."""
    if not session.presentation.value:
        return charts.TALL, charts.WIDTH
    width, height = session.window.value
    columns = max(1, min(2, (width - 2 * PAGE_PADDING + GAP) // (MIN_COLUMN + GAP)))
    cell_width = (width - 2 * PAGE_PADDING - (columns - 1) * GAP) / columns - 2
    cell_height = (height - PRESENT_BAR) * 0.45 - GAP - 2
    return charts.COMPACT, charts.fitted_width(cell_width, cell_height)


@solara.component
def FirmChart(session: Session, kind: str) -> None:
    """A chart per firm over time: ``kind`` "profit" (per step and cumulative) or "ladder"
    (customers by trust stage)."""
    session.tick.value  # noqa: B018
    model = session.model.value
    height, width = _chart_size(session)
    draw = charts.profit_svg if kind == "profit" else charts.ladder_svg
    _figure(f"tm-{kind}", draw(snapshot.firm_arrays(model), session.firm_names,
                               session.steps_per_year, session.horizon, model.steps,
                               height=height, width=width))


@solara.component
def LifecycleView(session: Session) -> None:
    """The whole market by lifecycle stage."""
    session.tick.value  # noqa: B018
    model = session.model.value
    _figure("tm-lifecycle", charts.lifecycle_svg(snapshot.market_series(model),
                                                 session.steps_per_year, session.horizon,
                                                 model.steps))


@solara.component
def NetworkView(session: Session) -> None:
    """The people of the word-of-mouth network (one neighbourhood of a large market)."""
    session.tick.value  # noqa: B018
    model = session.model.value
    sample = snapshot.network_sample(model)
    firm, stage, present = snapshot.network_colours(model, sample)
    _figure("tm-network", charts.network_svg(sample.positions, sample.edges_path, firm, stage,
                                             present, session.firm_names, sample.total,
                                             model.steps))


@solara.component
def FirmLevers(session: Session, index: int) -> None:
    """A firm's strategy preset and its live levers."""
    session.levers_tick.value  # noqa: B018 - redraw when a lever moves
    model = session.model.value
    firm = model.firms[index]
    preset = controls.preset_of(model, index)
    presets = list(model.scenario.strategies)
    with solara.Div(classes=["tm-firm-levers", f"tm-firm-{index}"]):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f'<span class="tm-swatch" style="background:{firm_colour(index)}"></span>'
            f"{escape(firm.name)}"), classes=["tm-levers-title"])
        solara.Select("strategy preset (moving a lever makes it custom)",
                      values=[*presets, controls.CUSTOM], value=preset,
                      on_value=lambda v: session.set_strategy(index, v)
                      if v in presets else None, classes=["tm-preset"])
        for lever in controls.LIVE_LEVERS:
            value = float(getattr(firm.levers, lever.name))
            lever_slider(lever.label, controls.lever_tooltip(lever),
                         controls.lever_text(lever, value, session.steps_per_year), value,
                         lever.maximum, lever.step,
                         lambda v, name=lever.name: session.set_lever(index, name, v),
                         f"tm-lever-{lever.name}")


@solara.component
def MarketLevers(session: Session) -> None:
    """Word of mouth: how many people a speaking customer tells."""
    session.levers_tick.value  # noqa: B018
    reach = float(session.model.value.scenario.customers.wom_reach)
    with solara.Div(classes=["tm-firm-levers", "tm-market"]):
        solara.HTML(tag="div", unsafe_innerHTML="The market", classes=["tm-levers-title"])
        lever_slider("word of mouth", controls.wom_tooltip(), controls.wom_text(reach), reach,
                     controls.WOM_MAX, controls.WOM_STEP, session.set_word_of_mouth,
                     "tm-lever-wom_reach")


@solara.component
def SeedField(session: Session) -> None:
    """The seed Reset uses, checked as it is typed; a message says what is wrong."""
    message = session.seed_message.value
    with solara.Div(classes=["tm-seed"]):
        solara.InputText("seed for Reset (same seed, same market)",
                         value=session.seed_text.value, on_value=session.type_seed,
                         error=bool(message), continuous_update=False)
        if message:
            solara.HTML(tag="div", unsafe_innerHTML=escape(message), classes=["tm-seed-message"])


@solara.component
def ErrorLine(session: Session) -> None:
    """A failed step or Reset, in words (the server log has the details)."""
    if session.error.value:
        solara.Error(session.error.value, classes=["tm-error"])


__all__ = ["BucketView", "FirmChart", "FirmLevers", "LifecycleView", "MarketLevers",
           "NetworkView", "SeedField", "StepCounter"]
