"""The market model: Mesa frame, customer state in arrays, rules as functions.

``MarketModel.step`` writes out the order of events of one step (a week by default);
each phase calls the vectorised rules in :mod:`sim.rules` and holds no maths of its own
beyond bookkeeping. Firms are Mesa agents; customers are rows of
:class:`sim.state.CustomerState`. Every metric is declared in :mod:`sim.metrics` and
collected by one DataCollector.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.firm import Firm, lever_array
from sim.metrics import FIRM_LABELS, FIRM_METRICS, MARKET_METRICS
from sim.network import Graph, build_graph
from sim.rules import awareness, choice, churn, needs, pricing, satisfaction, trust, value
from sim.rules import word_of_mouth as wom
from sim.scenario import CHURN_CAUSES, HOLE_LEVER, HOLES, Scenario, load_scenario
from sim.state import (
    FLOAT,
    LIFECYCLE_NAMES,
    CustomerState,
    Lifecycle,
    Presence,
    initial_state,
    lifecycle,
)

SeedLike = int | np.random.SeedSequence | None


class MarketModel(mesa.Model):
    """A market of customers and firms, built from a :class:`~sim.scenario.Scenario`.

    Parameters
    ----------
    scenario
        A Scenario, or the path of a scenario TOML file.
    seed
        An integer or ``numpy.random.SeedSequence``; default: the scenario's ``run.seed``.
        It feeds ``model.rng``, the only random generator the model uses (networkx gets
        an integer drawn from it).
    overrides
        Dotted-key replacements applied to the scenario (re-validated), e.g.
        ``{"customers.wom_reach": 3}`` — the path the browser app's sliders take.
    """

    def __init__(self, scenario: Scenario | str | Path, seed: SeedLike = None,
                 overrides: Mapping[str, Any] | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = scenario.with_overrides(overrides)
        if seed is None:
            seed = scenario.run.seed
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        super().__init__(rng=seq)
        self.scenario = scenario
        self.seed_entropy = seq.entropy
        self.seed_spawn_key = tuple(seq.spawn_key)
        c, mkt = scenario.customers, scenario.market

        self.graph: Graph = build_graph(scenario, seed=int(self.rng.integers(2**31 - 1)))
        self.firms = [Firm(self, i, spec) for i, spec in enumerate(scenario.firms)]
        self.state: CustomerState = initial_state(scenario, self.rng)
        self.positions = np.array([f.position for f in scenario.firms], dtype=FLOAT)
        self.failure_base = np.array(mkt.failure_base.as_tuple(), dtype=np.float64)
        self.failure_severity = np.array(mkt.failure_severity.as_tuple(), dtype=FLOAT)
        self.step_discount = (1.0 + mkt.annual_discount_rate) ** (-1.0 / mkt.steps_per_year)
        self.market_metrics: dict[str, float] = dict.fromkeys(MARKET_METRICS, 0.0)
        self._bought_any = np.zeros(0, dtype=np.int64)
        self._arrive(np.arange(c.n_initial), c.initial_awareness)

        self.datacollector = mesa.DataCollector(
            model_reporters={k: _reader("market_metrics", k) for k in MARKET_METRICS},
            agenttype_reporters={Firm: {**{k: _reader("metrics", k) for k in FIRM_METRICS},
                                        **{k: _attribute(k) for k in FIRM_LABELS}}},
        )

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One period: arrive, set prices, drift, talk, learn of firms, shop, experience,
        leave, book the accounts, collect."""
        flows = {k: np.zeros(self.n_firms) for k in FIRM_METRICS}
        self._arrive_new_customers()
        promo_price, depth = self._set_prices()
        self._drift_needs()
        self._fade_trust()
        heard_good, heard_bad = self._word_of_mouth()
        self._become_aware(heard_good, flows)
        self._hear(heard_good, heard_bad)
        buyers, firm_of, seen_price, on_deal = self._shop(promo_price, depth, flows)
        self._experience(buyers, firm_of, seen_price, promo_price, on_deal, flows)
        self._leave_market()
        self._book(flows, promo_price, depth)
        self.datacollector.collect(self)
        for f in self.firms:
            f.review(self.steps, self.scenario.strategies, self.step_discount, self.rng)

    # ------------------------------------------------------------------ phases
    def _arrive(self, rows: np.ndarray, awareness_probability: float) -> None:
        """People enter the market, knowing each firm with some probability."""
        st = self.state
        st.presence[rows] = Presence.PRESENT
        aware = self.rng.random((rows.size, self.n_firms)) < awareness_probability
        st.aware[rows] = aware
        st.expectation[rows] = np.where(aware, self._first_expectation(rows),
                                        self.scenario.customers.initial_expectation)

    def _arrive_new_customers(self) -> None:
        c = self.scenario.customers
        start = c.n_initial + (self.steps - 1) * c.arrivals_per_step
        rows = np.arange(start, start + c.arrivals_per_step)
        self._arrive(rows, c.initial_awareness)
        self.market_metrics["arrivals"] = rows.size

    def _first_expectation(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows), F) expectations from the prior and each firm's (maybe inflated) claim."""
        claim = self._mean_value_all(rows) * (1.0 + lever_array(self.firms, "claim_inflation"))
        c = self.scenario.customers
        return awareness.first_expectation(c.initial_expectation, claim, c.claim_weight)

    def _set_prices(self) -> tuple[np.ndarray, np.ndarray]:
        """Firms answer rivals' promotions (if the market responds) and set this step's price."""
        for f in self.firms:
            f.move_levers()
        response = self.scenario.market.price_response
        depths_before = [f.discount_depth for f in self.firms]
        for f in self.firms:
            rivals = [d for i, d in enumerate(depths_before) if i != f.index]
            f.respond_to_rivals(rivals, response)
        depth = np.array([f.promotion_depth(self.steps) for f in self.firms])
        promo_price = lever_array(self.firms, "list_price") * (1.0 - depth)
        return promo_price, depth

    def _drift_needs(self) -> None:
        st = self.state
        st.need = needs.drift_needs(st.need, self.scenario.customers.need_drift, self.rng)

    def _fade_trust(self) -> None:
        rate = self.scenario.customers.trust_decay
        if rate > 0:
            self.state.trust *= FLOAT(1.0 - rate)

    def _word_of_mouth(self) -> tuple[np.ndarray, np.ndarray]:
        """Customers with an experience speak about its firm to graph neighbours.

        Returns (n, F) counts of positive messages heard and of negative ones weighted by
        how much the listener believes them (behavioural trusters discount hearsay).
        """
        st, c = self.state, self.scenario.customers
        n, n_firms = st.n, self.n_firms
        candidates = np.flatnonzero((st.presence == Presence.PRESENT) & (st.last_firm >= 0))
        firm_of = st.last_firm[candidates].astype(np.int64)
        behavioural = self._stage(st.trust[candidates, firm_of]) >= trust.BEHAVIOURAL
        p_pos, p_neg = wom.speaking_probability(
            st.last_rating[candidates], behavioural, c.wom_rate_satisfied, c.wom_rate_neutral,
            c.wom_rate_dissatisfied, c.advocacy_multiplier)
        u = self.rng.random(candidates.size)
        positive = u < p_pos
        negative = ~positive & (u < p_pos + p_neg)
        speaking = positive | negative
        speakers = candidates[speaking]
        owner, listener = wom.spread(speakers, self.graph.indptr, self.graph.indices,
                                     c.wom_reach, self.rng)
        msg_firm = firm_of[speaking][owner]
        good = positive[speaking][owner]
        present = st.presence[listener] == Presence.PRESENT
        good_l, good_f = listener[good & present], msg_firm[good & present]
        bad_l, bad_f = listener[~good & present], msg_firm[~good & present]
        heard_good = wom.count_messages(good_l, good_f, n, n_firms)
        believed = 1.0 - c.hearsay_discount * (self._stage(st.trust[bad_l, bad_f])
                                               >= trust.BEHAVIOURAL)
        heard_bad = np.bincount(bad_l * n_firms + bad_f, weights=believed,
                                minlength=n * n_firms).reshape(n, n_firms)
        self.market_metrics.update(messages_positive=good_l.size, messages_negative=bad_l.size,
                                   speakers=speakers.size)
        return heard_good, heard_bad

    def _become_aware(self, heard_good: np.ndarray, flows: dict[str, np.ndarray]) -> None:
        """Advertising and recommendations make people aware of firms (Bass hazard)."""
        st, c = self.state, self.scenario.customers
        present = np.flatnonzero(st.presence == Presence.PRESENT)
        advertising = lever_array(self.firms, "advertising")
        hazard = awareness.awareness_hazard(advertising, heard_good[present], c.wom_persuasion)
        newly = ~st.aware[present] & (self.rng.random(hazard.shape) < hazard)
        rows, firms = np.nonzero(newly)
        if rows.size:
            people = present[rows]
            first = self._first_expectation(people)
            st.expectation[people, firms] = first[np.arange(rows.size), firms]
            st.aware[people, firms] = True
        # Advertising reaches everyone in the audience, aware or not, and is paid per contact.
        audience = present.size - np.bincount(st.firm[present][st.firm[present] >= 0],
                                              minlength=self.n_firms)
        flows["acquisition_cost"] += (advertising * audience
                                      * self.scenario.market.contact_cost)

    def _hear(self, heard_good: np.ndarray, heard_bad: np.ndarray) -> None:
        """Messages shift the expectations of those who know the firm."""
        st = self.state
        shift = self.scenario.customers.wom_expectation_shift
        if shift > 0:
            delta = (shift * (heard_good - heard_bad)).astype(FLOAT)
            st.expectation += np.where(st.aware, delta, FLOAT(0))

    def _shop(self, promo_price: np.ndarray, depth: np.ndarray,
              flows: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        """Purchase occasions: habit or a logit choice among known firms and not buying.

        Returns the buyers, the firm each bought from, the unit price each saw (after
        points) and whether the purchase was on a deal; switching customers churn from
        their old firm with cause 'competitor_offer'.
        """
        st, c = self.state, self.scenario.customers
        present = st.presence == Presence.PRESENT
        occasion = present & (self.rng.random(st.n) < c.purchase_probability)
        shoppers = np.flatnonzero(occasion & st.aware.any(axis=1))
        current = st.firm[shoppers].astype(np.int64)
        has_firm = current >= 0
        cur = np.where(has_firm, current, 0)
        stage_cur = np.where(has_firm, self._stage(st.trust[shoppers, cur]), 0)
        habitual = (stage_cur >= trust.BEHAVIOURAL) & (
            self.rng.random(shoppers.size) < c.habit_probability)

        list_price = lever_array(self.firms, "list_price")
        points = lever_array(self.firms, "points_rate")
        member = st.member[shoppers]
        seen = choice.seen_prices(promo_price, list_price, points, member, current, stage_cur,
                                  c.promotion_resistance)
        gumbel = self.rng.gumbel(size=(shoppers.size, self.n_firms + 1))
        chosen = self._choose(shoppers, current, seen, gumbel)
        chosen = np.where(habitual, current, chosen)

        # Deadweight: would the same firm have been chosen at full price (same draws)?
        full = choice.seen_prices(list_price, list_price, np.zeros_like(points), member,
                                  current, stage_cur, c.promotion_resistance)
        at_full_price = np.where(habitual, current, self._choose(shoppers, current, full, gumbel))

        bought = chosen != choice.OUTSIDE
        buyers, firm_of = shoppers[bought], chosen[bought]
        rows = np.arange(buyers.size)
        seen_price = seen[bought][rows, firm_of]
        on_deal = (depth[firm_of] > 0) | (member[bought][rows, firm_of] & (points[firm_of] > 0))
        deadweight = on_deal & (at_full_price[bought] == firm_of)
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
        fit = needs.product_fit(st.need[new_rows], self.positions[new_firms],
                                lever_array(self.firms, "personalisation")[new_firms],
                                c.fit_weight)
        st.fit_at_join[new_rows] = fit
        first_time = ~st.member[new_rows, new_firms] & (points[new_firms] > 0)
        joins = first_time & (self.rng.random(new_rows.size) < c.programme_join_probability)
        st.member[new_rows[joins], new_firms[joins]] = True
        return buyers, firm_of, seen_price, on_deal

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
        st, c, mkt = self.state, self.scenario.customers, self.scenario.market
        firms = self.firms
        quality = lever_array(firms, "quality")[firm_of]
        fit = needs.product_fit(st.need[buyers], self.positions[firm_of],
                                lever_array(firms, "personalisation")[firm_of], c.fit_weight)
        weights = st.facet_weights[buyers]
        mean = value.mean_value(fit, weights, quality, lever_array(firms, "service")[firm_of],
                                lever_array(firms, "social_value")[firm_of])
        hole_levers = np.column_stack([lever_array(firms, HOLE_LEVER[h]) for h in HOLES])
        p_fail = value.failure_probabilities(self.failure_base, hole_levers,
                                             mkt.failure_mitigation)[firm_of]
        failed = value.draw_failures(p_fail, self.rng)
        any_failure = failed.any(axis=1)
        complained, recovered = value.complaints_and_recovery(
            any_failure, c.complaint_probability, lever_array(firms, "recovery")[firm_of],
            self.rng)
        failed &= ~recovered[:, None]
        perceived = value.experienced_value(mean, failed, self.failure_severity, c.value_noise,
                                            self.rng) + FLOAT(c.recovery_bonus) * recovered

        expected = st.expectation[buyers, firm_of]
        best_known = np.where(st.aware[buyers], st.expectation[buyers], -np.inf).max(axis=1)
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

        # Leaving after a bad experience, with its cause attributed.
        short = satisfaction.shortfall(total, c.satisfaction_band)
        leave = self.rng.random(buyers.size) < churn.leave_probability(
            short, trust_after, c.churn_sensitivity, c.failure_tolerance)
        hole_losses = failed * self.failure_severity
        need_loss = weights[:, 0] * (0.5 + 0.5 * quality) * np.maximum(
            0.0, st.fit_at_join[buyers] - fit)
        price_loss = np.maximum(0.0, -c.value_for_money_weight * vfm)
        cause = churn.attribute_cause(hole_losses, need_loss, price_loss)
        # "Next time I just won't buy": the bad experience becomes what they expect there.
        st.expectation[buyers[leave], firm_of[leave]] = perceived[leave]
        for k in np.unique(cause[leave]):
            pick = leave & (cause == k)
            self._churn(buyers[pick], firm_of[pick], int(k), flows)

        # Accounts of the purchases.
        lv_price = lever_array(firms, "list_price")[firm_of]
        units = self._basket(buyers, firm_of, trust_before)
        revenue = promo_price[firm_of] * units
        member = st.member[buyers, firm_of]
        tenure_share = np.minimum(st.tenure[buyers], mkt.full_tenure_steps) / mkt.full_tenure_steps
        per_firm = {
            "purchases": np.ones(buyers.size),
            "units": units,
            "revenue": revenue,
            "cost_of_goods": (mkt.unit_cost + mkt.quality_unit_cost * quality) * units,
            "discount_cost": (lv_price - promo_price[firm_of]) * units,
            "points_cost": lever_array(firms, "points_rate")[firm_of] * member * revenue
            * mkt.points_redemption,
            "serving_cost": mkt.serve_cost * (1.0 - mkt.serve_cost_tenure_saving * tenure_share),
            "recovery_cost": mkt.recovery_cost * lever_array(firms, "recovery")[firm_of]
            * complained,
            "failures": any_failure,
            "complaints": complained,
            "recoveries": recovered,
        }
        for key, values in per_firm.items():
            flows[key] += self._per_firm(firm_of, values)
        n_purchases = np.maximum(flows["purchases"], 1)
        flows["mean_satisfaction"] = np.where(
            flows["purchases"] > 0, self._per_firm(firm_of, rating) / n_purchases, np.nan)

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

    def _leave_market(self) -> None:
        """Some people leave the market for good; everyone else's tenure grows."""
        st, p = self.state, self.scenario.customers.exit_probability
        present = np.flatnonzero(st.presence == Presence.PRESENT)
        gone = present[self.rng.random(present.size) < p] if p > 0 else present[:0]
        st.presence[gone] = Presence.GONE
        st.firm[gone] = -1
        self.market_metrics["exits"] = gone.size
        st.tenure[st.firm >= 0] += 1

    def _book(self, flows: dict[str, np.ndarray], promo_price: np.ndarray,
              depth: np.ndarray) -> None:
        """Firm-level stocks and costs of the step, then each firm books its accounts."""
        st, mkt = self.state, self.scenario.market
        active = st.firm >= 0
        rows = np.flatnonzero(active)
        firm_of = st.firm[rows].astype(np.int64)
        t = st.trust[rows, firm_of]
        stage = self._stage(t)
        counts = self._per_firm(firm_of, np.ones(rows.size))
        flows["active_customers"] = counts
        flows["aware"] = st.aware[st.presence == Presence.PRESENT].sum(axis=0).astype(float)
        for s, name in enumerate(trust.STAGE_NAMES):
            flows[f"stage_{name}"] = self._per_firm(firm_of, stage == s)
        with np.errstate(invalid="ignore", divide="ignore"):
            flows["mean_trust"] = self._per_firm(firm_of, t) / counts
            for name in ("deal_dependence", "reference_price"):
                flows[f"mean_{name}"] = self._per_firm(firm_of, getattr(st, name)[rows]) / counts
            flows["satisfied_churn_share"] = flows["satisfied_churners"] / flows["churned"]
        flows["programme_members"] = self._per_firm(firm_of, st.member[rows, firm_of])
        invest = (mkt.training_cost * lever_array(self.firms, "training")
                  + mkt.service_cost * lever_array(self.firms, "service")
                  + mkt.personalisation_cost * lever_array(self.firms, "personalisation"))
        flows["service_cost"] = invest * counts
        flows["price"] = promo_price
        flows["strategy_switches"] = np.array([f.strategy_switches for f in self.firms], float)
        flows["discount_depth"] = depth
        discount_factor = self.step_discount ** self.steps
        for f in self.firms:
            f.book({k: float(v[f.index]) for k, v in flows.items()}, discount_factor)
        counts_by_stage = np.bincount(self.lifecycle(), minlength=len(Lifecycle))
        for s, name in enumerate(LIFECYCLE_NAMES):
            self.market_metrics[f"lifecycle_{name}"] = int(counts_by_stage[s])

    # ------------------------------------------------------------------ helpers
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
                                lever_array(self.firms, "personalisation")[None, :],
                                c.fit_weight)
        return value.mean_value(fit, st.facet_weights[rows, None, :],
                                lever_array(self.firms, "quality")[None, :],
                                lever_array(self.firms, "service")[None, :],
                                lever_array(self.firms, "social_value")[None, :])

    def lifecycle(self) -> np.ndarray:
        """Lifecycle stage of every customer now (see :class:`sim.state.Lifecycle`)."""
        st = self.state
        has_firm = st.firm >= 0
        stage = np.zeros(st.n, dtype=np.int8)
        rows = np.flatnonzero(has_firm)
        stage[rows] = self._stage(st.trust[rows, st.firm[rows]])
        return lifecycle(st, stage)

    # ------------------------------------------------------------------ outputs
    def firm_timeseries(self) -> pd.DataFrame:
        """Collected firm metrics: one row per step and firm (columns ``step``, ``firm``,
        ``strategy`` and every name in :data:`sim.metrics.FIRM_METRICS`)."""
        df = self.datacollector.get_agenttype_vars_dataframe(Firm).reset_index()
        by_id = {f.unique_id: f for f in self.firms}
        df.insert(1, "firm", [by_id[i].name for i in df["AgentID"]])
        df.insert(2, "strategy", [by_id[i].strategy for i in df["AgentID"]])
        return df.drop(columns="AgentID").rename(columns={"Step": "step"})

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


def _reader(attribute: str, key: str):
    """A DataCollector reporter reading ``obj.<attribute>[key]`` (picklable by value)."""
    def read(obj: Any) -> float:
        return getattr(obj, attribute)[key]
    return read


def _attribute(name: str):
    """A DataCollector reporter reading ``obj.<name>``."""
    def read(obj: Any) -> Any:
        return getattr(obj, name)
    return read
