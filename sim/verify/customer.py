"""One customer of the reference model: a ``mesa.Agent`` whose methods read like the
model description in docs/model.md and compute every formula with the rules of
:mod:`sim.rules`, called as plain Python."""

from __future__ import annotations

import math
from typing import Any

import mesa

from sim.rules import (
    awareness,
    choice,
    churn,
    economics,
    needs,
    occasions,
    pricing,
    satisfaction,
    trust,
    value,
    word_of_mouth,
)
from sim.rules.trust import BEHAVIOURAL, EMOTIONAL
from sim.scenario import CHURN_CAUSES

POOR_QUALITY = CHURN_CAUSES.index("poor_quality")
COMPETITOR_OFFER = CHURN_CAUSES.index("competitor_offer")
NEEDS_MOVED, PRICE = CHURN_CAUSES.index("needs_moved"), CHURN_CAUSES.index("price")


class Customer(mesa.Agent):
    """One customer: needs, tastes, expectations of and trust in each firm.

    Attributes mirror one row of :class:`sim.engine.state.CustomerState`; ``firm`` is the
    index of the current firm or -1 (a potential or lapsed customer).
    """

    def __init__(self, model: mesa.Model, row: int):
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
        self.occasion = c.purchase_probability
        if c.occasion_rate_shape > 0:  # heavy and light buyers
            mean_rate = occasions.occasion_rate(c.purchase_probability)
            rate = rnd.gammavariate(c.occasion_rate_shape, mean_rate / c.occasion_rate_shape)
            self.occasion = occasions.occasion_probability(rate)
        self.dropout = c.dropout_probability
        if c.dropout_concentration > 0 and 0 < c.dropout_probability < 1:
            k, p = c.dropout_concentration, c.dropout_probability
            self.dropout = rnd.betavariate(p * k, (1 - p) * k)
        self.lapse = c.lapse_probability  # once I have bought (Pareto/NBD's lifetime)
        if c.lapse_rate_shape > 0 and c.lapse_probability > 0:
            mean_rate = occasions.occasion_rate(c.lapse_probability)
            rate = rnd.gammavariate(c.lapse_rate_shape, mean_rate / c.lapse_rate_shape)
            self.lapse = occasions.occasion_probability(rate)
        self.reference_price = 1.0
        self.deal_dependence = 0.0
        self.aware = [False] * n_firms
        self.member = [False] * n_firms
        self.expectation = [c.initial_expectation] * n_firms
        self.trust = [0.0] * n_firms
        self.heard_good = [0] * n_firms  # this step's messages
        self.heard_bad = [0.0] * n_firms  # weighted by belief
        self.buying_on_arrival = -1  # the firm I arrived buying from, until I have bought

    # ------------------------------------------------------------------ what I make of a firm
    def stage(self, firm: int) -> int:
        """Trust stage with ``firm``: none, cognitive, emotional or behavioural."""
        return trust.trust_stage(self.trust[firm], *self.model.scenario.customers.stage_thresholds)

    def fit(self, firm: int) -> float:
        """How well the firm's product fits my need now."""
        m = self.model
        return needs.product_fit(self.need, m.firms[firm].spec.position,
                                 m.firms[firm].levers.personalisation,
                                 m.scenario.customers.fit_weight)

    def mean_value(self, firm: int, fit: float) -> float:
        """Value I expect from the firm's offer before failures (the three facets)."""
        lv = self.model.firms[firm].levers
        return value.mean_value(fit, *self.facets, lv.quality, lv.service, lv.social_value)

    def first_expectation(self, firm: int) -> float:
        """On hearing of a firm: my prior mixed with what it claims."""
        c, lv = self.model.scenario.customers, self.model.firms[firm].levers
        claim = awareness.advertised_claim(self.mean_value(firm, self.fit(firm)),
                                           lv.claim_inflation)
        return awareness.first_expectation(c.initial_expectation, claim, c.claim_weight)

    # ------------------------------------------------------------------ phases
    def arrive(self, buyer: bool = False) -> None:
        """Enter the market, knowing each firm with probability ``initial_awareness``; as a
        newcomer (``buyer``) of a scenario whose newcomers arrive as a firm's first-time
        buyers (``customers.arrivals_buy_from``), knowing that firm and about to buy there."""
        c = self.model.scenario.customers
        self.present = True
        names = [firm.name for firm in self.model.firms]
        arrival_firm = names.index(c.arrivals_buy_from) if buyer and c.arrivals_buy_from \
            else -1
        for f in range(len(self.aware)):
            if self.model.random.random() < c.initial_awareness or f == arrival_firm:
                self.aware[f] = True
                self.expectation[f] = self.first_expectation(f)
        self.buying_on_arrival = arrival_firm

    def drift(self) -> None:
        """My needs move a little (cognitive trust may transfer when needs change)."""
        sd = self.model.scenario.customers.need_drift
        if sd > 0:
            self.need = needs.drift_need(self.need, sd * self.model.random.gauss(0.0, 1.0))

    def fade(self) -> None:
        """Trust fades a little every step."""
        rate = self.model.scenario.customers.trust_decay
        self.trust = [trust.decay_trust(t, rate) for t in self.trust]

    def talk(self) -> None:
        """Tell neighbours about my last purchase if it was recent: well if satisfied
        (more so as a behavioural truster), ill if dissatisfied."""
        m, c = self.model, self.model.scenario.customers
        if (not self.present or self.last_firm < 0
                or self.last_purchase < m.steps - c.wom_memory):
            return
        firm = self.last_firm
        well = word_of_mouth.speak_well_probability(
            self.last_rating, self.stage(firm) >= BEHAVIOURAL, c.wom_rate_satisfied,
            c.wom_rate_neutral, c.advocacy_multiplier)
        ill = word_of_mouth.speak_ill_probability(self.last_rating, c.wom_rate_dissatisfied)
        u = m.random.random()
        if u >= well + ill:
            return
        m.market_metrics["speakers"] += 1
        neighbours = m.neighbours[self.row]
        chance = word_of_mouth.tell_probability(c.wom_reach, len(neighbours))
        for j in neighbours:
            if m.random.random() < chance:
                m.customer_at[j].hear(firm, u < well)

    def hear(self, firm: int, good: bool) -> None:
        """Receive one message; a behavioural truster of the firm half-ignores bad hearsay."""
        if not self.present:
            return
        m = self.model
        if good:
            self.heard_good[firm] += 1
            m.market_metrics["messages_positive"] += 1
        else:
            self.heard_bad[firm] += word_of_mouth.hearsay_weight(
                self.stage(firm) >= BEHAVIOURAL, m.scenario.customers.hearsay_discount)
            m.market_metrics["messages_negative"] += 1

    def learn_of_firms(self) -> None:
        """Advertising and recommendations may make me aware of firms I did not know (the
        Bass mechanism); then what I heard shifts my expectations of the firms I know."""
        if not self.present:
            return
        m, c = self.model, self.model.scenario.customers
        for f, firm in enumerate(m.firms):
            if not self.aware[f]:
                chance = awareness.awareness_probability(firm.levers.advertising,
                                                         self.heard_good[f], c.wom_persuasion)
                if m.random.random() < chance:
                    self.aware[f] = True
                    self.expectation[f] = self.first_expectation(f)
        for f in range(len(m.firms)):
            if self.aware[f] and (self.heard_good[f] or self.heard_bad[f]):
                self.expectation[f] += word_of_mouth.hearsay_shift(
                    self.heard_good[f], self.heard_bad[f], c.wom_expectation_shift)
        self.heard_good = [0] * len(m.firms)
        self.heard_bad = [0.0] * len(m.firms)

    def go_shopping(self) -> None:
        """On a purchase occasion: rebuy out of habit (behavioural trust) or compare the
        firms I know, buy, and live with the experience."""
        m, c = self.model, self.model.scenario.customers
        arriving, self.buying_on_arrival = self.buying_on_arrival, -1
        chance = self.occasion
        if self.firm >= 0:
            chance = occasions.trusting_occasion_chance(chance, self.trust[self.firm],
                                                        c.frequency_growth)
        chance = occasions.occasion_chance(chance, arriving >= 0)
        if not self.present or not any(self.aware) or m.random.random() >= chance:
            return
        current = self.firm
        stage_now = self.stage(current) if current >= 0 else trust.NONE
        habitual = stage_now >= BEHAVIOURAL and m.random.random() < c.habit_probability
        seen = self.seen_prices(current, stage_now)
        if arriving >= 0:  # a first-time buyer on arrival: no comparing, no not buying
            chosen, would_anyway = arriving, True
        elif habitual:
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
            m.flows["deadweight_discount"][chosen] += (list_price - seen[chosen]) * \
                economics.units_bought(self.basket, self.trust[chosen], c.spend_growth)
        m.flows["deal_purchases"][chosen] += on_deal
        if current != chosen:
            if current >= 0:
                self.leave_firm(COMPETITOR_OFFER)
            self.join(chosen)
        self.experience(chosen, seen[chosen], on_deal)

    def seen_prices(self, current: int, stage_now: int) -> list[float]:
        """Prices as I see them: promotions (barely noticed from rivals when I am a
        behavioural truster of my firm), less points where I am a member."""
        m, c = self.model, self.model.scenario.customers
        return [choice.seen_price(m.promo_price[f], firm.levers.list_price,
                                  firm.levers.points_rate, self.member[f],
                                  stage_now >= BEHAVIOURAL and f != current,
                                  c.promotion_resistance)
                for f, firm in enumerate(m.firms)]

    def choose(self, current: int, prices: list[float], gumbel: list[float]) -> int:
        """Random-utility (logit) choice among known firms and not buying (-1)."""
        c = self.model.scenario.customers
        best, best_score = -1, -math.inf
        for f in range(len(prices)):
            if not self.aware[f]:
                continue
            t = self.trust[f]
            sensitivity = pricing.effective_sensitivity(
                self.sensitivity, t, self.deal_dependence, c.trust_price_insensitivity,
                c.deal_sensitivity)
            u = choice.utility(self.expectation[f], prices[f] / self.reference_price,
                               sensitivity, t, self.stage(f) >= EMOTIONAL, f == current,
                               c.loss_aversion, c.indifference_zone, c.emotional_preference,
                               c.switching_cost)
            score = choice.choice_score(u, c.choice_precision, gumbel[f])
            if score > best_score:
                best, best_score = f, score
        outside = choice.choice_score(c.outside_utility, c.choice_precision, gumbel[-1])
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
        put right; judge it against what I expected; update trust, expectations,
        reference price and deal dependence; perhaps leave, for a reason."""
        m, c = self.model, self.model.scenario.customers
        first_purchase = self.last_purchase < 0
        lv = m.firms[firm].levers
        fit = self.fit(firm)
        mean = self.mean_value(firm, fit)
        failed = [m.random.random() < p for p in m.failure_probability[firm]]
        complained = any(failed) and m.random.random() < c.complaint_probability
        recovered = complained and m.random.random() < lv.recovery
        lost = 0.0 if recovered else sum(
            s for s, f in zip(m.failure_severity, failed, strict=True) if f)
        perceived = value.perceived_value(mean, lost, c.value_noise * m.random.gauss(0.0, 1.0),
                                          recovered, c.recovery_bonus)
        expected = self.expectation[firm]
        best_known = max(e for e, a in zip(self.expectation, self.aware, strict=True) if a)
        surprise = satisfaction.disconfirmation(
            perceived, satisfaction.comparison_standard(expected, best_known, c.norm_weight))
        vfm = satisfaction.value_for_money(price_seen, self.reference_price)
        total = satisfaction.satisfaction(surprise, vfm, c.value_for_money_weight)
        rating = satisfaction.rating(total, c.satisfaction_band)
        trust_before = self.trust[firm]
        self.trust[firm] = trust_after = trust.update_trust(
            trust_before, trust.trust_signal(surprise, vfm, c.price_trust_weight,
                                             c.value_for_money_weight),
            c.satisfaction_band, c.trust_gain, c.trust_loss, c.failure_tolerance)
        self.expectation[firm] = satisfaction.adapt_expectation(expected, perceived,
                                                                c.expectation_adaptation)
        self.reference_price = pricing.update_reference_price(self.reference_price, price_seen,
                                                              c.reference_adaptation)
        self.deal_dependence = pricing.update_deal_dependence(
            self.deal_dependence, on_deal, c.deal_dependence_gain, c.deal_dependence_decay)
        self.last_firm, self.last_rating, self.last_purchase = firm, rating, m.steps
        self.book_purchase(firm, trust_before, complained, any(failed), recovered, rating)
        # Most dissatisfied customers do not complain; they simply leave.
        chance = churn.leave_probability(satisfaction.shortfall(total, c.satisfaction_band),
                                         trust_after, c.churn_sensitivity, c.failure_tolerance)
        if m.random.random() < chance:
            losses = [s if f and not recovered else 0.0
                      for s, f in zip(m.failure_severity, failed, strict=True)]
            losses += [0.0,  # a competitor's offer is not a bad experience
                       churn.need_loss(self.facets[0], lv.quality, self.fit_at_join, fit),
                       churn.price_loss(vfm, c.value_for_money_weight)]
            worst = max(losses)
            self.expectation[firm] = perceived  # "next time I just won't buy"
            self.leave_firm(losses.index(worst) if worst > 0 else POOR_QUALITY)
        if (self.dropout > 0 and occasions.may_drop_out(first_purchase,
                                                        c.dropout_after_first_purchase)
                and m.random.random() < self.dropout):
            self.leave_market()

    def book_purchase(self, firm: int, trust_before: float, complained: bool,
                      failed: bool, recovered: bool, rating: int) -> None:
        """What the purchase brings the firm in and costs it."""
        m, c, mkt = self.model, self.model.scenario.customers, self.model.scenario.market
        lv = m.firms[firm].levers
        units = economics.units_bought(self.basket, trust_before, c.spend_growth)
        revenue = m.promo_price[firm] * units
        flows = m.flows
        for key, amount in (
                ("purchases", 1.0), ("units", units), ("revenue", revenue),
                ("cost_of_goods", economics.goods_cost(units, lv.quality, mkt.unit_cost,
                                                       mkt.quality_unit_cost)),
                ("discount_cost", (lv.list_price - m.promo_price[firm]) * units),
                ("points_cost", economics.points_cost(revenue, lv.points_rate,
                                                      mkt.points_redemption)
                 if self.member[firm] else 0.0),
                ("serving_cost", economics.serving_cost(
                    self.tenure, mkt.serve_cost, mkt.serve_cost_tenure_saving,
                    mkt.full_tenure_steps)),
                ("recovery_cost", economics.complaint_cost(lv.recovery, mkt.recovery_cost)
                 if complained else 0.0),
                ("failures", failed), ("complaints", complained),
                ("recoveries", recovered), ("rating_sum", rating)):
            flows[key][firm] += amount

    def leave_firm(self, cause: int) -> None:
        """Stop being my firm's customer; the loss is booked under its cause."""
        flows, firm = self.model.flows, self.firm
        flows["churned"][firm] += 1
        flows[f"churn_{CHURN_CAUSES[cause]}"][firm] += 1
        flows["satisfied_churners"][firm] += self.last_rating >= 4 and self.last_firm == firm
        self.firm, self.tenure = -1, 0

    def leave_market(self) -> None:
        """Leave the market for good (counted as an exit of my firm, if I have one)."""
        m = self.model
        if self.firm >= 0:
            m.flows["exits"][self.firm] += 1
        self.present, self.gone, self.firm = False, True, -1
        m.market_metrics["exits"] += 1

    def maybe_exit(self) -> None:
        """Leave the market for good with probability ``exit_probability`` or, once I have
        bought, my lapse chance; otherwise another step of tenure with my firm."""
        m = self.model
        p = m.scenario.customers.exit_probability
        if self.present and p > 0 and m.random.random() < p:
            self.leave_market()
        if (self.present and self.lapse > 0 and m.random.random()
                < occasions.lapse_chance(self.last_purchase >= 0, self.lapse)):
            self.leave_market()
        if self.firm >= 0:
            self.tenure += 1


def _gumbel(rnd: Any) -> float:
    """A standard Gumbel draw (the logit model's taste shock)."""
    return -math.log(-math.log(max(rnd.random(), 2.0**-25)))
