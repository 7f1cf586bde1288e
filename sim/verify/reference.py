"""The reference model: the same market, one Python object per customer.

:class:`ReferenceModel` is an idiomatic per-agent Mesa model. Each :class:`Customer`
is a ``mesa.Agent`` whose methods read like the model description in ``docs/model.md``:
hear of firms, talk about the last purchase, go shopping, judge the experience, trust
or leave. It serves three purposes:

* the readable statement of the rules, for students;
* the oracle the fast engine (:class:`sim.model.MarketModel`, state in arrays) is
  checked against — *docking* in the sense of Rand & Rust (2011): both read the same
  scenario and parameter definitions, but the formulas here are written out again per
  customer, not imported from :mod:`sim.rules`, so that a mistake in one implementation
  shows up as a disagreement (see :mod:`sim.verify`);
* the baseline of the benchmarks (``benchmarks/bench.py``).

The two models draw their random numbers differently (here one scalar at a time from
``model.random``, seeded from the scenario's seed), so they agree statistically, not
number for number. Firms are the same :class:`sim.model.firm.Firm` agents in both: levers,
promotions, accounts and adaptive reviews are shared definitions, not rules of customer
behaviour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.model import MarketModel
from sim.model.firm import Firm
from sim.model.mesa_compat import OwnAttribute
from sim.model.metrics import FIRM_METRICS, MARKET_METRICS, metric_reporters
from sim.network import build_graph
from sim.scenario import CHURN_CAUSES, HOLE_LEVER, HOLES, Scenario, load_scenario

#: Trust stages (the seeds' ladder).
NONE, COGNITIVE, EMOTIONAL, BEHAVIOURAL = 0, 1, 2, 3
STAGE_NAMES = ("none", "cognitive", "emotional", "behavioural")
#: Index of the cause blamed when an experience was just worse than expected.
POOR_QUALITY = CHURN_CAUSES.index("poor_quality")
COMPETITOR_OFFER = CHURN_CAUSES.index("competitor_offer")


class Customer(mesa.Agent):
    """One customer: needs, tastes, expectations of and trust in each firm.

    Attributes mirror one row of :class:`sim.engine.state.CustomerState`; ``firm`` is the
    index of the current firm or -1 (a potential or lapsed customer).
    """

    def __init__(self, model: ReferenceModel, row: int):
        super().__init__(model)
        c, rnd = model.scenario.customers, model.random
        n_firms = len(model.firms)
        self.row = row
        self.present = False
        self.gone = False
        self.firm = -1
        self.last_firm = -1
        self.last_rating = 0  # 0 = never bought
        self.last_purchase = -1
        self.tenure = 0
        self.need = rnd.random()
        self.fit_at_join = 1.0
        gammas = [rnd.gammavariate(a, 1.0) for a in c.facet_concentration]
        self.facets = [g / sum(gammas) for g in gammas]  # material, spiritual, social
        self.basket = c.spend_median * rnd.lognormvariate(0.0, c.spend_sigma)
        self.sensitivity = c.price_sensitivity * rnd.lognormvariate(0.0,
                                                                    c.price_sensitivity_sigma)
        self.reference_price = 1.0
        self.deal_dependence = 0.0
        self.aware = [False] * n_firms
        self.member = [False] * n_firms
        self.expectation = [c.initial_expectation] * n_firms
        self.trust = [0.0] * n_firms
        self.heard_good = [0.0] * n_firms  # this step's messages
        self.heard_bad = [0.0] * n_firms

    # ------------------------------------------------------------------ helpers
    def stage(self, firm: int) -> int:
        """Trust stage with ``firm``: none, cognitive, emotional or behavioural."""
        t = self.trust[firm]
        return sum(t >= threshold for threshold in self.model.scenario.customers.stage_thresholds)

    def fit(self, firm: int) -> float:
        """How well the firm's product fits my need now (circular distance; personalisation
        removes part of it). Seed idea: cognitive trust rests on fit."""
        m = self.model
        d = abs(self.need - m.firms[firm].spec.position)
        d = min(d, 1.0 - d)
        personalisation = m.firms[firm].levers.personalisation
        return 1.0 - m.scenario.customers.fit_weight * 2.0 * d * (1.0 - personalisation)

    def mean_value(self, firm: int) -> float:
        """Value I expect to get from the firm's offer before failures: material,
        spiritual and social facets weighted by my tastes (the seeds' three levels)."""
        lv = self.model.firms[firm].levers
        material = (0.5 + 0.5 * lv.quality) * self.fit(firm)
        spiritual = 0.5 + 0.5 * lv.service
        w = self.facets
        return w[0] * material + w[1] * spiritual + w[2] * lv.social_value

    def first_expectation(self, firm: int) -> float:
        """On hearing of a firm: my prior mixed with its claim (integrity: an inflated claim
        raises expectations and so disappointment)."""
        c = self.model.scenario.customers
        claim = self.mean_value(firm) * (1.0 + self.model.firms[firm].levers.claim_inflation)
        return (1.0 - c.claim_weight) * c.initial_expectation + c.claim_weight * claim

    def units(self, firm: int) -> float:
        """Units I buy: my basket, larger the more I trust the firm."""
        return self.basket * (1.0 + self.model.scenario.customers.spend_growth
                              * self.trust[firm])

    # ------------------------------------------------------------------ phases
    def arrive(self) -> None:
        """Enter the market, knowing each firm with probability ``initial_awareness``."""
        c = self.model.scenario.customers
        self.present = True
        for f in range(len(self.aware)):
            if self.model.random.random() < c.initial_awareness:
                self.aware[f] = True
                self.expectation[f] = self.first_expectation(f)

    def drift(self) -> None:
        """My needs move a little (cognitive trust may transfer when needs change)."""
        sd = self.model.scenario.customers.need_drift
        if sd > 0:
            self.need = (self.need + sd * self.model.random.gauss(0.0, 1.0)) % 1.0

    def fade(self) -> None:
        """Trust fades a little every step."""
        rate = self.model.scenario.customers.trust_decay
        self.trust = [t * (1.0 - rate) for t in self.trust]

    def talk(self) -> None:
        """Tell neighbours about my last purchase if it was recent: well if satisfied
        (more so as a behavioural truster: advocacy), ill if dissatisfied. Each neighbour
        hears me with probability ``reach / degree`` (a satisfied customer tells 3-5)."""
        m, c = self.model, self.model.scenario.customers
        if (not self.present or self.last_firm < 0
                or self.last_purchase < m.steps - c.wom_memory):
            return
        firm, rating = self.last_firm, self.last_rating
        p_good = c.wom_rate_satisfied if rating >= 4 else c.wom_rate_neutral if rating == 3 else 0
        if self.stage(firm) >= BEHAVIOURAL:
            p_good = min(1.0, p_good * c.advocacy_multiplier)
        p_bad = c.wom_rate_dissatisfied if rating in (1, 2) else 0.0
        u = m.random.random()
        if u >= p_good + p_bad:
            return
        good = u < p_good
        m.market_metrics["speakers"] += 1
        neighbours = m.neighbours[self.row]
        p_tell = min(1.0, c.wom_reach / max(len(neighbours), 1))
        for j in neighbours:
            if m.random.random() < p_tell:
                m.customer_at[j].hear(firm, good)

    def hear(self, firm: int, good: bool) -> None:
        """Receive one message; a behavioural truster of the firm half-ignores bad hearsay."""
        if not self.present:
            return
        m = self.model
        if good:
            self.heard_good[firm] += 1.0
            m.market_metrics["messages_positive"] += 1
        else:
            discount = m.scenario.customers.hearsay_discount
            self.heard_bad[firm] += 1.0 - discount * (self.stage(firm) >= BEHAVIOURAL)
            m.market_metrics["messages_negative"] += 1

    def learn_of_firms(self) -> None:
        """Advertising and recommendations may make me aware of firms I did not know (the
        Bass mechanism), then what I heard shifts my expectations of the firms I know."""
        if not self.present:
            return
        m, c = self.model, self.model.scenario.customers
        for f, firm in enumerate(m.firms):
            if not self.aware[f]:
                hazard = min(1.0, firm.levers.advertising + c.wom_persuasion * self.heard_good[f])
                if m.random.random() < hazard:
                    self.aware[f] = True
                    self.expectation[f] = self.first_expectation(f)
        for f in range(len(m.firms)):
            if self.aware[f] and (self.heard_good[f] or self.heard_bad[f]):
                self.expectation[f] += c.wom_expectation_shift * (self.heard_good[f]
                                                                  - self.heard_bad[f])
        self.heard_good = [0.0] * len(m.firms)
        self.heard_bad = [0.0] * len(m.firms)

    def go_shopping(self) -> None:
        """On a purchase occasion: rebuy out of habit (behavioural trust) or compare the
        firms I know, buy, and live with the experience."""
        m, c = self.model, self.model.scenario.customers
        if not self.present or not any(self.aware):
            return
        if m.random.random() >= c.purchase_probability:
            return
        current = self.firm
        stage_now = self.stage(current) if current >= 0 else NONE
        habitual = stage_now >= BEHAVIOURAL and m.random.random() < c.habit_probability
        seen = self.seen_prices(current, stage_now, m.promo_price)
        if habitual:
            chosen, would_anyway = current, True
        else:
            gumbel = [_gumbel(m.random) for _ in range(len(m.firms) + 1)]
            chosen = self.choose(current, seen, gumbel)
            would_anyway = False
            if chosen >= 0 and m.on_deal(chosen, self):
                # Would I have bought the same at full price (same taste shocks)?
                full = [firm.levers.list_price for firm in m.firms]
                would_anyway = self.choose(current, full, gumbel) == chosen
        if chosen < 0:
            return
        on_deal = m.on_deal(chosen, self)
        list_price = m.firms[chosen].levers.list_price
        if on_deal and would_anyway:
            m.flows["deadweight_discount"][chosen] += ((list_price - seen[chosen])
                                                       * self.units(chosen))
        m.flows["deal_purchases"][chosen] += on_deal
        if current != chosen:
            if current >= 0:
                self.leave_firm(COMPETITOR_OFFER)
            self.join(chosen)
        self.experience(chosen, seen[chosen], on_deal)

    def seen_prices(self, current: int, stage_now: int, promo: list[float]) -> list[float]:
        """Prices as I see them: promotions (barely noticed from rivals when I am a
        behavioural truster of my firm), less points where I am a member."""
        m, c = self.model, self.model.scenario.customers
        seen = []
        for f, firm in enumerate(m.firms):
            price = promo[f]
            if stage_now >= BEHAVIOURAL and f != current:
                price = firm.levers.list_price - (1.0 - c.promotion_resistance) * (
                    firm.levers.list_price - promo[f])
            seen.append(price * (1.0 - firm.levers.points_rate * self.member[f]))
        return seen

    def choose(self, current: int, prices: list[float], gumbel: list[float]) -> int:
        """Random-utility (logit) choice among known firms and not buying (-1).

        Utility: what I expect, minus the price's pain against my reference price
        (prospect theory: losses loom larger; a zone of indifference; trust lowers and
        deal dependence raises my sensitivity), plus preference for firms I trust
        emotionally, plus the cost of switching away from my firm."""
        c = self.model.scenario.customers
        best, best_score = -1, -math.inf
        for f in range(len(prices)):
            if not self.aware[f]:
                continue
            t = self.trust[f]
            sensitivity = (self.sensitivity * (1.0 - c.trust_price_insensitivity * t)
                           * (1.0 + c.deal_sensitivity * self.deal_dependence))
            gap = prices[f] / self.reference_price - 1.0
            pain = sensitivity * (c.loss_aversion * max(0.0, gap - c.indifference_zone)
                                  + min(0.0, gap + c.indifference_zone))
            utility = self.expectation[f] - pain
            if self.stage(f) >= EMOTIONAL:
                utility += c.emotional_preference * t
            if f == current:
                utility += c.switching_cost
            score = c.choice_precision * utility + gumbel[f]
            if score > best_score:
                best, best_score = f, score
        outside = c.choice_precision * c.outside_utility + gumbel[-1]
        return best if best_score > outside else -1

    def join(self, firm: int) -> None:
        """Become the firm's customer (and perhaps join its points programme)."""
        m, c = self.model, self.model.scenario.customers
        m.flows["new_customers"][firm] += 1
        self.firm, self.tenure = firm, 0
        self.fit_at_join = self.fit(firm)
        points = m.firms[firm].levers.points_rate
        if (not self.member[firm] and points > 0
                and m.random.random() < c.programme_join_probability):
            self.member[firm] = True

    def experience(self, firm: int, price_seen: float, on_deal: bool) -> None:
        """Use what I bought; failures through the bucket's holes; maybe complain and be
        put right; judge it against what I expected (expectation disconfirmation, with
        value for money); update trust, expectations, reference price and deal
        dependence; perhaps leave for good reason."""
        m, c, mkt = self.model, self.model.scenario.customers, self.model.scenario.market
        lv = m.firms[firm].levers
        fit = self.fit(firm)
        mean = self.mean_value(firm)
        failed = [m.random.random() < p for p in m.failure_probability[firm]]
        complained = any(failed) and m.random.random() < c.complaint_probability
        recovered = complained and m.random.random() < lv.recovery
        if recovered:  # service recovery puts every failure of this purchase right
            failed = [False] * len(failed)
        severity = m.failure_severity
        perceived = (mean - sum(s for s, f in zip(severity, failed, strict=True) if f)
                     + c.value_noise * m.random.gauss(0.0, 1.0)
                     + c.recovery_bonus * recovered)

        expected = self.expectation[firm]
        best_known = max(e for e, a in zip(self.expectation, self.aware, strict=True) if a)
        standard = expected + c.norm_weight * max(0.0, best_known - expected)
        surprise = perceived - standard
        value_for_money = (self.reference_price - price_seen) / self.reference_price
        total = surprise + c.value_for_money_weight * value_for_money
        band = c.satisfaction_band
        rating = int(min(5, max(1, math.floor(total / band + 0.5) + 3)))

        # Trust: repeated satisfaction accumulates; failures hurt, less at high trust.
        trust_before = self.trust[firm]
        z = (surprise + c.price_trust_weight * c.value_for_money_weight * value_for_money) / band
        if z >= -0.5:
            t = trust_before + c.trust_gain * (1.0 + min(max(z - 0.5, 0.0), 2.0)) * (
                1.0 - trust_before)
        else:
            t = trust_before - c.trust_loss * (-z - 0.5) * (1.0 - c.failure_tolerance
                                                            * trust_before)
        self.trust[firm] = trust_after = min(1.0, max(0.0, t))

        self.expectation[firm] = expected + c.expectation_adaptation * (perceived - expected)
        self.reference_price += c.reference_adaptation * (price_seen - self.reference_price)
        if on_deal:  # customer bribery: "no promotion, no purchase"
            self.deal_dependence += c.deal_dependence_gain * (1.0 - self.deal_dependence)
        else:
            self.deal_dependence *= 1.0 - c.deal_dependence_decay
        self.last_firm, self.last_rating, self.last_purchase = firm, rating, m.steps

        units = self.basket * (1.0 + c.spend_growth * trust_before)
        revenue = m.promo_price[firm] * units
        tenure_share = min(self.tenure, mkt.full_tenure_steps) / mkt.full_tenure_steps
        flows = m.flows
        for key, amount in (
                ("purchases", 1.0), ("units", units), ("revenue", revenue),
                ("cost_of_goods", (mkt.unit_cost + mkt.quality_unit_cost * lv.quality) * units),
                ("discount_cost", (lv.list_price - m.promo_price[firm]) * units),
                ("points_cost", lv.points_rate * self.member[firm] * revenue
                 * mkt.points_redemption),
                ("serving_cost", mkt.serve_cost * (1.0 - mkt.serve_cost_tenure_saving
                                                   * tenure_share)),
                ("recovery_cost", mkt.recovery_cost * lv.recovery * complained),
                ("failures", any(failed) or recovered), ("complaints", complained),
                ("recoveries", recovered), ("rating_sum", rating)):
            flows[key][firm] += amount

        # Most dissatisfied customers do not complain; they simply leave.
        shortfall = max(0.0, -total / band - 0.5)
        p_leave = min(1.0, c.churn_sensitivity * shortfall
                      * (1.0 - c.failure_tolerance * trust_after))
        if m.random.random() < p_leave:
            losses = [s if f else 0.0 for s, f in zip(severity, failed, strict=True)]
            losses.append(0.0)  # a competitor's offer is not a bad experience
            losses.append(self.facets[0] * (0.5 + 0.5 * lv.quality)
                          * max(0.0, self.fit_at_join - fit))  # needs moved away
            losses.append(max(0.0, -c.value_for_money_weight * value_for_money))  # price
            worst = max(losses)
            cause = losses.index(worst) if worst > 0 else POOR_QUALITY
            self.expectation[firm] = perceived  # "next time I just won't buy"
            self.leave_firm(cause)

    def leave_firm(self, cause: int) -> None:
        """Stop being my firm's customer; the loss is booked under its cause."""
        flows, firm = self.model.flows, self.firm
        flows["churned"][firm] += 1
        flows[f"churn_{CHURN_CAUSES[cause]}"][firm] += 1
        flows["satisfied_churners"][firm] += self.last_rating >= 4 and self.last_firm == firm
        self.firm, self.tenure = -1, 0

    def maybe_exit(self) -> None:
        """Leave the market for good with probability ``exit_probability``; otherwise
        another step of tenure with my firm."""
        m = self.model
        p = m.scenario.customers.exit_probability
        if self.present and p > 0 and m.random.random() < p:
            if self.firm >= 0:
                m.flows["exits"][self.firm] += 1
            self.present, self.gone, self.firm = False, True, -1
            m.market_metrics["exits"] += 1
        if self.firm >= 0:
            self.tenure += 1


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
        self.flows = {k: [0.0] * n_firms for k in (*FIRM_METRICS, "rating_sum")}
        self.market_metrics.update(dict.fromkeys(("messages_positive", "messages_negative",
                                                  "speakers", "exits"), 0))
        customers = self.agents_by_type[Customer]
        c = self.scenario.customers
        start = c.n_initial + (self.steps - 1) * c.arrivals_per_step
        for customer in self.customer_at[start:start + c.arrivals_per_step]:
            customer.arrive()
        self.market_metrics["arrivals"] = c.arrivals_per_step
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
            [b * (1.0 - mitigation * getattr(firm.levers, HOLE_LEVER[hole]))
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
        self.promo_price = [firm.levers.list_price * (1.0 - d)
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
            self.flows["acquisition_cost"][f] += (firm.levers.advertising * audience
                                                  * self.scenario.market.contact_cost)

    def _book(self) -> None:
        """Count each firm's customers by trust stage and book the accounts."""
        mkt, flows, n_firms = self.scenario.market, self.flows, len(self.firms)
        sums = {k: [0.0] * n_firms for k in ("trust", "dependence", "reference")}
        for k in ("active_customers", *(f"stage_{s}" for s in STAGE_NAMES), "aware",
                  "programme_members"):
            flows[k] = [0.0] * n_firms
        lapsed = absent = gone = present = 0
        for cu in self.customer_at:
            if cu.gone:
                gone += 1
                continue
            if not cu.present:
                absent += 1
                continue
            present += 1
            for f in range(n_firms):
                flows["aware"][f] += cu.aware[f]
            f = cu.firm
            if f < 0:
                lapsed += cu.last_firm >= 0
                continue
            flows["active_customers"][f] += 1
            flows[f"stage_{STAGE_NAMES[cu.stage(f)]}"][f] += 1
            flows["programme_members"][f] += cu.member[f]
            sums["trust"][f] += cu.trust[f]
            sums["dependence"][f] += cu.deal_dependence
            sums["reference"][f] += cu.reference_price
        discount_factor = self.step_discount ** self.steps
        for f, firm in enumerate(self.firms):
            count = flows["active_customers"][f]
            purchases = flows["purchases"][f]
            lv = firm.levers
            step_flows = {k: v[f] for k, v in flows.items()}
            step_flows.update(
                mean_trust=_ratio(sums["trust"][f], count),
                mean_deal_dependence=_ratio(sums["dependence"][f], count),
                mean_reference_price=_ratio(sums["reference"][f], count),
                satisfied_churn_share=_ratio(flows["satisfied_churners"][f],
                                             flows["churned"][f]),
                mean_satisfaction=_ratio(step_flows.pop("rating_sum"), purchases),
                service_cost=(mkt.training_cost * lv.training + mkt.service_cost * lv.service
                              + mkt.personalisation_cost * lv.personalisation) * count,
                price=self.promo_price[f], discount_depth=self.depth[f],
                strategy_switches=float(firm.strategy_switches))
            firm.book(step_flows, discount_factor)
        active = sum(flows["active_customers"])
        new = sum(flows["stage_none"])
        self.market_metrics.update(
            lifecycle_absent=absent, lifecycle_gone=gone, lifecycle_new=new,
            lifecycle_regular=active - new, lifecycle_lapsed=lapsed,
            lifecycle_potential=present - active - lapsed)


def _gumbel(rnd: Any) -> float:
    """A standard Gumbel draw (the logit model's taste shock)."""
    return -math.log(-math.log(max(rnd.random(), 2.0**-25)))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan
