"""Purchase occasions: who shops, habit or a logit choice among the firms a shopper knows
and not buying, and the purchases that follow (deals and deadweight booked, switchers
churned from their old firm, newcomers joining the firm and maybe its points programme).

``m`` is the step's workspace (:mod:`sim.engine.state`), ``p`` the unpacked parameters.
"""

from __future__ import annotations

import numpy as np

from sim.engine.customer import (
    BEHAVIOURAL_STAGE,
    EMOTIONAL_STAGE,
    LIST_PRICE,
    POINTS_RATE,
    fit_of,
    leave_firm,
    stage_of,
)
from sim.engine.jit import kernel, link
from sim.engine.ledger import CUSTOMER_FLOWS
from sim.engine.streams import advance, gumbels_where, position, uniform_at
from sim.rules.choice import choice_score, seen_price, utility
from sim.rules.economics import units_bought
from sim.rules.occasions import occasion_chance, trusting_occasion_chance
from sim.rules.pricing import effective_sensitivity
from sim.scenario import CHURN_CAUSES

_DEAL, _DEADWEIGHT, _NEW = (CUSTOMER_FLOWS.index(name) for name in (
    "deal_purchases", "deadweight_discount", "new_customers"))
_COMPETITOR = CHURN_CAUSES.index("competitor_offer")


@kernel(inline=True)
def _score(relative_price, expected, sensitivity, t, emotional, current, noise, p):
    """A firm's choice score at ``relative_price`` (price over the reference price)."""
    return choice_score(utility(expected, relative_price, sensitivity, t, emotional, current,
                                p.loss_aversion, p.indifference_zone, p.emotional_preference,
                                p.switching_cost), p.choice_precision, noise)


@kernel
def shoppers(m, arrivals_from, arrivals, p):
    """Who shops this step (an occasion, in the market, knowing a firm), each shopper's
    current firm and trust stage with it, and who rebuys by habit (behavioural trust).
    Newcomers (rows ``arrivals_from .. + arrivals - 1``) who arrive buying from a firm
    (``p.arrival_firm``) shop for certain and buy there without comparing, like habit.
    Returns those, the row of each deciding shopper's choice noise (-1 for habitual
    buyers) and the number of deciding shoppers."""
    present, aware, occasion, firm, trust = m.present, m.aware, m.occasion, m.firm, m.trust
    n, n_firms = aware.shape
    found = np.empty(n, np.int64)
    count = 0
    arrivals_buy = p.arrival_firm >= 0
    last = arrivals_from + arrivals
    key, used = position(m.stream)
    for i in range(n):
        knows = False
        for f in range(n_firms):
            knows |= aware[i, f]
        chance = np.float64(occasion[i]) if p.occasions_vary else p.purchase_probability
        if p.frequency_grows and firm[i] >= 0:
            chance = trusting_occasion_chance(chance, np.float64(trust[i, firm[i]]),
                                              p.frequency_growth)
        chance = occasion_chance(chance, arrivals_buy and arrivals_from <= i < last)
        # Branch-free: the occasion is a coin toss the processor cannot predict.
        found[count] = i
        count += (uniform_at(key, used + np.uint64(i)) < chance) & present[i] & knows
    advance(m.stream, n)
    found = found[:count]
    current = np.empty(count, np.int64)
    stage_current = np.zeros(count, np.int64)
    for j in range(count):
        current[j] = firm[found[j]]
        if current[j] >= 0:
            stage_current[j] = stage_of(np.float64(trust[found[j], current[j]]), p)
    key, used = position(m.stream)
    habitual = np.empty(count, np.bool_)
    noise_row = np.empty(count, np.int64)
    deciding = 0
    for j in range(count):
        habitual[j] = (stage_current[j] >= BEHAVIOURAL_STAGE) & (
            uniform_at(key, used + np.uint64(j)) < p.habit_probability)
        habitual[j] |= arrivals_buy and arrivals_from <= found[j] < last
        noise_row[j] = -1 if habitual[j] else deciding
        deciding += not habitual[j]
    advance(m.stream, count)
    return found, current, stage_current, habitual, noise_row, deciding


@kernel
def choice_noise(m, found, noise_row, deciding):
    """The Gumbel noise of the deciding shoppers: shopper ``g``'s noise for firm ``f`` is
    the stream's number ``g * (F + 1) + f`` from here (``f = F``: not buying). Only the
    entries that can matter are made — the firms each shopper knows, and not buying."""
    aware = m.aware
    n_firms = aware.shape[1]
    width = n_firms + 1
    needed = np.empty(deciding * width, np.int64)
    n_needed = 0
    for j in range(found.size):
        g = noise_row[j]
        if g < 0:
            continue
        for f in range(n_firms):
            needed[n_needed] = g * width + f  # branch-free: kept if the firm is known
            n_needed += aware[found[j], f]
        needed[n_needed] = g * width + n_firms
        n_needed += 1
    noise = np.empty(deciding * width, np.float32)  # single precision: half the memory traffic
    key, used = position(m.stream)
    gumbels_where(key, used, needed[:n_needed], noise)
    advance(m.stream, deciding * width)
    return noise.reshape((deciding, width))


