"""Live changes to a running market from the classroom app, and the words beside them.

Levers, strategy presets and word-of-mouth reach change the running model, in force from
its next step. Each control explains itself: its value with its unit, and a tooltip with
what it means and the seed idea it moves — both read from the scenario schema
(:class:`sim.scenario.schema.Levers`, declared with ``param(doc=..., unit=...,
seed_idea=...)``), so the app says what the docs say. The seed typed for Reset is checked
here too: a message for the page, never an exception.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sim.model import MarketModel
from sim.scenario import CustomerSpec, Levers, RunSpec
from sim.style import step_unit

#: What the strategy selector shows once a lever has moved away from every preset.
CUSTOM = "custom"
#: The largest seed a scenario accepts (``run.seed``: 0 <= seed < 2**63).
MAX_SEED = next(f.metadata["lt"] for f in dataclasses.fields(RunSpec) if f.name == "seed") - 1


@dataclass(frozen=True)
class LiveLever:
    """A lever the app offers as a slider: its schema name, short label, range and step,
    and how its value reads (``fmt(value, unit)``: e.g. "25 % off", "0.80 of 1")."""

    name: str
    label: str
    maximum: float
    step: float
    fmt: Callable[[float, str], str]


def _percent_off(v: float, _unit: str) -> str:
    return f"{v:.0%} off"


def _percent_per(v: float, unit: str) -> str:
    return f"{v:.0%} a {unit}"


def _level(v: float, _unit: str) -> str:
    return f"{v:.2f} of 1"


LIVE_LEVERS = (
    LiveLever("discount_depth", "discount", 0.6, 0.05, _percent_off),
    LiveLever("training", "staff training", 1.0, 0.05, _level),
    LiveLever("service", "service", 1.0, 0.05, _level),
    LiveLever("quality", "quality", 1.0, 0.05, _level),
    LiveLever("personalisation", "personalisation", 1.0, 0.05, _level),
    LiveLever("advertising", "advertising", 0.2, 0.01, _percent_per),
)
#: Word of mouth: mean people a speaking customer tells (``customers.wom_reach``).
WOM_MAX, WOM_STEP = 10.0, 0.5


def _meta(cls: type, name: str) -> Mapping[str, object]:
    return next(f.metadata for f in dataclasses.fields(cls) if f.name == name)


def explain(cls: type, name: str) -> str:
    """The tooltip of a parameter: what it means, its allowed range and its seed idea."""
    meta = _meta(cls, name)
    low = meta.get("ge") if meta.get("ge") is not None else meta.get("gt")
    high = meta.get("le") if meta.get("le") is not None else meta.get("lt")
    text = str(meta["doc"])
    text = text[:1].upper() + text[1:] + "."
    if low is not None and high is not None:
        text += f" Range {low:g} to {high:g}."
    elif low is not None:
        text += f" Range {low:g} or more."
    if meta.get("seed_idea"):
        text += f" Seed idea: {meta['seed_idea']}."
    return text


def lever_tooltip(lever: LiveLever) -> str:
    """The tooltip of a lever slider (from :class:`Levers`' metadata)."""
    return explain(Levers, lever.name)


def wom_tooltip() -> str:
    """The tooltip of the word-of-mouth slider (from ``customers.wom_reach``)."""
    return explain(CustomerSpec, "wom_reach")


def lever_text(lever: LiveLever, value: float, steps_per_year: int) -> str:
    """A lever's value with its unit, as shown beside its slider."""
    return lever.fmt(value, step_unit(steps_per_year))


def wom_text(reach: float) -> str:
    """Word-of-mouth reach with its unit."""
    return f"{reach:g} {'person' if reach == 1 else 'people'} told"


def preset_of(model: MarketModel, firm: int) -> str:
    """The strategy preset the firm's levers match now, or :data:`CUSTOM`.

    The firm's own current strategy wins a tie; a moved slider makes it custom."""
    f = model.firms[firm]
    strategies = model.scenario.strategies
    if strategies.get(f.current_strategy) == f.levers:
        return f.current_strategy
    return next((name for name, levers in strategies.items() if levers == f.levers), CUSTOM)


def set_lever(model: MarketModel, firm: int, lever: str, value: float) -> None:
    """Move one lever of one firm in the running model (in force from the next step)."""
    model.firms[firm].set_lever(lever, value)
    model.refresh_levers()


def set_strategy(model: MarketModel, firm: int, strategy: str) -> None:
    """Give a firm a strategy's lever settings at once."""
    model.firms[firm].adopt_strategy(strategy, model.scenario.strategies[strategy])
    model.refresh_levers()


def set_word_of_mouth(model: MarketModel, reach: float) -> None:
    """Change how many people a speaking customer tells (validated like the scenario)."""
    model.scenario = model.scenario.with_overrides({"customers.wom_reach": float(reach)})


def check_seed(text: object) -> tuple[int | None, str]:
    """The seed typed for Reset: ``(seed, "")`` if it is one, else ``(None, message)``.

    Empty means the scenario's own seed. Spaces and ``_`` or ``,`` between digit groups
    are allowed; anything else, or a number too large for a seed, gets a message that
    says what is wrong (the page shows it; nothing is raised).
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    raw = str(text or "").strip()
    if not raw:
        return None, ""
    cleaned = raw.replace("_", "").replace(",", "").replace(" ", "")
    shown = raw if len(raw) <= 24 else raw[:20] + "…"
    if not cleaned.isascii() or not cleaned.isdigit():
        return None, (f"The seed must be a whole number (digits only), like 20261125; "
                      f"“{shown}” is not.")
    if len(cleaned) > len(str(MAX_SEED)) or int(cleaned) > MAX_SEED:
        return None, (f"The seed has {len(cleaned):,} digits; use a whole number of at most "
                      f"{len(str(MAX_SEED))} digits (up to {MAX_SEED:,}).")
    return int(cleaned), ""
