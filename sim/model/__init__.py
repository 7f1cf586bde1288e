"""The market model: ``MarketModel(mesa.Model)`` — firms as Mesa agents with levers,
accounts and adaptive reviews, the customer population, every metric, declared once, and
the first run's compile in the background (:mod:`sim.model.compile_ahead`).

Imports the engine, the rules, networks and scenarios; experiments and reports import it.
"""

from sim.model.market import MarketModel, warm_up

__all__ = ["MarketModel", "warm_up"]