@kernel
def choose(m, found, current, stage_current, habitual, noise_row, noise, p):
    """Each shopper's choice (a firm, or -1 for not buying), the unit price it saw and
    whether it would have bought from the same firm at full price (deadweight). Every
    firm is scored twice in one pass, with the same noise (:func:`choice_noise`): at the
    prices on offer and at list prices.
    """
    aware, member, trust, expectation = m.aware, m.member, m.trust, m.expectation
    reference, sensitivity_of, dependence_of = (m.reference_price, m.price_sensitivity,
                                                m.deal_dependence)
    promo_price, depth, levers = m.promo_price, m.depth, m.levers
    n_firms = promo_price.size
    chosen = np.empty(found.size, np.int64)
    paid = np.zeros(found.size, np.float64)
    would_anyway = np.zeros(found.size, np.bool_)
    for j in range(found.size):
        i, cur = found[j], current[j]
        if habitual[j]:
            cur = cur if cur >= 0 else p.arrival_firm  # a newcomer buying on arrival
            chosen[j] = cur
            paid[j] = seen_price(np.float64(promo_price[cur]), np.float64(levers[LIST_PRICE, cur]),
                                 np.float64(levers[POINTS_RATE, cur]), member[i, cur], False,
                                 p.promotion_resistance)
            would_anyway[j] = True
            continue
        g = noise_row[j]
        loyal = stage_current[j] >= BEHAVIOURAL_STAGE
        # One division per shopper rather than two per firm (a sixth of this loop).
        per_reference = 1.0 / np.float64(reference[i])
        base_sensitivity = np.float64(sensitivity_of[i])
        dependence = np.float64(dependence_of[i])
        best_score = full_score = -np.inf
        best = full_best = -1
        best_price = 0.0
        for f in range(n_firms):
            if not aware[i, f]:
                continue
            list_price = np.float64(levers[LIST_PRICE, f])
            price = seen_price(np.float64(promo_price[f]), list_price,
                               np.float64(levers[POINTS_RATE, f]), member[i, f],
                               loyal and f != cur, p.promotion_resistance)
            t = np.float64(trust[i, f])
            sensitivity = effective_sensitivity(base_sensitivity, t, dependence,
                                                p.trust_price_insensitivity, p.deal_sensitivity)
            emotional = stage_of(t, p) >= EMOTIONAL_STAGE
            expected = np.float64(expectation[i, f])
            score = _score(price * per_reference, expected, sensitivity, t, emotional,
                           f == cur, noise[g, f], p)
            # Selections, not branches: the comparisons are coin tosses (Gumbel noise).
            better = score > best_score
            best_score = score if better else best_score
            best = f if better else best
            best_price = price if better else best_price
            score = _score(list_price * per_reference, expected, sensitivity, t, emotional,
                           f == cur, noise[g, f], p)
            better = score > full_score
            full_score = score if better else full_score
            full_best = f if better else full_best
        outside = choice_score(p.outside_utility, p.choice_precision, noise[g, n_firms])
        best = -1 if best_score <= outside else best
        full_best = -1 if full_score <= outside else full_best
        chosen[j] = best
        paid[j] = best_price
        b = max(best, 0)
        on_deal = (best >= 0) & ((depth[b] > 0) | (member[i, b] & (levers[POINTS_RATE, b] > 0)))
        would_anyway[j] = on_deal & (full_best == best)
    return chosen, paid, would_anyway


@kernel
def buy(m, found, current, chosen, paid, would_anyway, p):
    """The purchases chosen: deals and deadweight booked, switchers churned from their old
    firm ('competitor_offer'), newcomers joined (and maybe its points programme, on the
    first purchase). Returns the buyers, the firm each bought from, the unit price each
    saw and whether it was on a deal."""
    levers, flows, depth, member, trust, basket = (m.levers, m.flows, m.depth, m.member,
                                                   m.trust, m.basket)
    firm, tenure, last_rating, last_firm = m.firm, m.tenure, m.last_rating, m.last_firm
    need, positions, fit_at_join = m.need, m.positions, m.fit_at_join
    n_buyers = 0
    for j in range(found.size):
        n_buyers += chosen[j] >= 0
    buyers = np.empty(n_buyers, np.int64)
    firm_of = np.empty(n_buyers, np.int64)
    price_seen = np.empty(n_buyers, np.float64)
    on_deal = np.empty(n_buyers, np.bool_)
    joined = np.empty(n_buyers, np.int64)
    n_joined = 0
    b = 0
    for j in range(found.size):
        f = chosen[j]
        if f < 0:
            continue
        i = found[j]
        buyers[b], firm_of[b], price_seen[b] = i, f, paid[j]
        deal = depth[f] > 0 or (member[i, f] and levers[POINTS_RATE, f] > 0)
        on_deal[b] = deal
        if deal:
            flows[_DEAL, f] += 1.0
            if would_anyway[j]:
                units = units_bought(np.float64(basket[i]), np.float64(trust[i, f]),
                                     p.spend_growth)
                flows[_DEADWEIGHT, f] += (np.float64(levers[LIST_PRICE, f]) - paid[j]) * units
        old = current[j]
        if old != f:
            if old >= 0:  # switched: churn from the old firm
                leave_firm(flows, firm, tenure, last_rating, last_firm, i, old, _COMPETITOR)
            flows[_NEW, f] += 1.0
            firm[i] = f
            tenure[i] = 0
            fit_at_join[i] = fit_of(need, positions, levers, i, f, p)
            joined[n_joined] = b
            n_joined += 1
        b += 1
    key, used = position(m.stream)
    for k in range(n_joined):
        i, f = buyers[joined[k]], firm_of[joined[k]]
        if (not member[i, f] and levers[POINTS_RATE, f] > 0
                and uniform_at(key, used + np.uint64(k)) < p.programme_join_probability):
            member[i, f] = True
    advance(m.stream, n_joined)
    return buyers, firm_of, price_seen, on_deal


link(globals())
