"""Keyboard shortcuts a presenter's clicker can send (and the window's size).

Clickers send PageDown / PageUp (next / previous), the arrow keys, ``b`` or ``.`` (blank
the screen) and F5 / Escape (start / stop the slide show). The app maps them to its three
actions and presentation mode — before a focused slider, select or button sees them, so
a clicker keeps working after a lever was dragged. Keys typed into a text field (the
seed) are left alone, and so are keys with Ctrl, Alt or Meta (the browser's own).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import ipyvuetify as v
import solara
import traitlets

#: Key (``KeyboardEvent.key``) -> action of :meth:`sim.app.session.Session.key`.
ACTIONS = {
    "PageDown": "step", "ArrowRight": "step", "ArrowDown": "step", "n": "step", "s": "step",
    "PageUp": "play", "ArrowLeft": "play", "ArrowUp": "play", " ": "play", "b": "play",
    "B": "play", ".": "play", "p": "play",
    "r": "reset", "R": "reset", "Home": "reset",
    "f": "present", "F": "present", "F5": "present", "Escape": "leave",
}
#: The shortcuts in words, as the page and docs/classroom.md list them.
HELP = ("→ ↓ PageDown: one week · ← ↑ PageUp, Space, B or '.': play / pause · "
        "R or Home: reset · F or F5: presentation mode · Esc: leave it")

_TEMPLATE = """
<template><span class="tm-keys" style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    const keys = KEYS_JSON;
    this.listener = (event) => {
      if (event.ctrlKey || event.altKey || event.metaKey || !(event.key in keys)) return;
      const target = event.target || {};
      const tag = (target.tagName || "").toLowerCase();
      const typing = (tag === "input" && !target.readOnly) || tag === "textarea" ||
                     target.isContentEditable;
      if (typing) return;  // the seed field keeps its keys
      // Before sliders, selects and buttons see the key (capture phase): a clicker's
      // PageDown steps the market even just after a lever was dragged.
      event.preventDefault();
      event.stopPropagation();
      if (target.blur) target.blur();
      this.pressed(keys[event.key]);
    };
    window.addEventListener("keydown", this.listener, true);
    // The window's size, for presentation mode's charts (at most one report a frame).
    this.report = () => {
      cancelAnimationFrame(this.frame);
      this.frame = requestAnimationFrame(() => this.resized(
        {width: window.innerWidth, height: window.innerHeight}));
    };
    this.report();
    window.addEventListener("resize", this.report);
  },
  destroyed() {
    window.removeEventListener("keydown", this.listener, true);
    window.removeEventListener("resize", this.report);
  },
}
</script>
"""


class KeyListener(v.VuetifyTemplate):
    """An invisible widget that listens for :data:`ACTIONS` keys on the whole page."""

    template = traitlets.Unicode(_TEMPLATE.replace("KEYS_JSON", json.dumps(ACTIONS))).tag(
        sync=True)
    callback = traitlets.Any(default_value=None)
    size_callback = traitlets.Any(default_value=None)

    def vue_pressed(self, action: str) -> None:
        if self.callback is not None:
            self.callback(action)

    def vue_resized(self, size: dict) -> None:
        if self.size_callback is not None:
            self.size_callback(int(size["width"]), int(size["height"]))


@solara.component
def Keys(on_action: Callable[[str], None],  # noqa: N802 - a component
         on_resize: Callable[[int, int], None] | None = None) -> None:
    """Listen for the shortcuts (call ``on_action(action)``) and the window's size (call
    ``on_resize(width, height)`` in CSS px)."""
    KeyListener.element(callback=on_action, size_callback=on_resize)
