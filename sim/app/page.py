"""The classroom app: one market on a page a lecture hall can read (``trustmarket app``).

Run it with ``trustmarket app [SCENARIO]`` (or ``solara run sim.app.page``): the scenario
comes from the ``TRUSTMARKET_APP_SCENARIO`` environment variable the command sets,
default ``scenarios/leaky_bucket.toml``. In Jupyter, ``notebook_app()`` shows the same
app in a cell. Every browser tab gets its own market.

The page is the app's own Solara composition (it uses no Mesa visualisation internals, so
it runs alike on every Mesa release the project supports): a bar with Step, Play/Pause,
Reset, the play speed, the step counter and the presentation switch; a leaky bucket per
firm across the screen; each firm's live levers under its bucket; profit and the trust
ladder; the word-of-mouth network and the customer lifecycle. *Presentation mode* (the
switch, or F) hides every control and fills the screen with the buckets, profit and the
trust ladder under a large counter; the keys of :mod:`sim.app.keys` drive it.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import solara
import solara.lab

from sim.app import keys
from sim.app.components import (
    BucketView,
    ErrorLine,
    FirmChart,
    FirmLevers,
    LifecycleView,
    MarketLevers,
    NetworkView,
    SeedField,
    StepCounter,
)
from sim.app.css import CSS
from sim.app.session import SPEEDS, ClassroomModel, Session
from sim.model import compile_ahead
from sim.scenario import SHIPPED

ROOT = SHIPPED.parent
SCENARIO_ENV = "TRUSTMARKET_APP_SCENARIO"


def default_scenario() -> Path:
    """The classroom scenario if it exists, else the headline."""
    bucket = ROOT / "scenarios" / "leaky_bucket.toml"
    return bucket if bucket.exists() else ROOT / "scenarios" / "bribery_vs_trust.toml"


def app_scenario() -> Path:
    """The scenario the app shows: ``$TRUSTMARKET_APP_SCENARIO`` or the default."""
    chosen = os.environ.get(SCENARIO_ENV)
    return Path(chosen) if chosen else default_scenario()


@solara.component
def Player(session: Session) -> None:
    """Runs Play's loop in a task while ``playing`` is on (renders nothing)."""
    playing = session.playing.value

    def loop() -> None:
        if playing:
            session.play_loop()

    solara.lab.use_task(loop, dependencies=[playing], prefer_threaded=True)


@solara.component
def Controls(session: Session) -> None:
    """Step, Play/Pause, Reset, the speed, the seed (for Reset) and the shortcuts."""
    playing = session.playing.value
    with solara.Div(classes=["tm-controls"]):
        solara.Button("Step", on_click=session.manual_step, disabled=playing, color="primary",
                      classes=["tm-step"])
        solara.Button("❚❚ Pause" if playing else "▶ Play", on_click=session.toggle_play,
                      color="primary", classes=["tm-play"])
        solara.Button("Reset", on_click=session.reset, outlined=True, classes=["tm-reset"])
        solara.Select("play speed", values=[label for label, _ in SPEEDS],
                      value=session.speed, classes=["tm-speed"])
        SeedField(session)


@solara.component
def CompileNotice(session: Session) -> None:
    """One line while the market steps as Python because the engine is still compiling
    (the first run on a machine); gone at the first step after."""
    session.tick.value  # noqa: B018 (read: redraw after every step)
    if session.model.value.runs_as_python:
        solara.HTML(tag="div", unsafe_innerHTML=escape(compile_ahead.NOTICE),
                    classes=["tm-title-description"])


@solara.component
def TopBar(session: Session) -> None:
    """The scenario's name, the counter and the presentation switch (always shown)."""
    presenting = session.presentation.value
    model = session.model.value
    with solara.Div(classes=["tm-bar"]):
        with solara.Div(classes=["tm-title"]):
            solara.HTML(tag="div", unsafe_innerHTML=escape(model.scenario.name.replace("_", " ")),
                        classes=["tm-title-name"])
            if not presenting:
                solara.HTML(tag="div", unsafe_innerHTML=escape(model.scenario.description),
                            classes=["tm-title-description"])
            CompileNotice(session)
        StepCounter(session, large=presenting)
        solara.Switch(label="presentation mode (F)", value=session.presentation,
                      classes=["tm-present-switch"])


@solara.component
def ClassroomApp(scenario: str | None = None) -> None:
    """The whole app for one scenario file (default: :func:`app_scenario`)."""
    path = Path(scenario) if scenario else app_scenario()
    session = solara.use_memo(lambda: Session(path, ClassroomModel(path)), [str(path)])
    presenting = session.presentation.value
    with solara.Div(classes=["tm-app", "tm-present" if presenting else "tm-normal"]):
        solara.Style(CSS)
        keys.Keys(on_action=session.key, on_resize=session.resize)
        Player(session)
        TopBar(session)
        if not presenting:
            Controls(session)
        ErrorLine(session)
        BucketView(session)
        if presenting:
            with solara.Div(classes=["tm-charts"]):
                FirmChart(session, "profit")
                FirmChart(session, "ladder")
            solara.HTML(tag="div", unsafe_innerHTML=escape(keys.HELP), classes=["tm-keys-help"])
            return
        with solara.Div(classes=["tm-levers"]):
            for index in range(len(session.model.value.firms)):
                FirmLevers(session, index)
        with solara.Div(classes=["tm-levers", "tm-levers-market"]):
            MarketLevers(session)
            solara.HTML(tag="div", unsafe_innerHTML=escape("Levers are live: a change is in "
                                                           "force from the next step. "
                                                           + keys.HELP + "."),
                        classes=["tm-keys-help"])
        with solara.Div(classes=["tm-charts"]):
            FirmChart(session, "profit")
            FirmChart(session, "ladder")
        with solara.Div(classes=["tm-charts"]):
            NetworkView(session)
            LifecycleView(session)


@solara.component
def Page() -> None:
    """The page ``solara run sim.app.page`` serves: one market per browser tab."""
    ClassroomApp(str(app_scenario()))


@solara.component
def Layout(children: list | None = None) -> None:
    """No app bar or sidebar around the page: the app has its own bar."""
    solara.Div(children=children or [], classes=["tm-root"])


def notebook_app(scenario: str | Path | None = None):
    """The classroom app as an element for Jupyter: ``display(notebook_app())`` or make it
    the cell's last expression.

    Parameters
    ----------
    scenario
        A scenario file (default: the classroom scenario, ``scenarios/leaky_bucket.toml``).
    """
    return ClassroomApp(str(scenario) if scenario else str(default_scenario()))


page = Page
