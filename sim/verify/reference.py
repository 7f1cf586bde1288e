"""The reference model: the same market, one Python object per customer.

:class:`ReferenceModel` is an idiomatic per-agent Mesa model. Each :class:`Customer` is a
``mesa.Agent`` whose methods read like the model description in ``docs/model.md`` — hear
of firms, talk about the last purchase, go shopping, judge the experience, trust or
leave — and compute every formula by calling the rules of :mod:`sim.rules`, as plain
Python, the very functions the engine compiles. It serves three purposes:

* the readable, per-customer statement of the model, for students;
* the check of the engine's plumbing — *docking* in the sense of Rand & Rust (2011): the
  two models share the rules but nothing else (not the loops, the bookkeeping, the order
  within a phase or the random numbers), so an engine that drew, counted or routed wrongly
  would disagree with it (:mod:`sim.verify.reference_docking`); the rules themselves are
  checked against known results (:mod:`sim.verify.analytic`, :mod:`sim.verify.mechanisms`);
* the baseline of the benchmarks (``benchmarks/bench.py``).

The customers draw one scalar at a time from ``model.random`` (seeded from the scenario's
seed), so the two models agree statistically, not number for number. Firms are the same
:class:`sim.model.firm.Firm` agents in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.engine.ledger import CUSTOMER_FLOWS, STOCKS
from sim.model import MarketModel
from sim.model.accounts import book_firms
from sim.model.firm import Firm
from sim.model.mesa_compat import OwnAttribute
from sim.model.metrics import FIRM_METRICS, MARKET_METRICS, metric_reporters
from sim.network import build_graph
from sim.rules import (
    economics,
    pricing,
    value,
)
from sim.scenario import HOLE_LEVER, HOLES, Scenario, load_scenario
from sim.verify.customer import Customer


class ReferenceModel(mesa.Model):
    """The market of :class:`sim.model.MarketModel`, one :class:`Customer` agent each.

    Parameters
    ----------
    scenario
        A Scenario or the path of a scenario file.
    seed
        An integer or ``numpy.random.SeedSequence`` (default: ``run.seed``); it seeds
        ``model.rng`` and, through it, ``model.random``, from which every draw is made.
    overrides
        Dotted-key replacements applied to the scenario.
    """

    firm_timeseries = MarketModel.firm_timeseries
    market_timeseries = MarketModel.market_timeseries
    #: The market's Scenario, not Mesa 3.5's ``Model.scenario`` (:mod:`sim.model.mesa_compat`).
    scenario = OwnAttribute()

    def __init__(self, scenario: Scenario | str | Path, seed: int | np.random.SeedSequence
                 | None = None, overrides: Mapping[str, Any] | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = scenario.with_overrides(overrides)
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(
            scenario.run.seed if seed is None else seed)
        super().__init__(rng=seq)
        self.scenario = scenario
        c, mkt = scenario.customers, scenario.market
        graph = build_graph(scenario, seed=int(self.rng.integers(2**31 - 1)))
        self.neighbours = [graph.neighbours(i).tolist() for i in range(graph.n_nodes)]
        self.firms = [Firm(self, i, spec) for i, spec in enumerate(scenario.firms)]
        self.firm_table = np.zeros((len(self.firms), len(FIRM_METRICS)))
        for f in self.firms:
            f.values = self.firm_table[f.index]
        self.customer_at = [Customer(self, row) for row in range(scenario.capacity)]
        self.failure_severity = list(mkt.failure_severity.as_tuple())
        self.step_discount = (1.0 + mkt.annual_discount_rate) ** (-1.0 / mkt.steps_per_year)
        self.market_metrics: dict[str, float] = dict.fromkeys(MARKET_METRICS, 0.0)
        self._set_failure_probabilities()
        for customer in self.customer_at[:c.n_initial]:
            customer.arrive()
        self.datacollector = mesa.DataCollector(**metric_reporters(Firm))

    def step(self) -> None:
        """The same order of events as :meth:`sim.model.MarketModel.step`."""
        n_firms = len(self.firms)
        #: This step's flows per firm (the running totals live in the firms' accounts).
        self.flows = {k: [0.0] * n_firms for k in CUSTOMER_FLOWS}
        self.market_metrics.update(dict.fromkeys(("messages_positive", "messages_negative",
                                                  "speakers", "exits"), 0))
        customers = self.agents_by_type[Customer]
        c = self.scenario.customers
        start, count = c.n_initial + c.arrived_by(self.steps - 1), c.arrivals_at(self.steps)
        for customer in self.customer_at[start:start + count]:
            customer.arrive(buyer=True)
        self.market_metrics["arrivals"] = count
        self._set_prices()
        customers.do("drift")
        customers.do("fade")
        customers.shuffle_do("talk")
        customers.shuffle_do("learn_of_firms")
        self._pay_for_advertising()
        customers.shuffle_do("go_shopping")
        customers.do("maybe_exit")
        self._book()
        self.datacollector.collect(self)
        for firm in self.firms:
            firm.review(self.steps, self.scenario.strategies, self.step_discount, self.rng)

    # ------------------------------------------------------------------ firms' side
    def _set_failure_probabilities(self) -> None:
        mitigation = self.scenario.market.failure_mitigation
        base = self.scenario.market.failure_base.as_tuple()
        self.failure_probability = [
            [value.failure_probability(b, getattr(firm.levers, HOLE_LEVER[hole]), mitigation)
             for b, hole in zip(base, HOLES, strict=True)] for firm in self.firms]

    def _set_prices(self) -> None:
        """Firms move levers, answer rivals' promotions and set this step's prices."""
        for firm in self.firms:
            firm.move_levers()
        self._set_failure_probabilities()
        depths = [firm.discount_depth for firm in self.firms]
        for firm in self.firms:
            rivals = [d for i, d in enumerate(depths) if i != firm.index]
            firm.respond_to_rivals(rivals, self.scenario.market.price_response)
        self.depth = [firm.promotion_depth(self.steps) for firm in self.firms]
        self.promo_price = [pricing.promotion_price(firm.levers.list_price, d)
                            for firm, d in zip(self.firms, self.depth, strict=True)]

    def on_deal(self, firm: int, customer: Customer) -> bool:
        """A purchase is on a deal when the firm runs a promotion or pays points to a member."""
        return self.depth[firm] > 0 or (customer.member[firm]
                                        and self.firms[firm].levers.points_rate > 0)

    def _pay_for_advertising(self) -> None:
        """Advertising reaches everyone present who is not already the firm's customer."""
        present = [cu for cu in self.customer_at if cu.present]
        for f, firm in enumerate(self.firms):
            audience = sum(cu.firm != f for cu in present)
            self.flows["acquisition_cost"][f] += economics.advertising_cost(
                firm.levers.advertising, audience, self.scenario.market.contact_cost)

    def _book(self) -> None:
        """Count each firm's customers (by trust stage) and book the accounts with the
        market model's own booking (:func:`sim.model.accounts.book_firms`)."""
        mkt, n_firms = self.scenario.market, len(self.firms)
        stocks = np.zeros((len(STOCKS), n_firms))
        lapsed = absent = gone = present = 0
        for cu in self.customer_at:
            gone += cu.gone
            absent += not (cu.present or cu.gone)
            if not cu.present:
                continue
            present += 1
            stocks[8] += cu.aware
            f = cu.firm
            if f < 0:
                lapsed += cu.last_firm >= 0
                continue
            for row, amount in ((0, 1.0), (1 + cu.stage(f), 1.0), (5, cu.trust[f]),
                                (6, cu.deal_dependence), (7, cu.reference_price),
                                (9, cu.member[f])):
                stocks[row, f] += amount
        spend = [economics.relationship_spend(f.levers.training, f.levers.service,
                                              f.levers.personalisation, mkt.training_cost,
                                              mkt.service_cost, mkt.personalisation_cost)
                 for f in self.firms]
        book_firms(self.firm_table, np.array([self.flows[k] for k in CUSTOMER_FLOWS]), stocks,
                   np.array(spend), np.array(self.promo_price), np.array(self.depth),
                   np.array([f.strategy_switches for f in self.firms], float),
                   self.step_discount ** self.steps)
        active, new = int(stocks[0].sum()), int(stocks[1].sum())
        self.market_metrics.update(
            lifecycle_absent=absent, lifecycle_gone=gone, lifecycle_new=new,
            lifecycle_regular=active - new, lifecycle_lapsed=lapsed,
            lifecycle_potential=present - active - lapsed)
