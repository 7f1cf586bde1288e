"""Keyboard shortcuts a presenter's clicker can send.

Clickers send PageDown / PageUp (next / previous), the arrow keys, ``b`` or ``.`` (blank
the screen) and F5 / Escape (start / stop the slide show). The app maps them to its three
actions and presentation mode. Keys typed into a field (the seed) are left alone, and so
are keys with Ctrl, Alt or Meta (the browser's own shortcuts).
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
      if (["input", "textarea", "select"].includes(tag) || target.isContentEditable) return;
      event.preventDefault();
      if (tag === "button" && target.blur) target.blur();  // Space must not click it too
      this.pressed(keys[event.key]);
    };
    window.addEventListener("keydown", this.listener);
  },
  destroyed() { window.removeEventListener("keydown", this.listener); },
}
</script>
"""


class KeyListener(v.VuetifyTemplate):
    """An invisible widget that listens for :data:`ACTIONS` keys on the whole page."""

    template = traitlets.Unicode(_TEMPLATE.replace("KEYS_JSON", json.dumps(ACTIONS))).tag(
        sync=True)
    callback = traitlets.Any(default_value=None)

    def vue_pressed(self, action: str) -> None:
        if self.callback is not None:
            self.callback(action)


@solara.component
def Keys(on_action: Callable[[str], None]) -> None:  # noqa: N802 - a component
    """Listen for the shortcuts; call ``on_action(action)``."""
    KeyListener.element(callback=on_action)
