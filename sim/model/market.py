"""The market model: Mesa frame, customer state in arrays, rules as functions.

``MarketModel.step`` writes out the order of events of one step (a week by default);
each phase calls the vectorised rules in :mod:`sim.rules` and holds no maths of its own
beyond bookkeeping. Firms are Mesa agents; customers are rows of
:class:`sim.engine.state.CustomerState`. Every metric is declared in :mod:`sim.model.metrics` and
collected by one DataCollector.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.engine import kernels
from sim.engine import step as compiled_step
from sim.engine.ledger import CUSTOMER_FLOWS, MARKET_COUNTS, PURCHASE_TOTALS
from sim.engine.memory import move_to_huge_pages, on_huge_pages, zeros_on_huge_pages
from sim.engine.state import FLOAT, CustomerState, Presence
from sim.engine.streams import CounterStream
from sim.model import accounts
from sim.model.firm import Firm
from sim.model.mesa_compat import OwnAttribute
from sim.model.metrics import FIRM_METRICS, MARKET_METRICS, MetricsCollector
from sim.model.population import LIFECYCLE_NAMES, initial_state, lifecycle
from sim.network import Graph, build_graph
from sim.rules import awareness, choice, churn, needs, pricing, satisfaction, trust, value
from sim.rules import word_of_mouth as wom
from sim.scenario import (
    CHURN_CAUSES,
    HOLE_LEVER,
    HOLES,
    LEVER_NAMES,
    Levers,
    Scenario,
    load_scenario,
)

SeedLike = int | np.random.SeedSequence | None



@dataclasses.dataclass
class ExperienceDraws:
    """The random numbers of one experience phase, drawn in a fixed order so that both
    engines consume the same stream."""

    failure: np.ndarray  #: (m, 5) uniforms: which holes fail
    complaint: np.ndarray  #: (2, m) uniforms: complaint, recovery
    noise: np.ndarray  #: (m,) perceptual noise (value units)
    leave: np.ndarray  #: (m,) uniforms: leaving after a bad experience


class MarketModel(mesa.Model):
    """A market of customers and firms, built from a :class:`~sim.scenario.Scenario`.

    Parameters
    ----------
    scenario
        A Scenario, or the path of a scenario TOML file.
    seed
        An integer or ``numpy.random.SeedSequence``; default: the scenario's ``run.seed``.
        It feeds ``model.rng``, the only source of randomness: networkx gets an integer
        drawn from it, the firms' decisions draw from it, and the customers draw from
        ``model.draws``, a counter-based stream keyed from it (:mod:`sim.engine.streams`).
    overrides
        Dotted-key replacements applied to the scenario (re-validated), e.g.
        ``{"customers.wom_reach": 3}`` — the path the browser app's sliders take.
    engine
        ``"numba"`` (the customers' part of each step compiled into one call, see
        :mod:`sim.engine.step`; the default when numba is installed) or ``"numpy"``
        (the vectorised rules of :mod:`sim.rules`, phase by phase). Both draw the same
        numbers from ``model.draws`` and follow the same trajectory.
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

    #: The market's Scenario: the model's own attribute, not Mesa 3.5's ``Model.scenario``
    #: (see :mod:`sim.model.mesa_compat`).
    scenario = OwnAttribute()

    def __init__(self, scenario: Scenario | str | Path, seed: SeedLike = None,
                 overrides: Mapping[str, Any] | None = None, engine: str | None = None, *,
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
        self.engine = engine or ("numba" if kernels.AVAILABLE else "numpy")
        if self.engine not in ("numpy", "numba") or (self.engine == "numba"
                                                      and not kernels.AVAILABLE):
            raise ValueError(f"engine must be 'numpy' or 'numba' (installed: "
                             f"{kernels.AVAILABLE}), not {engine!r}")
        self.scenario = scenario
        self.seed_entropy = seq.entropy
        self.seed_spawn_key = tuple(seq.spawn_key)
        c, mkt = scenario.customers, scenario.market

        self.graph: Graph = build_graph(scenario, seed=int(self.rng.integers(2**31 - 1)))
        self.firms = [Firm(self, i, spec) for i, spec in enumerate(scenario.firms)]
        #: This step's firm metrics: row ``f`` is ``firms[f].values`` (columns
        #: :data:`sim.model.metrics.FIRM_METRICS`), booked for all firms at once.
        self.firm_table = np.zeros((len(self.firms), len(FIRM_METRICS)))
        for f in self.firms:
            f.values = self.firm_table[f.index]
        self.state: CustomerState = initial_state(scenario, self.rng)
        if self.engine == "numba":  # its arrays stay in place from step to step
            move_to_huge_pages(self.state)
            self.graph = dataclasses.replace(self.graph,
                                             indptr=on_huge_pages(self.graph.indptr),
                                             indices=on_huge_pages(self.graph.indices))
        #: The customers' random numbers (both engines): a counter-based stream keyed
        #: from ``rng`` (:mod:`sim.engine.streams`).
        self.draws = CounterStream(int(self.rng.integers(0, 2**64, dtype=np.uint64)))
        self.positions = np.array([f.position for f in scenario.firms], dtype=FLOAT)
        self.failure_base = np.array(mkt.failure_base.as_tuple(), dtype=np.float64)
        self.failure_severity = np.array(mkt.failure_severity.as_tuple(), dtype=FLOAT)
        self.step_discount = (1.0 + mkt.annual_discount_rate) ** (-1.0 / mkt.steps_per_year)
        self.market_metrics: dict[str, float] = dict.fromkeys(MARKET_METRICS, 0.0)
        #: Per-customer tables taken every ``run.customer_snapshot_every`` steps (if set).
        self.customer_snapshots: list[pd.DataFrame] = []
        self._present = self.state.presence == Presence.PRESENT
        self._lever_source: list[Levers] = []
        self._refresh_levers()
        self._arrive(np.arange(c.n_initial), c.initial_awareness)
        if self.engine == "numba":
            self._stage_thresholds = np.array(c.stage_thresholds, dtype=FLOAT)
            self._step_params = compiled_step.step_params(scenario)
            # Messages heard per (customer, firm) pair, positive and negative side by side
            # (one cache line per message at a million customers); zero between steps, so
            # that a step touches only the pairs that heard something.
            self._heard = zeros_on_huge_pages((self.state.n, self.n_firms, 2), np.int32)
        self.datacollector = MetricsCollector(Firm, mesa_agent_records)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One period: arrive, set prices, drift, talk, learn of firms, shop, experience,
        leave, book the accounts, collect."""
        if self.engine == "numba":
            flows, tally, promo_price, depth = self._customer_step_compiled()
        else:
            flows, tally, promo_price, depth = self._customer_step_numpy()
        self._book(flows, tally, promo_price, depth)
        self.datacollector.collect(self)
        if self.steps >= self.scenario.run.steps:  # the market is sized for run.steps
            self.running = False
        every = self.scenario.run.customer_snapshot_every
        if every and self.steps % every == 0:
            self.customer_snapshots.append(self.customer_table().assign(step=self.steps))
        for f in self.firms:
            f.review(self.steps, self.scenario.strategies, self.step_discount, self.rng)

    def _customer_step_numpy(self) -> tuple[np.ndarray, tuple, np.ndarray, np.ndarray]:
        """The step's phases as the vectorised rules; returns the per-firm flows (rows
        :data:`sim.model.metrics.CUSTOMER_FLOWS`), the end-of-step tally and the prices
        (promotion price and depth per firm)."""
        flows = {k: np.zeros(self.n_firms) for k in CUSTOMER_FLOWS}
        self._arrive_new_customers()
        promo_price, depth = self._set_prices()
        self._drift_needs()
        self._fade_trust()
        keys, heard_good, heard_bad = self._word_of_mouth()
        self._become_aware(keys, heard_good, flows)
        self._hear(keys, heard_good, heard_bad)
        buyers, firm_of, seen_price, on_deal = self._shop(promo_price, depth, flows)
        self._experience(buyers, firm_of, seen_price, promo_price, on_deal, flows)
        self._leave_market(flows)
        return (np.array([flows[k] for k in CUSTOMER_FLOWS]), self._tally_numpy(), promo_price,
                depth)

    def _customer_step_compiled(self) -> tuple[np.ndarray, tuple, np.ndarray, np.ndarray]:
        """The same phases in one compiled call (:mod:`sim.engine.step`)."""
        st = self.state
        arrivals = self._arrival_rows()
        arrival_levers = self._lever_matrix  # newcomers meet last step's levers, as above
        promo_price, depth = self._set_prices()
        lv = self._lever_matrix
        flows, counts, stocks, by_presence, lapsed = compiled_step.customer_step(
            self.draws.state, self.steps, arrivals.start, len(arrivals), st.presence, self._present,
            st.firm, st.last_firm, st.last_rating, st.tenure, st.last_purchase, st.need,
            st.fit_at_join, st.facet_weights, st.basket, st.price_sensitivity, st.reference_price,
            st.deal_dependence, st.aware, st.member, st.expectation, st.trust,
            self.graph.indptr, self.graph.indices, self.graph.well_mixed, self._heard,
            self.positions, arrival_levers, lv, promo_price,
            depth.astype(FLOAT), self._failure_p, self.failure_severity,
            self._stage_thresholds, self._step_params)
        self.market_metrics.update(zip(MARKET_COUNTS, counts.tolist(), strict=True))
        return flows, (stocks, by_presence, lapsed), promo_price, depth

    def _arrival_rows(self) -> range:
        """The rows this step's newcomers fill. Rows are reserved for ``run.steps`` steps
        of arrivals; past them there is no room (checked before anything changes)."""
        c = self.scenario.customers
        rows = range(c.n_initial + (self.steps - 1) * c.arrivals_per_step,
                     c.n_initial + self.steps * c.arrivals_per_step)
        if rows.stop > self.state.n:
            raise RuntimeError(
                f"step {self.steps} is past the {self.scenario.run.steps} steps this market "
                f"was sized for (run.steps; {c.arrivals_per_step} arrivals per step)")
        return rows

    # ------------------------------------------------------------------ phases
    def _arrive(self, rows: np.ndarray, awareness_probability: float) -> None:
        """People enter the market, knowing each firm with some probability."""
        st = self.state
        st.presence[rows] = Presence.PRESENT
        self._present[rows] = True
        aware = self.draws.random((rows.size, self.n_firms)) < awareness_probability
        st.aware[rows] = aware
        st.expectation[rows] = np.where(aware, self._first_expectation(rows),
                                        self.scenario.customers.initial_expectation)

    def _arrive_new_customers(self) -> None:
        arrivals = self._arrival_rows()
        rows = np.arange(arrivals.start, arrivals.stop)
        self._arrive(rows, self.scenario.customers.initial_awareness)
        self.market_metrics["arrivals"] = rows.size

    def _first_expectation(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), F) expectations from the prior and each firm's (maybe inflated) claim."""
        claim = self._mean_value_all(rows) * (1.0 + self._lv["claim_inflation"])
        c = self.scenario.customers
        return awareness.first_expectation(c.initial_expectation, claim, c.claim_weight)

    def _set_prices(self) -> tuple[np.ndarray, np.ndarray]:
        """Firms answer rivals' promotions (if the market responds) and set this step's price."""
        for f in self.firms:
            f.move_levers()
        self._refresh_levers()
        response = self.scenario.market.price_response
        if response > 0:
            depths_before = [f.discount_depth for f in self.firms]
            for f in self.firms:
                rivals = [d for i, d in enumerate(depths_before) if i != f.index]
                f.respond_to_rivals(rivals, response)
        # Per firm in plain floats: numpy's per-call cost on two-element arrays is larger
        # than the arithmetic (same double-precision products, then rounded to single).
        depths = [f.promotion_depth(self.steps) for f in self.firms]
        prices = [price * (1.0 - d) for price, d in zip(self._list_prices, depths, strict=True)]
        return np.array(prices, dtype=FLOAT), np.array(depths)

    def _drift_needs(self) -> None:
        st = self.state
        st.need = needs.drift_needs(st.need, self.scenario.customers.need_drift, self.draws)

    def _fade_trust(self) -> None:
        rate = self.scenario.customers.trust_decay
        if rate > 0:
            self.state.trust *= FLOAT(1.0 - rate)

    def _word_of_mouth(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customers with a recent experience (``wom_memory``) speak about its firm to graph
        neighbours.

        Returns the messages heard, aggregated per (customer, firm) pair as flat keys
        ``customer * F + firm`` (sorted, unique) with the number of positive messages and
        the weight of negative ones (behavioural trusters of the firm discount hearsay).
        """
        st, c = self.state, self.scenario.customers
        n_firms = self.n_firms
        recent = st.last_purchase >= self.steps - c.wom_memory
        candidates = np.flatnonzero(self._present & (st.last_firm >= 0) & recent)
        firm_of = st.last_firm[candidates].astype(np.int64)
        behavioural = self._stage(st.trust[candidates, firm_of]) >= trust.BEHAVIOURAL
        p_pos, p_neg = wom.speaking_probability(
            st.last_rating[candidates], behavioural, c.wom_rate_satisfied, c.wom_rate_neutral,
            c.wom_rate_dissatisfied, c.advocacy_multiplier)
        u = self.draws.random(candidates.size, dtype=FLOAT)
        positive = u < p_pos
        speaking = positive | (u < p_pos + p_neg)
        speakers = candidates[speaking]
        if self.graph.well_mixed:
            owner, listener = wom.spread_well_mixed(speakers, self.graph.n_nodes, c.wom_reach,
                                                    self.draws)
        else:
            owner, listener = wom.spread(speakers, self.graph.indptr, self.graph.indices,
                                         c.wom_reach, self.draws)
        heard = self._present[listener]
        listener, owner = listener[heard], owner[heard]
        msg_firm = firm_of[speaking][owner]
        good = positive[speaking][owner]
        bad_l, bad_f = listener[~good], msg_firm[~good]
        believed = np.ones(listener.size)
        believed[~good] -= c.hearsay_discount * (
            self._stage(st.trust[bad_l, bad_f]) >= trust.BEHAVIOURAL)
        keys, inverse = np.unique(listener * n_firms + msg_firm, return_inverse=True)
        heard_good = np.bincount(inverse, weights=good, minlength=keys.size)
        heard_bad = np.bincount(inverse, weights=np.where(good, 0.0, believed),
                                minlength=keys.size)
        self.market_metrics.update(messages_positive=int(good.sum()),
                                   messages_negative=int(bad_l.size), speakers=speakers.size)
        return keys, heard_good, heard_bad

    def _become_aware(self, keys: np.ndarray, heard_good: np.ndarray,
                      flows: dict[str, np.ndarray]) -> None:
        """Advertising and recommendations make people aware of firms (Bass hazard)."""
        st, c, n_firms = self.state, self.scenario.customers, self.n_firms
        advertising = self._lv["advertising"]
        unaware = np.flatnonzero((~st.aware & self._present[:, None]).reshape(-1))
        recommendations = np.zeros(unaware.size)
        at = np.searchsorted(unaware, keys)
        found = at < unaware.size
        found[found] = unaware[at[found]] == keys[found]
        recommendations[at[found]] = heard_good[found]
        hazard = awareness.awareness_hazard(advertising[unaware % n_firms], recommendations,
                                            c.wom_persuasion)
        newly = unaware[self.draws.random(unaware.size, dtype=FLOAT) < hazard]
        customers = np.bincount(st.firm[st.firm >= 0], minlength=n_firms)
        people, firms = np.divmod(newly, n_firms)
        if people.size:
            first = self._first_expectation(people)
            st.expectation[people, firms] = first[np.arange(people.size), firms]
            st.aware[people, firms] = True
        # Advertising reaches everyone in the audience, aware or not, and is paid per contact.
        audience = self._present.sum() - customers
        flows["acquisition_cost"] += advertising * audience * self.scenario.market.contact_cost

    def _hear(self, keys: np.ndarray, heard_good: np.ndarray, heard_bad: np.ndarray) -> None:
        """Messages shift the expectations of those who know the firm."""
        st = self.state
        shift = self.scenario.customers.wom_expectation_shift
        if shift > 0 and keys.size:
            known = st.aware.reshape(-1)[keys]
            expectation = st.expectation.reshape(-1)  # a view: keys index it directly
            expectation[keys[known]] += (shift * (heard_good - heard_bad)[known]).astype(FLOAT)

    def _shop(self, promo_price: np.ndarray, depth: np.ndarray,
              flows: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        """Purchase occasions: habit or a logit choice among known firms and not buying.

        Returns the buyers, the firm each bought from, the unit price each saw (after
        points) and whether the purchase was on a deal; switching customers churn from
        their old firm with cause 'competitor_offer'.
        """
        st, c, n_firms = self.state, self.scenario.customers, self.n_firms
        knows_a_firm = st.aware[:, 0].copy()
        for f in range(1, n_firms):
            knows_a_firm |= st.aware[:, f]
        occasion = self.draws.random(st.n, dtype=FLOAT) < c.purchase_probability
        shoppers = np.flatnonzero(occasion & self._present & knows_a_firm)
        current = st.firm[shoppers].astype(np.int64)
        has_firm = current >= 0
        stage_cur = np.zeros(shoppers.size, dtype=np.int8)
        stage_cur[has_firm] = self._stage(st.trust[shoppers[has_firm], current[has_firm]])
        habitual = (stage_cur >= trust.BEHAVIOURAL) & (
            self.draws.random(shoppers.size, dtype=FLOAT) < c.habit_probability)

        list_price, points = self._lv["list_price"], self._lv["points_rate"]
        deciding = np.flatnonzero(~habitual)
        gumbel = self.draws.standard_gumbel((deciding.size, n_firms + 1))
        chosen, seen_chosen, would_anyway = self._decide(shoppers, current, stage_cur, habitual,
                                                         deciding, gumbel, promo_price, depth)
        bought = chosen != choice.OUTSIDE
        buyers, firm_of = shoppers[bought], chosen[bought]
        seen_price = seen_chosen[bought]
        on_deal = (depth[firm_of] > 0) | (st.member[buyers, firm_of] & (points[firm_of] > 0))
        deadweight = on_deal & would_anyway[bought]
        gift = (list_price[firm_of] - seen_price) * self._basket(buyers, firm_of)
        flows["deal_purchases"] += self._per_firm(firm_of, on_deal)
        flows["deadweight_discount"] += self._per_firm(firm_of, gift * deadweight)

        old = current[bought]
        switched = (old >= 0) & (old != firm_of)
        self._churn(buyers[switched], old[switched], CHURN_CAUSES.index("competitor_offer"),
                    flows)
        joined = old != firm_of
        flows["new_customers"] += self._per_firm(firm_of, joined)
        new_rows, new_firms = buyers[joined], firm_of[joined]
        st.firm[new_rows] = new_firms
        st.tenure[new_rows] = 0
        st.fit_at_join[new_rows] = needs.product_fit(
            st.need[new_rows], self.positions[new_firms], self._lv["personalisation"][new_firms],
            c.fit_weight)
        first_time = ~st.member[new_rows, new_firms] & (points[new_firms] > 0)
        joins = first_time & (self.draws.random(new_rows.size, dtype=FLOAT)
                              < c.programme_join_probability)
        st.member[new_rows[joins], new_firms[joins]] = True
        return buyers, firm_of, seen_price, on_deal

    def _decide(self, shoppers: np.ndarray, current: np.ndarray, stage_cur: np.ndarray,
                      habitual: np.ndarray, deciding: np.ndarray, gumbel: np.ndarray,
                      promo_price: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, ...]:
        """Each shopper's choice, the unit price it saw for the chosen firm, and whether it
        would have chosen the same firm at full price (same draws): deadweight.

        Habitual buyers rebuy without comparing prices, so their deals are deadweight.
        """
        st, c = self.state, self.scenario.customers
        list_price, points = self._lv["list_price"], self._lv["points_rate"]
        member = st.member[shoppers]
        seen = choice.seen_prices(promo_price, list_price, points, member, current, stage_cur,
                                  c.promotion_resistance)
        chosen = current.copy()
        chosen[deciding] = self._choose(shoppers[deciding], current[deciding], seen[deciding],
                                        gumbel)
        rows = np.arange(shoppers.size)
        seen_chosen = seen[rows, np.maximum(chosen, 0)]
        would_anyway = habitual.copy()
        picked = chosen[deciding]
        safe = np.maximum(picked, 0)
        on_deal = (picked >= 0) & ((depth[safe] > 0)
                                   | (member[deciding, safe] & (points[safe] > 0)))
        recheck = np.flatnonzero(on_deal)
        if recheck.size:
            who = deciding[recheck]
            full = choice.seen_prices(list_price, list_price, np.zeros_like(points),
                                      member[who], current[who], stage_cur[who],
                                      c.promotion_resistance)
            again = self._choose(shoppers[who], current[who], full, gumbel[recheck])
            would_anyway[who] = again == chosen[who]
        return chosen, seen_chosen, would_anyway

    def _choose(self, shoppers: np.ndarray, current: np.ndarray, price: np.ndarray,
                gumbel: np.ndarray) -> np.ndarray:
        st, c = self.state, self.scenario.customers
        t = st.trust[shoppers]
        u = choice.utilities(
            st.expectation[shoppers], t, self._stage(t), current, price,
            st.reference_price[shoppers], st.price_sensitivity[shoppers],
            st.deal_dependence[shoppers], emotional_preference=c.emotional_preference,
            switching_cost=c.switching_cost, trust_insensitivity=c.trust_price_insensitivity,
            deal_sensitivity=c.deal_sensitivity, loss_aversion=c.loss_aversion,
            zone=c.indifference_zone)
        return choice.choose(u, st.aware[shoppers], c.outside_utility, c.choice_precision,
                             gumbel)

    def _experience(self, buyers: np.ndarray, firm_of: np.ndarray, seen_price: np.ndarray,
                    promo_price: np.ndarray, on_deal: np.ndarray,
                    flows: dict[str, np.ndarray]) -> None:
        """Use, failures, complaints and recovery, satisfaction, trust, expectations,
        reference price, deal dependence, and leaving after a bad experience; accounts."""
        m = buyers.size
        draws = ExperienceDraws(
            failure=self.draws.random((m, len(HOLES)), dtype=FLOAT),
            complaint=self.draws.random((2, m), dtype=FLOAT),
            noise=FLOAT(self.scenario.customers.value_noise)
            * self.draws.standard_normal(m, dtype=FLOAT),
            leave=self.draws.random(m, dtype=FLOAT))
        leave, cause, totals = self._live(buyers, firm_of, seen_price, promo_price, on_deal,
                                          draws)
        for k in np.unique(cause):
            pick = leave[cause == k]
            self._churn(buyers[pick], firm_of[pick], int(k), flows)
        for key, row in zip(PURCHASE_TOTALS, totals, strict=True):
            flows[key] += row

    def _failure_probabilities(self) -> np.ndarray:
        """(F, 5) failure probability of each hole per purchase at each firm."""
        hole_levers = np.column_stack([self._lv[HOLE_LEVER[h]] for h in HOLES])
        return value.failure_probabilities(self.failure_base, hole_levers,
                                           self.scenario.market.failure_mitigation).astype(FLOAT)

    def _live(self, buyers: np.ndarray, firm_of: np.ndarray, seen_price: np.ndarray,
                    promo_price: np.ndarray, on_deal: np.ndarray,
                    draws: ExperienceDraws) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The experience phase with the rules of :mod:`sim.rules`.

        Returns the positions (in ``buyers``) of those who leave, each one's cause index,
        and the (len(PURCHASE_TOTALS), F) per-firm totals of the purchases.
        """
        st, c, mkt = self.state, self.scenario.customers, self.scenario.market
        quality = self._lv["quality"][firm_of]
        fit = needs.product_fit(st.need[buyers], self.positions[firm_of],
                                self._lv["personalisation"][firm_of], c.fit_weight)
        weights = st.facet_weights[buyers]
        mean = value.mean_value(fit, weights, quality, self._lv["service"][firm_of],
                                self._lv["social_value"][firm_of])
        p_fail = self._failure_p[firm_of]
        failed = value.draw_failures(p_fail, draws.failure)
        any_failure = failed.any(axis=1)
        complained, recovered = value.complaints_and_recovery(
            any_failure, c.complaint_probability, self._lv["recovery"][firm_of], draws.complaint)
        failed &= ~recovered[:, None]
        perceived = value.experienced_value(mean, failed, self.failure_severity,
                                            draws.noise) + FLOAT(c.recovery_bonus) * recovered

        expected = st.expectation[buyers, firm_of]
        known = st.aware[buyers]
        best_known = np.where(known[:, 0], st.expectation[buyers, 0], -np.inf)
        for f in range(1, self.n_firms):
            best_known = np.maximum(best_known, np.where(known[:, f], st.expectation[buyers, f],
                                                         -np.inf))
        standard = satisfaction.comparison_standard(expected, best_known, c.norm_weight)
        surprise = satisfaction.disconfirmation(perceived, standard)
        vfm = satisfaction.value_for_money(seen_price, st.reference_price[buyers])
        total = surprise + c.value_for_money_weight * vfm
        rating = satisfaction.rating(total, c.satisfaction_band)
        trust_before = st.trust[buyers, firm_of]
        trust_after = trust.update_trust(
            trust_before, surprise + c.price_trust_weight * c.value_for_money_weight * vfm,
            c.satisfaction_band, c.trust_gain, c.trust_loss, c.failure_tolerance)
        st.trust[buyers, firm_of] = trust_after
        st.expectation[buyers, firm_of] = satisfaction.adapt_expectation(
            expected, perceived, c.expectation_adaptation)
        st.reference_price[buyers] = pricing.update_reference_price(
            st.reference_price[buyers], seen_price, c.reference_adaptation)
        st.deal_dependence[buyers] = pricing.update_deal_dependence(
            st.deal_dependence[buyers], on_deal, c.deal_dependence_gain, c.deal_dependence_decay)
        st.last_firm[buyers] = firm_of
        st.last_rating[buyers] = rating
        st.last_purchase[buyers] = self.steps

        # Leaving after a bad experience, with its cause attributed.
        short = satisfaction.shortfall(total, c.satisfaction_band)
        leave = np.flatnonzero(draws.leave < churn.leave_probability(
            short, trust_after, c.churn_sensitivity, c.failure_tolerance))
        hole_losses = failed[leave] * self.failure_severity
        need_loss = weights[leave, 0] * (0.5 + 0.5 * quality[leave]) * np.maximum(
            0.0, st.fit_at_join[buyers[leave]] - fit[leave])
        price_loss = np.maximum(0.0, -c.value_for_money_weight * vfm[leave])
        cause = churn.attribute_cause(hole_losses, need_loss, price_loss)
        # "Next time I just won't buy": the bad experience becomes what they expect there.
        st.expectation[buyers[leave], firm_of[leave]] = perceived[leave]

        # Accounts of the purchases.
        lv_price = self._lv["list_price"][firm_of]
        units = self._basket(buyers, firm_of, trust_before)
        revenue = promo_price[firm_of] * units
        member = st.member[buyers, firm_of]
        tenure_share = np.minimum(st.tenure[buyers], mkt.full_tenure_steps) / mkt.full_tenure_steps
        per_purchase = {
            "purchases": np.ones(buyers.size),
            "units": units,
            "revenue": revenue,
            "cost_of_goods": (mkt.unit_cost + mkt.quality_unit_cost * quality) * units,
            "discount_cost": (lv_price - promo_price[firm_of]) * units,
            "points_cost": self._lv["points_rate"][firm_of] * member * revenue
            * mkt.points_redemption,
            "serving_cost": mkt.serve_cost * (1.0 - mkt.serve_cost_tenure_saving * tenure_share),
            "recovery_cost": mkt.recovery_cost * self._lv["recovery"][firm_of] * complained,
            "failures": any_failure,
            "complaints": complained,
            "recoveries": recovered,
            "rating_sum": rating,
        }
        totals = np.stack([self._per_firm(firm_of, per_purchase[k]) for k in PURCHASE_TOTALS])
        return leave, cause, totals

    def _churn(self, rows: np.ndarray, firm_of: np.ndarray, cause: int,
               flows: dict[str, np.ndarray]) -> None:
        """Customers leave their firm; the loss is booked under its cause."""
        st = self.state
        flows["churned"] += self._per_firm(firm_of, np.ones(rows.size))
        flows[f"churn_{CHURN_CAUSES[cause]}"] += self._per_firm(firm_of, np.ones(rows.size))
        satisfied = (st.last_rating[rows] >= 4) & (st.last_firm[rows] == firm_of)
        flows["satisfied_churners"] += self._per_firm(firm_of, satisfied)
        st.firm[rows] = -1
        st.tenure[rows] = 0

    def _leave_market(self, flows: dict[str, np.ndarray]) -> None:
        """Some people leave the market for good; everyone else's tenure grows."""
        st, p = self.state, self.scenario.customers.exit_probability
        if p > 0:
            present = np.flatnonzero(self._present)
            gone = present[self.draws.random(present.size, dtype=FLOAT) < p]
        else:
            gone = np.zeros(0, dtype=np.int64)
        had = st.firm[gone]
        flows["exits"] += self._per_firm(had[had >= 0].astype(np.int64),
                                         np.ones(int(np.count_nonzero(had >= 0))))
        st.presence[gone] = Presence.GONE
        self._present[gone] = False
        st.firm[gone] = -1
        self.market_metrics["exits"] = gone.size
        st.tenure += st.firm >= 0

    def _book(self, flows: np.ndarray, tally: tuple[np.ndarray, np.ndarray, int],
              promo_price: np.ndarray, depth: np.ndarray) -> None:
        """Firm-level stocks and costs of the step, then each firm books its accounts.

        ``flows`` has the rows of :data:`sim.model.metrics.CUSTOMER_FLOWS`; ``tally`` is the
        end-of-step count: per-firm stocks (rows: active, stage 0-3, sums of trust, deal
        dependence and reference price, aware, members), people per presence state and
        lapsed customers.
        """
        stocks, by_presence, lapsed = tally
        book = (accounts.book_firms_compiled if self.engine == "numba"
                else accounts.book_firms_python)
        book(self.firm_table, flows, stocks, self._invest_per_customer, promo_price, depth,
             np.array([f.strategy_switches for f in self.firms], float),
             self.step_discount ** self.steps)
        # As Python numbers: numpy's per-call cost on a few elements exceeds the sums.
        active, new = (int(sum(row)) for row in stocks[:2].tolist())
        people, lapsed = by_presence.tolist(), int(lapsed)
        self.market_metrics.update(
            lifecycle_absent=people[Presence.ABSENT], lifecycle_gone=people[Presence.GONE],
            lifecycle_new=new, lifecycle_regular=active - new, lifecycle_lapsed=lapsed,
            lifecycle_potential=people[Presence.PRESENT] - active - lapsed)

    def _tally_numpy(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Per-firm stocks (rows: active, stage 0-3, sums of trust, deal dependence and
        reference price, aware, members), people per presence state, lapsed customers."""
        st = self.state
        active = st.firm >= 0
        rows = np.flatnonzero(active)
        firm_of = st.firm[rows].astype(np.int64)
        t = st.trust[rows, firm_of]
        stage = self._stage(t)
        stocks = np.stack([
            self._per_firm(firm_of, np.ones(rows.size)),
            *(self._per_firm(firm_of, stage == s) for s in range(4)),
            self._per_firm(firm_of, t),
            self._per_firm(firm_of, st.deal_dependence[rows]),
            self._per_firm(firm_of, st.reference_price[rows]),
            np.array([np.count_nonzero(st.aware[:, f] & self._present)
                      for f in range(self.n_firms)], dtype=float),
            self._per_firm(firm_of, st.member[rows, firm_of]),
        ])
        by_presence = np.bincount(st.presence, minlength=len(Presence))
        lapsed = int(np.count_nonzero(self._present & ~active & (st.last_firm >= 0)))
        return stocks, by_presence, lapsed

    # ------------------------------------------------------------------ helpers
    def refresh_levers(self) -> None:
        """Re-read the firms' levers after a change made from outside a step (the app's
        live controls); a step re-reads them anyway when it sets prices."""
        self._lever_source = []
        self._refresh_levers()

    def _refresh_levers(self) -> None:
        """Cache every lever as an array over firms (rows of ``_lever_matrix``, in the order
        of :data:`LEVER_NAMES`; ``_lv`` names them). Firms' levers are immutable records,
        replaced on every change, so an unchanged set of records needs no new arrays."""
        levers = [f.levers for f in self.firms]
        if len(levers) == len(self._lever_source) and all(
                new is old for new, old in zip(levers, self._lever_source, strict=True)):
            return
        self._lever_source = levers
        self._lever_matrix = np.array([[getattr(lv, name) for lv in levers]
                                       for name in LEVER_NAMES], dtype=FLOAT)
        self._lv = dict(zip(LEVER_NAMES, self._lever_matrix, strict=True))
        self._list_prices = self._lv["list_price"].tolist()
        self._failure_p = self._failure_probabilities()
        mkt = self.scenario.market
        self._invest_per_customer = (mkt.training_cost * self._lv["training"]
                                     + mkt.service_cost * self._lv["service"]
                                     + mkt.personalisation_cost * self._lv["personalisation"])

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return len(self.firms)

    def _stage(self, t: np.ndarray) -> np.ndarray:
        return trust.trust_stage(t, self.scenario.customers.stage_thresholds)

    def _per_firm(self, firm_of: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(firm_of, weights=np.asarray(values, dtype=np.float64),
                           minlength=self.n_firms)

    def _basket(self, rows: np.ndarray, firm_of: np.ndarray,
                trust_with_firm: np.ndarray | None = None) -> np.ndarray:
        """Units bought: the base basket, growing with trust (trusting customers buy more)."""
        st = self.state
        t = st.trust[rows, firm_of] if trust_with_firm is None else trust_with_firm
        return st.basket[rows] * (1.0 + self.scenario.customers.spend_growth * t)

    def _mean_value_all(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), F) mean perceived value of every firm for the given customers."""
        st, c = self.state, self.scenario.customers
        fit = needs.product_fit(st.need[rows, None], self.positions[None, :],
                                self._lv["personalisation"][None, :],
                                c.fit_weight)
        return value.mean_value(fit, st.facet_weights[rows, None, :],
                                self._lv["quality"][None, :],
                                self._lv["service"][None, :],
                                self._lv["social_value"][None, :])

    def lifecycle(self) -> np.ndarray:
        """Lifecycle stage of every customer now (see :class:`sim.model.population.Lifecycle`)."""
        st = self.state
        has_firm = st.firm >= 0
        stage = np.zeros(st.n, dtype=np.int8)
        rows = np.flatnonzero(has_firm)
        stage[rows] = self._stage(st.trust[rows, st.firm[rows]])
        return lifecycle(st, stage)

    # ------------------------------------------------------------------ outputs
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
        has_firm = st.firm >= 0
        rows = np.flatnonzero(has_firm)
        trust_now = np.zeros(st.n, dtype=FLOAT)
        trust_now[rows] = st.trust[rows, st.firm[rows]]
        return pd.DataFrame({
            "customer": np.arange(st.n),
            "lifecycle": pd.Categorical.from_codes(self.lifecycle(), LIFECYCLE_NAMES),
            "firm": st.firm,
            "trust_with_firm": trust_now,
            "trust_stage": self._stage(trust_now) * has_firm,
            "last_rating": st.last_rating,
            "tenure": st.tenure,
            "basket": st.basket,
            "reference_price": st.reference_price,
            "deal_dependence": st.deal_dependence,
            "need": st.need,
        })
