"""Live changes to a running market from the classroom app: levers, strategy presets and
word-of-mouth reach, in force from the next step."""

from __future__ import annotations

from sim.model import MarketModel


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
