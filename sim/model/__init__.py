"""The market model: ``MarketModel(mesa.Model)`` — firms as Mesa agents with levers,
accounts and adaptive reviews, the customer population, and every metric, declared once.

Imports the engine, the rules, networks and scenarios; experiments and reports import it.
"""

from sim.model.market import MarketModel, warm_up

__all__ = ["MarketModel", "warm_up"]
