"""Living with a purchase: use, failures through the bucket's holes, complaints and
recovery, satisfaction, trust, expectations, reference price and deal dependence;
leaving the firm after a bad experience (the cause attributed), dropping out of the
market; and the purchase's accounts.

``m`` is the step's workspace (:mod:`sim.engine.state`), ``p`` the unpacked parameters.
"""

from __future__ import annotations

import numpy as np

from sim.engine.customer import (
    LIST_PRICE,
    POINTS_RATE,
    QUALITY,
    RECOVERY,
    fit_of,
    leave_firm,
    mean_value_of,
)
from sim.engine.jit import kernel, link
from sim.engine.ledger import COUNTERS, CUSTOMER_FLOWS, PURCHASE_TOTALS
from sim.engine.streams import advance, normal_at, position, uniform_at
from sim.rules.churn import leave_probability, need_loss, price_loss
from sim.rules.economics import (
    complaint_cost,
    goods_cost,
    points_cost,
    serving_cost,
    units_bought,
)
from sim.rules.occasions import may_drop_out
from sim.rules.pricing import update_deal_dependence, update_reference_price
from sim.rules.satisfaction import (
    adapt_expectation,
    comparison_standard,
    disconfirmation,
    rating,
    satisfaction,
    shortfall,
    value_for_money,
)
from sim.rules.trust import trust_signal, update_trust
from sim.rules.value import perceived_value
from sim.scenario import CHURN_CAUSES, HOLES

_TOTAL = {name: k for k, name in enumerate(PURCHASE_TOTALS)}
(_PURCHASES, _UNITS, _REVENUE, _GOODS, _DISCOUNT, _POINTS, _SERVING, _RECOVERY_COST,
 _FAILURES, _COMPLAINTS, _RECOVERIES, _RATINGS) = (_TOTAL[name] for name in (
     "purchases", "units", "revenue", "cost_of_goods", "discount_cost", "points_cost",
     "serving_cost", "recovery_cost", "failures", "complaints", "recoveries", "rating_sum"))
_EXITS = CUSTOMER_FLOWS.index("exits")
_EXITS_COUNTED, _RECORDED = COUNTERS.index("exits"), COUNTERS.index("purchases_recorded")
_N_HOLES = len(HOLES)
_NEEDS_MOVED, _PRICE = CHURN_CAUSES.index("needs_moved"), CHURN_CAUSES.index("price")
#: The cause blamed when no hole, need or price lost anything: the experience was just
#: worse than expected, which the customer puts down to the product.
_POOR_QUALITY = CHURN_CAUSES.index("poor_quality")
_GONE = 2


