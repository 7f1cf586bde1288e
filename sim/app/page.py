"""The classroom app: a Mesa SolaraViz page of one market (``trustmarket app``).

Run it with ``trustmarket app [SCENARIO]`` (or ``solara run sim.app``): the scenario
comes from the ``TRUSTMARKET_APP_SCENARIO`` environment variable the command sets,
default ``scenarios/leaky_bucket.toml``. Every browser tab gets its own model.

The sidebar is Mesa's: step, play/pause, reset, the seed (used on Reset) and the step
counter. The main area (:mod:`sim.app.components`) shows the live levers, a leaky bucket
per firm, the customer network coloured by trust stage, profit and the trust ladder over
time, and the customer lifecycle (Mesa's own plot component).

Levers move *live*: a change applies to the running model from its next step (the
firms' levers, the strategy presets, word-of-mouth reach), so a teacher can plug a hole
mid-run and watch the bucket respond. Reset rebuilds the market from the scenario file
with the seed in the sidebar.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import mesa.visualization.solara_viz as _solara_viz
import solara
from mesa.visualization import SolaraViz, make_plot_component

from sim.app.components import BucketView, LiveLevers, NetworkView, ProfitView, TrustLadderView
from sim.model import MarketModel
from sim.scenario import SHIPPED, load_scenario

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


def parse_seed(text: Any) -> int | None:
    """The seed typed into the sidebar: a whole number, or None (the scenario's seed).

    SolaraViz hands an ``InputText`` value over as a string (mesa#3516); anything that is
    not a non-negative whole number falls back to the scenario's seed rather than crashing
    Reset.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text if text >= 0 else None
    cleaned = str(text or "").strip().replace("_", "")
    return int(cleaned) if cleaned.isdigit() else None


class ClassroomModel(MarketModel):
    """The market model with keyword-only construction, as SolaraViz's Reset needs
    (``type(model)(**model_params)``).

    Parameters
    ----------
    scenario
        Path of the scenario file ('' for :func:`app_scenario`).
    seed
        The seed as typed (see :func:`parse_seed`); '' for the scenario's own.
    """

    def __init__(self, scenario: str = "", seed: int | str | None = ""):
        path = Path(scenario) if scenario else app_scenario()
        super().__init__(path, seed=parse_seed(seed))
        self.scenario_path = path
        self.running = True


def model_params(scenario: Path) -> dict[str, Any]:
    """SolaraViz's model parameters: the fixed scenario path and the seed field."""
    seed = load_scenario(scenario).run.seed
    return {
        "scenario": str(scenario),
        "seed": {"type": "InputText", "value": str(seed), "label": "Seed (used on Reset)"},
    }


COMPONENTS = [
    (LiveLevers, 0),
    (BucketView, 0),
    (ProfitView, 0),
    (TrustLadderView, 0),
    (NetworkView, 0),
    # Mesa's own plot component (it returns the (component, page) pair itself).
    make_plot_component({"lifecycle_potential": "#bdbdbd", "lifecycle_new": "#9ecae1",
                         "lifecycle_regular": "#3182bd", "lifecycle_lapsed": "#fd8d3c"},
                        backend="matplotlib"),
]


#: Grid cells of the page's components, in COMPONENTS order (12 columns, 30 px rows).
LAYOUT = ((0, 0, 5, 12), (5, 0, 7, 12), (0, 12, 6, 10), (6, 12, 6, 10), (0, 22, 6, 12),
          (6, 22, 6, 12))


def classroom_layout(num_components: int) -> list[dict[str, Any]]:
    """The initial grid: levers beside the buckets, then profit and trust ladder, then the
    network and the lifecycle (Mesa's default is equal half-width cells)."""
    cells = [{"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False}
             for i, (x, y, w, h) in enumerate(LAYOUT[:num_components])]
    for i in range(len(cells), num_components):
        cells.append({"i": i, "x": 6 * (i % 2), "y": 40 + 12 * (i // 2), "w": 6, "h": 10,
                      "moved": False})
    return cells


# Mesa 3.3's SolaraViz takes no layout argument; it asks this module-level function for
# the initial grid, so the app (its own server process) supplies its own.
_solara_viz.make_initial_grid_layout = classroom_layout


@solara.component
def Page() -> None:
    """The page: one model per browser tab."""
    scenario = app_scenario()
    model = solara.use_memo(lambda: ClassroomModel(str(scenario)), [])
    SolaraViz(model, components=COMPONENTS, model_params=model_params(scenario),
              name=f"trustmarket — {model.scenario.name}", play_interval=150)


page = Page
