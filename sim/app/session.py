"""One browser tab's market: the model, its reactive counters and what the buttons, keys
and levers do to it.

The views read :attr:`Session.tick` (bumped after every step or Reset) or
:attr:`Session.levers_tick` (bumped when a lever, preset or word of mouth moves), so a step
redraws the figures and a slider redraws the lever panel, and neither redraws the other.
Every change to the model happens under one lock: Play's thread and a click cannot step
the same market at once. A failure becomes a message in the page; its traceback goes to
the server log only.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import solara

from sim.app import controls
from sim.model import MarketModel, compile_ahead

log = logging.getLogger("sim.app")

#: Play speeds in the app's own words: (label, seconds between steps; 0: as fast as drawn).
SPEEDS = (("1 week a second", 1.0), ("2 weeks a second", 0.5), ("4 weeks a second", 0.25),
          ("as fast as it draws", 0.0))
DEFAULT_SPEED = SPEEDS[2][0]


class ClassroomModel(MarketModel):
    """The market model built from a scenario path and a seed, as Reset builds it.

    Parameters
    ----------
    scenario
        Path of the scenario file.
    seed
        The seed (``None``: the scenario's own ``run.seed``).
    """

    def __init__(self, scenario: str | Path, seed: int | None = None):
        compile_ahead.start()  # on an empty cache the page comes at once, stepping as Python
        super().__init__(Path(scenario), seed=seed)
        self.scenario_path = Path(scenario)


class Session:
    """The state of one tab: call it only from a Solara component's render (it creates
    reactive variables with hooks).

    Parameters
    ----------
    scenario
        Path of the scenario file the tab shows.
    """

    def __init__(self, scenario: Path, model: MarketModel):
        self.scenario = scenario
        self.model = solara.reactive(model)
        self.tick = solara.reactive(0)
        self.levers_tick = solara.reactive(0)
        self.playing = solara.reactive(False)
        self.presentation = solara.reactive(False)
        self.speed = solara.reactive(DEFAULT_SPEED)
        seed = model.scenario.run.seed
        self.seed_text = solara.reactive(str(seed))
        self.seed_message = solara.reactive("")
        self.error = solara.reactive("")
        #: The browser window's (width, height) in CSS px, (0, 0) until it reports.
        self.window = solara.reactive((0, 0))
        self.lock = threading.RLock()
        #: Seconds each of the last steps took on the server (model step + redraw).
        self.step_seconds: list[float] = []

    # ------------------------------------------------------------------ what views read
    @property
    def steps_per_year(self) -> int:
        return int(self.model.value.scenario.market.steps_per_year)

    @property
    def horizon(self) -> int:
        """The scenario's run length (the time axes' extent)."""
        return int(self.model.value.scenario.run.steps)

    @property
    def firm_names(self) -> list[str]:
        return [f.name for f in self.model.value.firms]

    # ------------------------------------------------------------------ actions
    def step(self, count: int = 1) -> None:
        """Advance the market ``count`` steps and redraw once (ignored while playing unless
        Play's own thread calls it)."""
        started = time.perf_counter()
        with self.lock:
            model = self.model.value
            before = [f.levers for f in model.firms]
            try:
                for _ in range(count):
                    model.step()
            except Exception as exc:  # a message in the page, the details in the log
                log.exception("step failed")
                self.playing.set(False)
                self.error.set(f"The step failed: {exc}")
                return
            if any(a is not b for a, b in zip(before, (f.levers for f in model.firms),
                                              strict=True)):
                self.levers_tick.set(self.levers_tick.value + 1)  # an adaptive firm moved
            self.tick.set(self.tick.value + 1)
        self.step_seconds = [*self.step_seconds[-49:], time.perf_counter() - started]

    def manual_step(self) -> None:
        """Step (button or key): one step, unless Play is running."""
        if not self.playing.value:
            self.step()

    def toggle_play(self) -> None:
        self.playing.set(not self.playing.value)

    def play_loop(self) -> None:
        """Play: step at the chosen speed until paused (runs in a task thread)."""
        interval = dict(SPEEDS).get(self.speed.value, 0.25)
        while self.playing.value:
            started = time.perf_counter()
            self.step()
            time.sleep(max(0.01, interval - (time.perf_counter() - started)))

    def reset(self) -> None:
        """Rebuild the market from the scenario file with the seed typed (if it is one)."""
        seed, message = controls.check_seed(self.seed_text.value)
        self.seed_message.set(message)
        if message:
            return
        self.playing.set(False)
        with self.lock:
            try:
                model = ClassroomModel(self.scenario, seed)
            except Exception as exc:
                log.exception("reset failed")
                self.error.set(f"Reset failed: {exc}")
                return
            self.error.set("")
            self.model.set(model)
            self.tick.set(self.tick.value + 1)
            self.levers_tick.set(self.levers_tick.value + 1)

    def type_seed(self, text: str | None) -> None:
        """The seed field changed: keep the text, say at once what is wrong with it."""
        self.seed_text.set(text or "")
        self.seed_message.set(controls.check_seed(text)[1])

    def _change(self, change, *args) -> None:
        with self.lock:
            try:
                change(self.model.value, *args)
            except ValueError as exc:  # out of the schema's range: say so, keep the lever
                self.error.set(str(exc))
                return
            self.error.set("")
            self.levers_tick.set(self.levers_tick.value + 1)

    def set_lever(self, firm: int, lever: str, value: float) -> None:
        self._change(controls.set_lever, firm, lever, value)

    def set_strategy(self, firm: int, strategy: str) -> None:
        self._change(controls.set_strategy, firm, strategy)

    def set_word_of_mouth(self, reach: float) -> None:
        self._change(controls.set_word_of_mouth, reach)

    def resize(self, width: int, height: int) -> None:
        """The browser window's size changed."""
        self.window.set((width, height))

    def key(self, name: str) -> None:
        """A keyboard shortcut (see :data:`sim.app.keys.ACTIONS`)."""
        if name == "step":
            self.manual_step()
        elif name == "play":
            self.toggle_play()
        elif name == "reset":
            self.reset()
        elif name == "present":
            self.presentation.set(not self.presentation.value)
        elif name == "leave":
            self.presentation.set(False)
