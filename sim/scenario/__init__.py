"""Scenarios: the schema of every parameter, validation, and loading from TOML.

The bottom layer: imports nothing else of ``sim``. Everything above reads parameters
from the frozen :class:`Scenario` this package returns.
"""

from sim.scenario.load import (
    HEADLINE,
    SHIPPED,
    Scenario,
    graph_path,
    load_scenario,
    scenario_from_dict,
    scenario_text,
)
from sim.scenario.schema import (
    CHURN_CAUSES,
    HOLE_LEVER,
    HOLES,
    LEVER_NAMES,
    AdaptiveSpec,
    CustomerSpec,
    FirmSpec,
    HoleValues,
    Levers,
    MarketSpec,
    NetworkSpec,
    RunSpec,
)
from sim.scenario.validation import Problem, ScenarioError

__all__ = [
    "CHURN_CAUSES",
    "HEADLINE",
    "HOLES",
    "HOLE_LEVER",
    "LEVER_NAMES",
    "SHIPPED",
    "AdaptiveSpec",
    "CustomerSpec",
    "FirmSpec",
    "HoleValues",
    "Levers",
    "MarketSpec",
    "NetworkSpec",
    "Problem",
    "RunSpec",
    "Scenario",
    "ScenarioError",
    "graph_path",
    "load_scenario",
    "scenario_from_dict",
    "scenario_text",
]