@kernel
def experience(m, step, buyers, firm_of, price_seen, on_deal, p):
    """One experience per buyer, in the order bought (draws: every buyer's five failure
    uniforms, then the complaint and the recovery uniforms, the perception noise, the
    leaving uniforms and, when dropout is on, the dropout uniforms)."""
    levers, flows, severity, failure_p = m.levers, m.flows, m.severity, m.failure_p
    need, positions, weights, aware = m.need, m.positions, m.facet_weights, m.aware
    expectation, trust, reference_price = m.expectation, m.trust, m.reference_price
    deal_dependence, member, basket, tenure = m.deal_dependence, m.member, m.basket, m.tenure
    firm, last_firm, last_rating, last_purchase = (m.firm, m.last_firm, m.last_rating,
                                                   m.last_purchase)
    fit_at_join, promo_price, purchases, counts = (m.fit_at_join, m.promo_price, m.purchases,
                                                   m.counts)
    presence, present, dropout = m.presence, m.present, m.dropout
    n_buyers, n_firms = buyers.size, levers.shape[1]
    key, used = position(m.stream)
    at_complaint = used + np.uint64(n_buyers * _N_HOLES)
    at_recovery = at_complaint + np.uint64(n_buyers)
    at_noise = at_recovery + np.uint64(n_buyers)
    at_leave = at_noise + np.uint64(n_buyers)
    at_dropout = at_leave + np.uint64(n_buyers)
    failed = np.zeros(_N_HOLES, np.bool_)
    recorded = counts[_RECORDED]
    for j in range(n_buyers):
        i, f = buyers[j], firm_of[j]
        fit = fit_of(need, positions, levers, i, f, p)
        mean = mean_value_of(weights, levers, i, f, fit)
        any_failure = False
        for k in range(_N_HOLES):
            failed[k] = uniform_at(key, used + np.uint64(j * _N_HOLES + k)) < failure_p[f, k]
            any_failure |= failed[k]
        complained = any_failure and (uniform_at(key, at_complaint + np.uint64(j))
                                      < p.complaint_probability)
        recovered = complained and (uniform_at(key, at_recovery + np.uint64(j))
                                    < levers[RECOVERY, f])
        lost = 0.0
        if not recovered:  # service recovery puts every failure of this purchase right
            for k in range(_N_HOLES):
                lost += np.float64(severity[k]) if failed[k] else 0.0
        noise = p.value_noise * normal_at(key, at_noise + np.uint64(j))
        perceived = perceived_value(mean, lost, noise, recovered, p.recovery_bonus)

        expected = np.float64(expectation[i, f])
        best_known = -np.inf
        for g in range(n_firms):
            if aware[i, g]:
                best_known = max(best_known, np.float64(expectation[i, g]))
        surprise = disconfirmation(perceived, comparison_standard(expected, best_known,
                                                                  p.norm_weight))
        reference = np.float64(reference_price[i])
        vfm = value_for_money(price_seen[j], reference)
        total = satisfaction(surprise, vfm, p.value_for_money_weight)
        stars = rating(total, p.satisfaction_band)
        before = np.float64(trust[i, f])
        after = update_trust(before, trust_signal(surprise, vfm, p.price_trust_weight,
                                                  p.value_for_money_weight),
                             p.satisfaction_band, p.trust_gain, p.trust_loss,
                             p.failure_tolerance)
        trust[i, f] = after
        expectation[i, f] = adapt_expectation(expected, perceived, p.expectation_adaptation)
        reference_price[i] = update_reference_price(reference, price_seen[j],
                                                    p.reference_adaptation)
        deal_dependence[i] = update_deal_dependence(np.float64(deal_dependence[i]), on_deal[j],
                                                    p.deal_dependence_gain,
                                                    p.deal_dependence_decay)
        first_purchase = last_purchase[i] < 0
        last_firm[i] = f
        last_rating[i] = stars
        last_purchase[i] = step

        # The purchase's accounts: the purchase totals are the first rows of the flows.
        units = units_bought(np.float64(basket[i]), before, p.spend_growth)
        revenue = np.float64(promo_price[f]) * units
        quality = np.float64(levers[QUALITY, f])
        flows[_PURCHASES, f] += 1.0
        flows[_UNITS, f] += units
        flows[_REVENUE, f] += revenue
        flows[_GOODS, f] += goods_cost(units, quality, p.unit_cost, p.quality_unit_cost)
        flows[_DISCOUNT, f] += (np.float64(levers[LIST_PRICE, f])
                                - np.float64(promo_price[f])) * units
        if member[i, f]:
            flows[_POINTS, f] += points_cost(revenue, np.float64(levers[POINTS_RATE, f]),
                                             p.points_redemption)
        flows[_SERVING, f] += serving_cost(np.int64(tenure[i]), p.serve_cost,
                                           p.serve_cost_tenure_saving, p.full_tenure_steps)
        if complained:
            flows[_RECOVERY_COST, f] += complaint_cost(np.float64(levers[RECOVERY, f]),
                                                       p.recovery_cost)
            flows[_COMPLAINTS, f] += 1.0
        if any_failure:
            flows[_FAILURES, f] += 1.0
        if recovered:
            flows[_RECOVERIES, f] += 1.0
        flows[_RATINGS, f] += stars
        if p.record_purchases:
            row = purchases[recorded]
            row[0], row[1], row[2], row[3] = i, f, units, revenue
            recorded += 1

        # Most dissatisfied customers do not complain; they simply leave.
        chance = leave_probability(shortfall(total, p.satisfaction_band), after,
                                   p.churn_sensitivity, p.failure_tolerance)
        if uniform_at(key, at_leave + np.uint64(j)) < chance:
            top, cause = 0.0, _POOR_QUALITY
            for k in range(_N_HOLES):
                loss = np.float64(severity[k]) if (failed[k] and not recovered) else 0.0
                if loss > top:
                    top, cause = loss, k
            loss = need_loss(np.float64(weights[i, 0]), quality, np.float64(fit_at_join[i]), fit)
            if loss > top:
                top, cause = loss, _NEEDS_MOVED
            if price_loss(vfm, p.value_for_money_weight) > top:
                cause = _PRICE
            expectation[i, f] = perceived  # "next time I just won't buy"
            leave_firm(flows, firm, tenure, last_rating, last_firm, i, f, cause)
        if p.dropouts and may_drop_out(first_purchase, p.dropout_after_first_purchase) and (
                uniform_at(key, at_dropout + np.uint64(j)) < dropout[i]):
            if firm[i] >= 0:
                flows[_EXITS, firm[i]] += 1.0
            presence[i] = _GONE
            present[i] = False
            firm[i] = -1
            counts[_EXITS_COUNTED] += 1
    counts[_RECORDED] = recorded
    advance(m.stream, n_buyers * (_N_HOLES + 4 + (1 if p.dropouts else 0)))


link(globals())
