"""The market model: Mesa frame, customers in arrays, firms as agents.

``MarketModel.step`` writes out the order of events of one step (a week by default): the
firms set their prices, the customers' part runs as one compiled call of the engine
(:func:`sim.engine.step.customer_step`: arrive, drift, talk, learn of firms, shop, live with
the purchase, leave), the firms book their accounts, the metrics are collected and the
firms review their strategies. Every formula is a rule of :mod:`sim.rules`; every metric
is declared in :mod:`sim.model.metrics` and collected by one DataCollector.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import engine
from sim.engine import jit
from sim.engine.ledger import COUNTERS, CUSTOMER_FLOWS, PURCHASE_COLUMNS, STOCKS
from sim.engine.memory import move_to_huge_pages, on_huge_pages, zeros_on_huge_pages
from sim.engine.params import record
from sim.engine.state import FLOAT, CustomerState, Presence, workspace
from sim.model import accounts, compile_ahead
from sim.model.firm import Firm
from sim.model.metrics import FIRM_METRICS, MARKET_METRICS, MetricsCollector
from sim.model.population import LIFECYCLE_NAMES, initial_state, lifecycle
from sim.network import Graph, build_graph
from sim.rules import economics, elementwise, pricing, trust, value
from sim.scenario import HOLE_LEVER, HOLES, LEVER_NAMES, Levers, Scenario, load_scenario

SeedLike = int | np.random.SeedSequence | None
_RECORDED = COUNTERS.index("purchases_recorded")


class MarketModel(mesa.Model):
    """A market of customers and firms, built from a :class:`~sim.scenario.Scenario`.

    Parameters
    ----------
    scenario
        A Scenario, or the path of a scenario TOML file.
    seed
        An integer or ``numpy.random.SeedSequence``; default: the scenario's ``run.seed``.
        It feeds ``model.rng``, the only source of randomness: networkx gets an integer
        drawn from it, the firms' decisions draw from it, and the customers draw from a
        counter-based stream keyed from it (:mod:`sim.engine.streams`).
    overrides
        Dotted-key replacements applied to the scenario (re-validated), e.g.
        ``{"customers.wom_reach": 3}`` — the path the browser app's sliders take.
    rng
        Mesa's name for ``seed`` (``mesa.Model(rng=...)``); give one or the other.
    mesa_agent_records
        Also let Mesa's DataCollector record every firm metric itself each step, for the
        per-firm rows of ``mesa.batch_run`` on Mesa 3.4+ (a reporter call per firm value:
        a tenth of a step or more at a few thousand customers;
        :class:`sim.model.metrics.MetricsCollector`).
    **dotted_overrides
        Further overrides as keyword arguments named by dotted key, e.g.
        ``MarketModel(path, **{"customers.wom_reach": 3})`` — the form ``mesa.batch_run``
        passes its ``parameters`` in.

    The model stops (``running`` turns False) after the scenario's ``run.steps`` steps,
    the number it is sized for, so Mesa's ``batch_run`` and SolaraViz stop there too.
    """

    def __init__(self, scenario: Scenario | str | Path, seed: SeedLike = None,
                 overrides: Mapping[str, Any] | None = None, *,
                 rng: SeedLike = None, mesa_agent_records: bool = False,
                 **dotted_overrides: Any):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if overrides or dotted_overrides:
            scenario = scenario.with_overrides({**(overrides or {}), **dotted_overrides})
        if rng is not None:
            if seed is not None:
                raise ValueError(f"give seed or rng, not both (seed={seed!r}, rng={rng!r})")
            seed = rng
        if seed is None:
            seed = scenario.run.seed
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        super().__init__(rng=seq)
        self.scenario = scenario
        self.seed_entropy = seq.entropy
        self.seed_spawn_key = tuple(seq.spawn_key)
        c, mkt = scenario.customers, scenario.market
        #: Stepping as Python while the compiled engine is built elsewhere (compile_ahead).
        self._as_python = compile_ahead.steps_as_python()
        self._customer_step, arrive_initial = (
            engine.python_entry_points() if self._as_python else engine.entry_points())

        graph = build_graph(scenario, seed=int(self.rng.integers(2**31 - 1)))
        self.graph: Graph = dataclasses.replace(graph, indptr=on_huge_pages(graph.indptr),
                                                indices=on_huge_pages(graph.indices))
        self.firms = [Firm(self, i, spec) for i, spec in enumerate(scenario.firms)]
        #: This step's firm metrics: row ``f`` is ``firms[f].values`` (columns
        #: :data:`sim.model.metrics.FIRM_METRICS`), booked for all firms at once.
        self.firm_table = np.zeros((len(self.firms), len(FIRM_METRICS)))
        for f in self.firms:
            f.values = self.firm_table[f.index]
        self.state: CustomerState = initial_state(scenario, self.rng)
        move_to_huge_pages(self.state)  # its arrays stay in place from step to step
        stream = np.array([self.rng.integers(0, 2**64, dtype=np.uint64), 0], dtype=np.uint64)
        n_firms, n_holes = len(self.firms), len(HOLES)
        self._failure_base = mkt.failure_base.as_tuple()
        self.step_discount = (1.0 + mkt.annual_discount_rate) ** (-1.0 / mkt.steps_per_year)
        self._market_metrics: dict[str, float] = dict.fromkeys(MARKET_METRICS, 0.0)
        #: This step's market metrics, in :attr:`market_metrics` when read (a sweep's never are).
        self._market_row = np.zeros(len(MARKET_METRICS), dtype=np.int64)
        self._market_row_read = True
        #: Per-customer tables taken every ``run.customer_snapshot_every`` steps (if set).
        self.customer_snapshots: list[pd.DataFrame] = []
        self._purchases: list[np.ndarray] = []
        #: The firm-side arrays and outputs of the workspace, as Python sees them (the
        #: same arrays the compiled step reads and writes).
        self._arrays = SimpleNamespace(
            stream=stream, indptr=self.graph.indptr, indices=self.graph.indices,
            well_mixed=np.array([self.graph.well_mixed]),
            # Messages heard per (customer, firm), positive and negative side by side; zero
            # between steps, so that a step touches only the pairs that heard something.
            heard=zeros_on_huge_pages((self.state.n, n_firms, 2), np.int32),
            positions=np.array([f.position for f in scenario.firms], dtype=FLOAT),
            levers=np.zeros((len(LEVER_NAMES), n_firms), dtype=FLOAT),
            arrival_levers=np.zeros((len(LEVER_NAMES), n_firms), dtype=FLOAT),
            promo_price=np.zeros(n_firms, dtype=FLOAT), depth=np.zeros(n_firms, dtype=FLOAT),
            failure_p=np.zeros((n_firms, n_holes), dtype=FLOAT),
            severity=np.array(mkt.failure_severity.as_tuple(), dtype=FLOAT),
            flows=np.zeros((len(CUSTOMER_FLOWS), n_firms)),
            counts=np.zeros(len(COUNTERS), dtype=np.int64),
            stocks=np.zeros((len(STOCKS), n_firms)),
            by_presence=np.zeros(len(Presence), dtype=np.int64),
            purchases=np.zeros((self.state.n if scenario.run.record_purchases else 0,
                                len(PURCHASE_COLUMNS))),
            params=record(scenario))
        self._work = workspace(self.state, jit.COMPILED and not self._as_python,
                               **vars(self._arrays))
        self._rows_filled = c.n_initial  # rows of the people who have arrived so far
        self._switches = np.zeros(n_firms)
        #: The firms that adapt: only they move levers, review and switch strategies.
        self._adaptive = [f for f in self.firms if f.spec.adaptive is not None]
        self._lever_source: list[Levers] = []
        self._refresh_levers()
        self._arrays.arrival_levers[:] = self._arrays.levers
        self._levers_moved = False  # since arrival_levers were last copied from them
        with _python_integers(self._as_python):
            arrive_initial(self._work, c.n_initial)
        self.datacollector = MetricsCollector(Firm, mesa_agent_records)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One period: newcomers arrive (meeting the levers in force so far), firms set
        prices, the customers' step, the accounts, the collection, the firms' reviews."""
        if self._as_python and not compile_ahead.running():
            self._use_compiled_engine()
        steps = self.steps
        arrivals_from, arrivals = self._arrival_rows(steps)
        if self._levers_moved:
            self._arrays.arrival_levers[:] = self._arrays.levers
            self._levers_moved = False
        self._set_prices(steps)
        with _python_integers(self._as_python):
            lapsed = self._customer_step(self._work, steps, arrivals_from, arrivals)
        if steps == 1 and not self._as_python:
            jit.mark_compiled()
        self._book(lapsed)
        self.datacollector.collect(self)
        if steps >= self._run_steps:  # the market is sized for run.steps
            self.running = False
        if self._snapshot_every and steps % self._snapshot_every == 0:
            self.customer_snapshots.append(self.customer_table().assign(step=steps))
        if self._record_purchases:
            self._keep_purchases()
        for f in self._adaptive:
            f.review(steps, self.scenario.strategies, self.step_discount, self.rng)

    def _use_compiled_engine(self) -> None:
        """From the next step on, the compiled engine over the same arrays (the random
        stream's position is one of them, so the trajectory goes on unchanged)."""
        self._customer_step, _ = engine.entry_points()
        self._work = workspace(self.state, jit.COMPILED, **vars(self._arrays))
        self._as_python = False

    def _arrival_rows(self, step: int) -> tuple[int, int]:
        """The first row and the number of rows this step's newcomers fill. Rows are
        reserved for ``run.steps`` steps of arrivals; past them there is no room (checked
        before anything changes)."""
        start, c = self._rows_filled, self.scenario.customers
        stop = c.n_initial + c.arrived_by(step)
        if stop > self.state.n:
            raise RuntimeError(
                f"step {step} is past the {self.scenario.run.steps} steps this market "
                f"was sized for (run.steps; {stop - start} arrivals this step)")
        self._rows_filled = stop
        return start, stop - start

    def _set_prices(self, step: int) -> None:
        """Firms answer rivals' promotions (if the market responds) and set this step's
        price and promotion depth, written into the workspace (one value per firm)."""
        for f in self._adaptive:
            f.move_levers()
        self._refresh_levers()
        firms = self.firms
        response = self._price_response
        if response > 0:
            depths_before = [f.discount_depth for f in firms]
            for f in firms:
                rivals = [d for i, d in enumerate(depths_before) if i != f.index]
                f.respond_to_rivals(rivals, response)
        # element by element: numpy's conversion of a list costs more for a few firms
        price, depth, list_prices = self._arrays.promo_price, self._arrays.depth, self._list_prices
        for i, f in enumerate(firms):
            depth[i] = d = f.promotion_depth(step)
            price[i] = pricing.promotion_price(list_prices[i], d)

    def _book(self, lapsed: int) -> None:
        """The firms' accounts of the step and the market's counts and lifecycle
        (:func:`sim.model.accounts.book_step`, one compiled call)."""
        work = self._arrays
        if self._adaptive:  # only a review switches strategies
            self._switches[:] = [f.strategy_switches for f in self.firms]
        accounts.book_step(self.firm_table, self._market_row, work.flows, work.stocks,
                           work.counts, work.by_presence, lapsed, self._spend_per_customer,
                           work.promo_price, work.depth, self._switches,
                           self.step_discount ** self.steps)
        self._market_row_read = False

    @property
    def market_metrics(self) -> dict[str, float]:
        """This step's market metrics by :data:`sim.model.metrics.MARKET_METRICS` name
        (zeros before the first step)."""
        if not self._market_row_read:
            self._market_metrics.update(zip(MARKET_METRICS, self._market_row.tolist(),
                                            strict=True))
            self._market_row_read = True
        return self._market_metrics

    def _keep_purchases(self) -> None:
        rows = int(self._arrays.counts[_RECORDED])
        table = self._arrays.purchases[:rows]
        self._purchases.append(np.column_stack([np.full(rows, self.steps), table]))

    # ------------------------------------------------------------------ live changes
    @property
    def scenario(self) -> Scenario:
        """The market's scenario. Assigning another one for the same market (customers,
        firms, graph) changes the rules' parameters from the next step — the app's live
        controls; ``with_overrides`` makes one."""
        return self._market_scenario

    @scenario.setter
    def scenario(self, scenario: Any) -> None:
        if not isinstance(scenario, Scenario):  # Mesa >= 3.4 sets its own experimental one
            self._mesa_scenario = scenario
            return
        arrays = getattr(self, "_arrays", None)
        if arrays is not None:
            before = self._market_scenario
            if (scenario.capacity, scenario.n_firms, scenario.network) != (
                    before.capacity, before.n_firms, before.network):
                raise ValueError("a running market keeps its customers, firms and graph: "
                                 "build a new MarketModel for another size or network")
            arrays.params[:] = record(scenario)
        self._market_scenario = scenario
        run = scenario.run
        self._run_steps = run.steps
        self._snapshot_every = run.customer_snapshot_every
        self._record_purchases = run.record_purchases
        self._price_response = scenario.market.price_response

    # ------------------------------------------------------------------ levers
    def refresh_levers(self) -> None:
        """Re-read the firms' levers after a change made from outside a step (the app's
        live controls); a step re-reads them anyway when it sets prices."""
        self._lever_source = []
        self._refresh_levers()

    def _refresh_levers(self) -> None:
        """Write every lever into the workspace (rows of :data:`LEVER_NAMES`, one column
        per firm), with what follows from them: failure probabilities and the
        relationship spend per customer. Levers are immutable records, replaced on every
        change, so an unchanged set of records needs nothing new."""
        levers = [f.levers for f in self.firms]
        if len(levers) == len(self._lever_source) and all(
                map(operator.is_, levers, self._lever_source)):
            return
        self._lever_source = levers
        self._levers_moved = True
        work, mkt = self._arrays, self.scenario.market
        work.levers[:] = [[getattr(lv, name) for lv in levers] for name in LEVER_NAMES]
        self._list_prices = [lv.list_price for lv in levers]
        work.failure_p[:] = [[value.failure_probability(base, getattr(lv, HOLE_LEVER[hole]),
                                                        mkt.failure_mitigation)
                              for base, hole in zip(self._failure_base, HOLES, strict=True)]
                             for lv in levers]
        self._spend_per_customer = np.array([
            economics.relationship_spend(lv.training, lv.service, lv.personalisation,
                                         mkt.training_cost, mkt.service_cost,
                                         mkt.personalisation_cost) for lv in levers])

    @property
    def _lv(self) -> dict[str, np.ndarray]:
        """The levers in force, by name (one value per firm)."""
        return dict(zip(LEVER_NAMES, self._arrays.levers, strict=True))

    # ------------------------------------------------------------------ outputs
    @property
    def runs_as_python(self) -> bool:
        """Whether the market steps as Python, while the compiled engine is built in
        another process (:mod:`sim.model.compile_ahead`); it switches by itself."""
        return self._as_python

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return len(self.firms)

    def trust_stages(self, trust_levels: np.ndarray) -> np.ndarray:
        """Trust stage (0-3) of each trust level (:func:`sim.rules.trust.trust_stage`)."""
        first, second, third = self.scenario.customers.stage_thresholds
        stage = elementwise(trust.trust_stage)(np.asarray(trust_levels, dtype=float), first,
                                                second, third)
        return np.asarray(stage, dtype=np.int8)

    def lifecycle(self) -> np.ndarray:
        """Lifecycle stage of every customer now (see :class:`sim.model.population.Lifecycle`)."""
        st = self.state
        rows = np.flatnonzero(st.firm >= 0)
        stage = np.zeros(st.n, dtype=np.int8)
        stage[rows] = self.trust_stages(st.trust[rows, st.firm[rows]])
        return lifecycle(st, stage)

    def firm_timeseries(self) -> pd.DataFrame:
        """Collected firm metrics: one row per step and firm (columns ``step``, ``firm``,
        ``strategy`` and every name in :data:`sim.model.metrics.FIRM_METRICS`)."""
        df = self.datacollector.get_agenttype_vars_dataframe(Firm).reset_index()
        by_id = {f.unique_id: f for f in self.firms}
        df.insert(1, "firm", [by_id[i].name for i in df["AgentID"]])
        df.insert(2, "strategy", [by_id[i].strategy for i in df["AgentID"]])
        # Steps as integers: a plain Mesa 3.5 DataCollector keys them by model.time (floats).
        return df.drop(columns="AgentID").rename(columns={"Step": "step"}).astype(
            {"step": "int64"})

    def market_timeseries(self) -> pd.DataFrame:
        """Collected market metrics: one row per step."""
        df = self.datacollector.get_model_vars_dataframe()
        df.index = pd.RangeIndex(1, len(df) + 1, name="step")
        return df.reset_index()

    def customer_table(self) -> pd.DataFrame:
        """A snapshot of every customer (for inspection, the app and notebooks)."""
        st = self.state
        rows = np.flatnonzero(st.firm >= 0)
        trust_now = np.zeros(st.n, dtype=FLOAT)
        trust_now[rows] = st.trust[rows, st.firm[rows]]
        return pd.DataFrame({
            "customer": np.arange(st.n),
            "lifecycle": pd.Categorical.from_codes(self.lifecycle(), LIFECYCLE_NAMES),
            "firm": st.firm,
            "trust_with_firm": trust_now,
            "trust_stage": self.trust_stages(trust_now) * (st.firm >= 0),
            "last_rating": st.last_rating,
            "tenure": st.tenure,
            "basket": st.basket,
            "reference_price": st.reference_price,
            "deal_dependence": st.deal_dependence,
            "need": st.need,
        })

    def purchase_table(self) -> pd.DataFrame:
        """Every purchase so far, one row each: ``step``, ``customer``, ``firm`` (name),
        ``units`` and ``revenue`` — kept when ``run.record_purchases`` is on (a transaction
        log like a firm's own)."""
        if not self.scenario.run.record_purchases:
            raise ValueError("purchases are kept only when the scenario sets "
                             "run.record_purchases = true")
        rows = (np.concatenate(self._purchases) if self._purchases
                else np.zeros((0, 1 + len(PURCHASE_COLUMNS))))
        names = np.array([f.name for f in self.firms], dtype=object)
        return pd.DataFrame({
            "step": rows[:, 0].astype(np.int64),
            "customer": rows[:, 1].astype(np.int64),
            "firm": names[rows[:, 2].astype(np.int64)],
            "units": rows[:, 3],
            "revenue": rows[:, 4],
        })


def _python_integers(as_python: bool) -> Any:
    """Run as Python the loops work on numpy scalars, whose unsigned overflow (the random
    stream's arithmetic, modulo 2**64 by design) would warn."""
    return (np.errstate(over="ignore") if as_python or not jit.COMPILED
            else contextlib.nullcontext())


def warm_up() -> None:
    """Compile the engine in this process (a market of 20 customers, one step) unless its
    compiled code is cached already: before starting worker processes, so that they load
    it rather than each compile it."""
    if not jit.needs_compiling():
        return
    from sim.scenario import HEADLINE

    tiny = load_scenario(HEADLINE).with_overrides(
        {"customers.n_initial": 20, "customers.arrivals_per_step": 0, "network.kind": "empty",
         "run.steps": 1})
    MarketModel(tiny, seed=0).step()
