"""Firms: Mesa agents holding levers and accounts.

Seed ideas: firms choose between *discount bribery* (price cuts, points, heavy
acquisition advertising, little service) and *trust building* (training, quality,
personalisation, timely service and recovery, honest claims, maybe a price premium).
Both are just lever settings; a firm keeps full accounts either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import mesa
import numpy as np

from sim.model.accounts import COLUMN
from sim.model.adaptation import choose_strategy, move_toward, review_score
from sim.model.metrics import FIRM_METRICS
from sim.rules import pricing
from sim.scenario import FirmSpec, Levers


class Firm(mesa.Agent):
    """A firm with its levers, this step's prices and its accounts.

    Attributes
    ----------
    index : position of the firm in the customer arrays' firm axis.
    spec : the scenario's description of the firm.
    levers : the lever values in force (they may move during a run).
    values : this step's metric values in the order of :data:`sim.model.metrics.FIRM_METRICS`
        (a float array; the market model keeps every firm's as a row of one table).
    metrics : the same values by name (a live read-only view of ``values``).
    """

    def __init__(self, model: mesa.Model, index: int, spec: FirmSpec):
        super().__init__(model)
        self.index = index
        self.spec = spec
        self.name = spec.name
        self.strategy = spec.strategy
        self.levers: Levers = spec.levers
        self.discount_depth = spec.levers.discount_depth
        self.values = np.zeros(len(FIRM_METRICS))
        self.current_strategy = spec.strategy
        self.strategy_switches = 0
        self.estimates: dict[str, float] = {}
        self._target: Levers = spec.levers
        self._history: list[tuple[float, float, float]] = []  # profit, churned, active

    @property
    def metrics(self) -> MetricValues:
        """This step's value of every :data:`sim.model.metrics.FIRM_METRICS` name."""
        return MetricValues(self.values)

    @property
    def cumulative_profit(self) -> float:
        """Profit summed since step 1."""
        return float(self.values[_CUMULATIVE])

    @property
    def npv(self) -> float:
        """Profit discounted to step 0 and summed since step 1."""
        return float(self.values[_NPV])

    def set_lever(self, name: str, value: float) -> None:
        """Change one lever (validated by the Levers record's own rules)."""
        self.levers = dataclasses.replace(self.levers, **{name: value})
        if name == "discount_depth":
            self.discount_depth = value

    def adopt_strategy(self, name: str, levers: Levers) -> None:
        """Switch to strategy ``name`` with its lever settings at once (a manager's — or a
        teacher's — decision; adaptive firms move toward them through :meth:`review`)."""
        self.current_strategy = name
        self.levers = self._target = levers
        self.discount_depth = levers.discount_depth

    def respond_to_rivals(self, rival_depths: list[float], response: float) -> None:
        """Move the discount depth a share ``response`` toward a rival's deeper promotion.

        Seed idea: long-term promotion becomes a *disguised price war* when competitors
        answer each other's prices; the war is not scripted, it emerges from this rule.
        """
        deepest = max(rival_depths, default=0.0)
        if response > 0 and deepest > self.discount_depth:
            self.discount_depth = min(0.95, self.discount_depth
                                      + response * (deepest - self.discount_depth))

    def promotion_depth(self, step: int) -> float:
        """Discount depth in force at ``step`` under the promotion schedule (0 if off)."""
        lv = self.levers
        on = pricing.promotion_active(step, lv.discount_period, lv.discount_duration)
        return self.discount_depth if on else 0.0

    def move_levers(self) -> None:
        """Move the levers a step toward the chosen strategy's (``adaptive.lever_speed``).

        Whole-number levers (the promotion schedule) switch at once.
        """
        if self.spec.adaptive is None or self.levers == self._target:
            return
        speed = self.spec.adaptive.lever_speed
        moved = {}
        for field in dataclasses.fields(Levers):
            now, target = getattr(self.levers, field.name), getattr(self._target, field.name)
            moved[field.name] = target if isinstance(now, int) else move_toward(now, target, speed)
        self.discount_depth = move_toward(self.discount_depth, self._target.discount_depth, speed)
        self.levers = Levers(**moved)

    def review(self, step: int, strategies: dict[str, Levers], step_discount: float,
               rng: np.random.Generator) -> None:
        """Record this step's results and, every ``review_every`` steps, value the current
        strategy and keep it or switch (see :mod:`sim.model.adaptation`)."""
        adaptive = self.spec.adaptive
        if adaptive is None:
            return
        self._history.append((self.values[_PROFIT], self.values[_CHURNED],
                              self.values[_ACTIVE]))
        if step % adaptive.review_every:
            return
        recent = np.array(self._history[-adaptive.window:])
        self.estimates[self.current_strategy] = review_score(
            recent[:, 0], recent[:, 1], recent[:, 2], step_discount, adaptive.horizon)
        chosen = choose_strategy(self.estimates, self.current_strategy, adaptive.alternatives,
                                 adaptive.exploration, rng)
        if chosen != self.current_strategy:
            self.current_strategy = chosen
            self.strategy_switches += 1
            self._target = strategies[chosen]

    def step(self) -> None:
        """Firms act through the model's ordered phases; a plain step does nothing."""


_PROFIT, _CUMULATIVE, _NPV, _CHURNED, _ACTIVE = (COLUMN[name] for name in (
    "profit", "cumulative_profit", "npv", "churned", "active_customers"))


class MetricValues(Mapping[str, float]):
    """A firm's metric values by name: a read-only view of its value array, in the order
    of :data:`sim.model.metrics.FIRM_METRICS`."""

    __slots__ = ("_values",)

    def __init__(self, values: np.ndarray):
        self._values = values

    def __getitem__(self, name: str) -> float:
        return float(self._values[COLUMN[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(FIRM_METRICS)

    def __len__(self) -> int:
        return len(FIRM_METRICS)

    def __repr__(self) -> str:
        return f"MetricValues({dict(self)!r})"

