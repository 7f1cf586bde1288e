"""One lever as one widget: its name with a tooltip, its value and unit, and a slider.

A Vue template rather than five nested Solara elements per lever: the page re-renders
from its root after every step, and the fewer elements it has the less each step costs
(13 levers x 8 elements were half of a step's time). The slider reports its value when
released (``change``), so a drag is one change to the model, not dozens.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify as v
import solara
import traitlets

_TEMPLATE = """
<template>
  <div :class="'tm-lever ' + lever_class">
    <div class="tm-lever-head">
      <v-tooltip bottom max-width="420">
        <template v-slot:activator="{ on, attrs }">
          <span class="tm-lever-label" v-bind="attrs" v-on="on">{{ label }}
            <span class="tm-info" aria-hidden="true">?</span></span>
        </template>
        <span class="tm-tooltip">{{ tooltip }}</span>
      </v-tooltip>
      <span class="tm-lever-value">{{ value_text }}</span>
    </div>
    <div class="tm-slider">
      <v-slider :value="value" :min="minimum" :max="maximum" :step="step" hide-details
                :aria-label="label" @change="changed"></v-slider>
    </div>
  </div>
</template>
"""


class LeverWidget(v.VuetifyTemplate):
    """The widget behind :func:`LeverSlider`."""

    template = traitlets.Unicode(_TEMPLATE).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    value_text = traitlets.Unicode("").tag(sync=True)
    value = traitlets.Float(0.0).tag(sync=True)
    minimum = traitlets.Float(0.0).tag(sync=True)
    maximum = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(0.05).tag(sync=True)
    lever_class = traitlets.Unicode("").tag(sync=True)
    callback = traitlets.Any(default_value=None)

    def vue_changed(self, value: float) -> None:
        if self.callback is not None:
            self.callback(float(value))


def lever_slider(label: str, tooltip: str, value_text: str, value: float, maximum: float,
                 step: float, on_value: Callable[[float], None], css: str = ""
                 ) -> solara.Element:
    """A lever: ``label`` (hover: ``tooltip``), ``value_text`` beside it, and a slider from
    0 to ``maximum`` that calls ``on_value`` when released."""
    return LeverWidget.element(label=label, tooltip=tooltip, value_text=value_text,
                               value=value, minimum=0.0, maximum=maximum, step=step,
                               lever_class=css, callback=on_value)
