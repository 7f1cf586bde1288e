"""trustmarket: an agent-based market simulator of customer satisfaction and trust.

Customers move from satisfaction to trust (cognitive, emotional, behavioural) through
repeated purchases and word of mouth; firms choose between discount bribery and trust
building. See ``docs/model.md`` for the mechanisms.
"""

from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

__version__ = "0.1.0"

__all__ = ["Scenario", "ScenarioError", "__version__", "load_scenario", "scenario_from_dict"]
