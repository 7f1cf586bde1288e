"""The customers' part of a step as one compiled function (numba).

``MarketModel(engine="numpy")`` runs a step as the vectorised rules of :mod:`sim.rules`,
phase by phase. ``engine="numba"`` runs the same phases — arrivals, drifting needs,
fading trust, word of mouth, awareness, hearsay, shopping, experience, leaving the
market and the end-of-step tallies — inside one call of :func:`customer_step`. Each phase
is a loop that computes what the rules compute, from the same random numbers — the
counter-based stream ``model.draws`` (:mod:`sim.engine.streams`), whose numbers depend only on
their position, drawn here inline by the loops of that module — in the same order and
with the same single-precision arithmetic, so both engines follow the same trajectory
for a seed (``tests/test_engines.py``, ``tests/test_engine_regression.py``). Known
differences are in last bits only: logarithms and exponentials are libm's here and
numpy's own there (both in double precision, then rounded), and parts of the experience
kernel work in double precision; over long runs a near-tie can go the other way and the
runs then part.

Why one call: at a few thousand customers a step's work is a few microseconds per phase,
and the ~60 numpy calls, temporaries and per-firm ``bincount``\\ s of the phase-by-phase
path cost ten times that. Figures in ``docs/performance.md``.

Only the firms' decisions (prices, strategy reviews) and the accounts stay in Python:
they are per firm, not per customer.
"""

from __future__ import annotations

from typing import NamedTuple, get_type_hints

import numpy as np

from sim.engine.kernels import JIT_OPTIONS, experience_kernel, numba, shop_kernel
from sim.engine.ledger import CUSTOMER_FLOWS, MARKET_COUNTS, PURCHASE_TOTALS
from sim.engine.prefetch import prefetch
from sim.engine.streams import (
    advance,
    binomials,
    gumbels32_where,
    integers,
    normal32_at,
    normals32,
    position,
    uniform32_at,
    uniform64_at,
    uniforms32,
    uniforms64,
)
from sim.scenario import CHURN_CAUSES, LEVER_NAMES, Scenario

_PURCHASES = len(PURCHASE_TOTALS)
_DEAL, _DEADWEIGHT, _NEW, _CHURNED, _SATISFIED, _EXITS, _ACQUISITION = (
    CUSTOMER_FLOWS.index(name) for name in (
        "deal_purchases", "deadweight_discount", "new_customers", "churned",
        "satisfied_churners", "exits", "acquisition_cost"))
_CHURN_CAUSE = CUSTOMER_FLOWS.index(f"churn_{CHURN_CAUSES[0]}")
_COMPETITOR = CUSTOMER_FLOWS.index("churn_competitor_offer")
_N_FLOWS = len(CUSTOMER_FLOWS)
_N_COUNTS = len(MARKET_COUNTS)
_PRESENT = 1
_GONE = 2
#: How many speakers, and message keys, ahead the word-of-mouth loops prefetch.
_SPEAKERS_AHEAD, _KEYS_AHEAD = 8, 32
(_LIST_PRICE, _ADVERTISING, _CLAIM_INFLATION, _POINTS_RATE, _PERSONALISATION, _QUALITY,
 _SERVICE, _SOCIAL_VALUE, _RECOVERY) = (LEVER_NAMES.index(name) for name in (
     "list_price", "advertising", "claim_inflation", "points_rate", "personalisation",
     "quality", "service", "social_value", "recovery"))


class StepParams(NamedTuple):
    """The scenario's scalar parameters that a step reads (customers and market)."""

    initial_awareness: float
    initial_expectation: float
    claim_weight: float
    fit_weight: float
    need_drift: float
    trust_decay: float
    wom_memory: int
    wom_rate_satisfied: float
    wom_rate_neutral: float
    wom_rate_dissatisfied: float
    advocacy_multiplier: float
    wom_reach: float
    hearsay_discount: float
    wom_persuasion: float
    wom_expectation_shift: float
    purchase_probability: float
    habit_probability: float
    programme_join_probability: float
    value_noise: float
    exit_probability: float
    contact_cost: float
    spend_growth: float
    emotional_preference: float
    switching_cost: float
    trust_price_insensitivity: float
    deal_sensitivity: float
    loss_aversion: float
    indifference_zone: float
    outside_utility: float
    choice_precision: float
    promotion_resistance: float
    complaint_probability: float
    recovery_bonus: float
    norm_weight: float
    value_for_money_weight: float
    satisfaction_band: float
    price_trust_weight: float
    trust_gain: float
    trust_loss: float
    failure_tolerance: float
    expectation_adaptation: float
    reference_adaptation: float
    deal_dependence_gain: float
    deal_dependence_decay: float
    churn_sensitivity: float
    unit_cost: float
    quality_unit_cost: float
    points_redemption: float
    serve_cost: float
    serve_cost_tenure_saving: float
    full_tenure_steps: int
    recovery_cost: float


#: :class:`StepParams` as a numpy record: the compiled step reads ``p.name`` from it as
#: from the named tuple, but numba takes a record array in ~0.3 us where it inspects a
#: 52-field tuple in ~4.5 us, on every call.
STEP_PARAMS_DTYPE = np.dtype([(name, np.int64 if kind is int else np.float64)
                              for name, kind in get_type_hints(StepParams).items()])


def _unpacker():
    """A function ``record -> StepParams`` (written out from the field names): the step
    copies the record into a tuple of scalars once, so its loops read parameters from
    registers rather than memory that the compiler must assume their stores may change."""
    fields = ", ".join(f"record.{name}" for name in STEP_PARAMS_DTYPE.names)
    namespace = {"StepParams": StepParams}
    exec(f"def unpack(record):\n    return StepParams({fields})\n", namespace)
    return namespace["unpack"]


_unpack = _unpacker()


def step_params(scenario: Scenario) -> np.ndarray:
    """The :class:`StepParams` of a scenario (read from ``customers`` and ``market``), as
    a record array of one element (dtype :data:`STEP_PARAMS_DTYPE`)."""
    sources = (scenario.customers, scenario.market)
    values = []
    for name in STEP_PARAMS_DTYPE.names:
        owner = next(s for s in sources if hasattr(s, name))
        values.append(getattr(owner, name))
    return np.array([tuple(values)], dtype=STEP_PARAMS_DTYPE)


# ------------------------------------------------------------------ helpers (compiled)
def _stage(t, thresholds):
    """Trust stage 0-3, as :func:`sim.rules.trust.trust_stage`."""
    stage = 0
    for k in range(thresholds.size):
        stage += t >= thresholds[k]
    return stage


def _fit(need, position, personalisation, fit_weight_twice):
    """Product fit in single precision, as :func:`sim.rules.needs.product_fit`."""
    one = np.float32(1.0)
    d = abs(need - position)
    d = min(d, one - d)
    return one - fit_weight_twice * d * (one - personalisation)


def _first_expectation(i, f, need, facet_weights, positions, levers, p):
    """Expectation on first hearing of firm ``f``, as ``MarketModel._first_expectation``:
    the prior mixed with the firm's claim (its mean value, maybe inflated)."""
    half, one = np.float32(0.5), np.float32(1.0)
    fit = _fit(need[i], positions[f], levers[_PERSONALISATION, f], np.float32(p.fit_weight * 2.0))
    material = (half + half * levers[_QUALITY, f]) * fit
    spiritual = half + half * levers[_SERVICE, f]
    mean = (facet_weights[i, 0] * material + facet_weights[i, 1] * spiritual
            + facet_weights[i, 2] * levers[_SOCIAL_VALUE, f])
    claim = mean * (one + levers[_CLAIM_INFLATION, f])
    prior_part = np.float32((1.0 - p.claim_weight) * p.initial_expectation)
    return prior_part + np.float32(p.claim_weight) * claim


def _churn(i, f, row, firm, tenure, last_rating, last_firm, flows):
    """Customer ``i`` leaves firm ``f``; the loss is booked in flow row ``row``, as
    ``MarketModel._churn``."""
    flows[_CHURNED, f] += 1.0
    flows[row, f] += 1.0
    if last_rating[i] >= 4 and last_firm[i] == f:
        flows[_SATISFIED, f] += 1.0
    firm[i] = -1
    tenure[i] = 0


# ------------------------------------------------------------------ phases (compiled)
def _arrive(stream, first, count, presence, present, aware, expectation, need, facet_weights,
            positions, levers, p):
    """People enter the market, knowing each firm with some probability."""
    n_firms = aware.shape[1]
    u = uniforms64(stream, count * n_firms)
    for r in range(count):
        i = first + r
        presence[i] = _PRESENT
        present[i] = True
        for f in range(n_firms):
            known = u[r * n_firms + f] < p.initial_awareness
            aware[i, f] = known
            expectation[i, f] = _first_expectation(
                i, f, need, facet_weights, positions, levers, p
            ) if known else np.float32(p.initial_expectation)


def _drift_needs(stream, need, p):
    """Needs take a normal step on the circle [0, 1), as :func:`sim.rules.needs.drift_needs`."""
    if p.need_drift == 0 or need.size == 0:
        return
    sd, one, zero = np.float32(p.need_drift), np.float32(1.0), np.float32(0.0)
    key, first = position(stream)
    for i in range(need.size):
        moved = need[i] + sd * normal32_at(key, first + np.uint64(i))
        # The float32 remainder by 1, as numpy's, without its division for the usual
        # small steps (x - 1 and x + 1 are what fmod gives there).
        if moved >= one:
            moved = moved - one if moved < 2 * one else moved % one
        elif moved < zero:
            moved = moved + one if moved > -one else moved % one
        need[i] = zero if moved >= one else moved
    advance(stream, need.size)


def _fade_trust(trust, p):
    """Trust fades by ``trust_decay`` a step."""
    if p.trust_decay > 0:
        keep = np.float32(1.0 - p.trust_decay)
        flat = trust.reshape(-1)
        for k in range(flat.size):
            flat[k] *= keep


def _speak(stream, step, present, last_firm, last_rating, last_purchase, trust, thresholds, p):
    """Customers with a recent experience decide whether to speak well or ill of its firm
    (:func:`sim.rules.word_of_mouth.speaking_probability`). Returns the speakers, the firm
    each speaks of and whether it speaks well."""
    recent = step - p.wom_memory
    n = present.size
    speakers = np.empty(n, np.int64)
    speaker_firm = np.empty(n, np.int64)
    speaker_good = np.empty(n, np.bool_)
    n_speakers = 0
    key, first = position(stream)
    n_candidates = 0  # each candidate takes the stream's next number
    for i in range(n):
        if not (present[i] & (last_firm[i] >= 0) & (last_purchase[i] >= recent)):
            continue
        u = uniform32_at(key, first + np.uint64(n_candidates))
        n_candidates += 1
        f = last_firm[i]
        rating = last_rating[i]
        positive = p.wom_rate_neutral if rating == 3 else 0.0
        positive = p.wom_rate_satisfied if rating >= 4 else positive
        advocacy = p.advocacy_multiplier if _stage(trust[i, f], thresholds) >= 3 else 1.0
        positive = min(1.0, positive * advocacy)
        negative = p.wom_rate_dissatisfied if (rating >= 1) & (rating <= 2) else 0.0
        good = u < positive
        # Branch-free: whether someone speaks is a coin toss to the processor.
        speakers[n_speakers] = i
        speaker_firm[n_speakers] = f
        speaker_good[n_speakers] = good
        n_speakers += good | (u < positive + negative)
    advance(stream, n_candidates)
    return speakers[:n_speakers], speaker_firm[:n_speakers], speaker_good[:n_speakers]


def _hear(listener, f, good, present, heard, heard_keys, n_heard, counts):
    """A message about firm ``f`` reaches ``listener``: if in the market, it is counted in
    the pair's totals for this step (positive ones in ``heard[listener, f, 0]``, negative
    ones in ``[..., 1]``: one cache line per message at a million customers). A pair's
    first message records its flat key ``listener * F + f`` in ``heard_keys``; returns
    the number of keys recorded so far."""
    if not present[listener]:
        return n_heard
    first = (heard[listener, f, 0] == 0) & (heard[listener, f, 1] == 0)
    heard_keys[n_heard] = listener * heard.shape[1] + f  # branch-free: kept if first
    heard[listener, f, np.int64(not good)] += 1
    counts[3 - np.int64(good)] += 1
    return n_heard + first


def _spread_and_hear(stream, speakers, speaker_firm, speaker_good, indptr, indices, reach,
                     present, heard, counts):
    """Who hears whom on the graph (:func:`sim.rules.word_of_mouth.spread`: each
    neighbour told with probability ``min(1, reach / degree)``, one number per
    neighbour in order), each message heard as it is told. Returns the keys of the
    pairs that heard something (:func:`_hear`)."""
    slots = 0
    for s in speakers:
        slots += indptr[s + 1] - indptr[s]
    heard_keys = np.empty(slots, np.int64)
    n_heard = 0
    key, first = position(stream)
    k = 0
    told = np.empty(16, np.int64)  # one speaker's listeners; grown for larger degrees
    flat = heard.reshape(-1)
    row = 2 * heard.shape[1]
    for s in range(speakers.size):
        # Three stages ahead: a speaker's row pointer, then its neighbour list, then
        # where each neighbour's presence and message totals are kept.
        if s + 4 * _SPEAKERS_AHEAD < speakers.size:
            prefetch(indptr, speakers[s + 4 * _SPEAKERS_AHEAD])
        if s + 2 * _SPEAKERS_AHEAD < speakers.size:
            ahead = speakers[s + 2 * _SPEAKERS_AHEAD]
            prefetch(indices, indptr[ahead])
            prefetch(indices, indptr[ahead + 1] - 1)
        if s + _SPEAKERS_AHEAD < speakers.size:
            ahead = speakers[s + _SPEAKERS_AHEAD]
            for slot in range(indptr[ahead], indptr[ahead + 1]):
                prefetch(present, indices[slot])
                prefetch(flat, indices[slot] * row)
        start, stop = indptr[speakers[s]], indptr[speakers[s] + 1]
        if stop - start > told.size:
            told = np.empty(stop - start, np.int64)
        p_tell = min(1.0, reach / max(stop - start, 1))
        m = 0
        for slot in range(start, stop):
            # Branch-free: whether a neighbour is told is a coin toss to the processor.
            told[m] = indices[slot]
            m += uniform64_at(key, first + np.uint64(k)) < p_tell
            k += 1
        for t in range(m):
            n_heard = _hear(told[t], speaker_firm[s], speaker_good[s], present, heard,
                            heard_keys, n_heard, counts)
    advance(stream, k)
    return heard_keys[:n_heard]


def _spread_well_mixed_and_hear(stream, speakers, speaker_firm, speaker_good, n, reach,
                                present, heard, counts):
    """Who hears whom in a well-mixed market
    (:func:`sim.rules.word_of_mouth.spread_well_mixed`), each message then heard.
    Returns the keys of the pairs that heard something (:func:`_hear`)."""
    if speakers.size == 0 or n <= 1:
        return np.empty(0, np.int64)
    others = n - 1
    told = binomials(stream, others, min(1.0, reach / others), speakers.size)
    owner = np.empty(told.sum(), np.int64)
    k = 0
    for s in range(speakers.size):
        for _ in range(told[s]):
            owner[k] = s
            k += 1
    listener = integers(stream, 0, others, owner.size)
    heard_keys = np.empty(owner.size, np.int64)
    n_heard = 0
    for k in range(owner.size):
        s = owner[k]
        who = listener[k] + (listener[k] >= speakers[s])  # anyone but the speaker
        n_heard = _hear(who, speaker_firm[s], speaker_good[s], present, heard, heard_keys,
                        n_heard, counts)
    return heard_keys[:n_heard]


def _become_aware(stream, present, firm, aware, expectation, heard, need, facet_weights,
                  positions, levers, flows, p):
    """Advertising and recommendations make people aware of firms (Bass hazard), in flat
    (customer, firm) order; advertising is paid for everyone it reaches who is not the
    firm's customer."""
    n, n_firms = aware.shape
    n_present = 0
    customers = np.zeros(n_firms, np.int64)
    advertising = levers[_ADVERTISING]
    # One pass, drawing as it goes: the j-th unaware pair takes the stream's j-th
    # number, as the rules' one draw per unaware pair gives it.
    key, first = position(stream)
    used = 0
    for i in range(n):
        if firm[i] >= 0:
            customers[firm[i]] += 1
        if not present[i]:
            continue
        n_present += 1
        for f in range(n_firms):
            # Only unaware pairs make (and pay for) a draw: a branch, since drawing for
            # every pair costs more than the processor's misses on who knows whom
            # (measured both ways in the bench's regime and in long runs).
            if aware[i, f]:
                continue
            hazard = advertising[f] + p.wom_persuasion * heard[i, f, 0]
            if uniform32_at(key, first + np.uint64(used)) < hazard:
                aware[i, f] = True
                expectation[i, f] = _first_expectation(i, f, need, facet_weights, positions,
                                                       levers, p)
            used += 1
    advance(stream, used)
    for f in range(n_firms):
        flows[_ACQUISITION, f] = (np.float64(advertising[f]) * (n_present - customers[f])
                                  * p.contact_cost)


def _shift_expectations(heard_keys, aware, expectation, trust, thresholds, heard, p):
    """Hearsay shifts the expectations of those who know the firm, negative messages
    discounted by behavioural trusters of the firm; the message totals are cleared for
    the next step."""
    n_firms = aware.shape[1]
    shift = p.wom_expectation_shift
    flat_heard, flat_aware = heard.reshape(-1), aware.reshape(-1)
    flat_expectation, flat_trust = expectation.reshape(-1), trust.reshape(-1)
    for k in range(heard_keys.size):
        if k + _KEYS_AHEAD < heard_keys.size:
            ahead = heard_keys[k + _KEYS_AHEAD]
            prefetch(flat_heard, 2 * ahead)
            prefetch(flat_aware, ahead)
            prefetch(flat_expectation, ahead)
            prefetch(flat_trust, ahead)
        key = heard_keys[k]
        i, f = key // n_firms, key % n_firms
        good, bad = heard[i, f, 0], heard[i, f, 1]
        heard[i, f, 0] = 0
        heard[i, f, 1] = 0
        if shift > 0 and aware[i, f]:
            weight = 1.0
            if bad > 0 and _stage(trust[i, f], thresholds) >= 3:
                weight -= p.hearsay_discount
            believed = 0.0
            for _ in range(bad):  # message by message, as the rules add them up
                believed += weight
            expectation[i, f] += np.float32(shift * (good - believed))


def _shoppers(stream, present, firm, aware, trust, thresholds, p):
    """Who shops this step (an occasion, in the market, knowing a firm), each shopper's
    firm and trust stage with it, and who rebuys by habit; as ``MarketModel._shop``.
    Returns those and, per shopper, its row of Gumbel noise (-1 for habitual buyers) and
    the number of deciding shoppers."""
    n, n_firms = aware.shape
    occasion = np.float32(p.purchase_probability)
    shoppers = np.empty(n, np.int64)
    m = 0
    key, first = position(stream)
    for i in range(n):
        knows = False
        for f in range(n_firms):
            knows |= aware[i, f]
        # Branch-free: the occasion is a coin toss the processor cannot predict.
        shoppers[m] = i
        m += (uniform32_at(key, first + np.uint64(i)) < occasion) & present[i] & knows
    advance(stream, n)
    shoppers = shoppers[:m]
    current = np.empty(m, np.int64)
    stage_current = np.zeros(m, np.int8)
    for j in range(m):
        current[j] = firm[shoppers[j]]
        has_firm = current[j] >= 0
        stage = _stage(trust[shoppers[j], current[j] if has_firm else 0], thresholds)
        stage_current[j] = stage if has_firm else 0
    u = uniforms32(stream, m)
    habit = np.float32(p.habit_probability)
    habitual = np.empty(m, np.bool_)
    gumbel_row = np.empty(m, np.int64)
    deciding = 0
    for j in range(m):
        habitual[j] = (stage_current[j] >= 3) & (u[j] < habit)
        gumbel_row[j] = -1 if habitual[j] else deciding
        deciding += not habitual[j]
    return shoppers, current, stage_current, habitual, gumbel_row, deciding


def _shop(stream, present, firm, tenure, need, fit_at_join, basket, price_sensitivity,
          reference_price, deal_dependence, aware, member, expectation, trust, last_rating,
          last_firm, positions, levers, promo_price, depth, thresholds, flows, p):
    """Purchase occasions: habit or a logit choice among known firms and not buying, as
    ``MarketModel._shop``. Switchers churn from their old firm ('competitor_offer');
    first purchases from a firm may join its points programme. Returns the buyers, the
    firm each bought from, the unit price each saw and whether it was on a deal."""
    shoppers, current, stage_current, habitual, gumbel_row, deciding = _shoppers(
        stream, present, firm, aware, trust, thresholds, p)
    gumbel = _choice_noise(stream, shoppers, gumbel_row, aware, deciding)
    chosen, seen_price, would_anyway = shop_kernel(
        shoppers, current, stage_current, habitual, gumbel_row, gumbel, expectation, trust,
        aware, member, reference_price, price_sensitivity, deal_dependence, promo_price,
        levers[_LIST_PRICE], levers[_POINTS_RATE], depth, thresholds[1], 3,
        p.emotional_preference,
        p.switching_cost, p.trust_price_insensitivity, p.deal_sensitivity, p.loss_aversion,
        p.indifference_zone, p.outside_utility, p.choice_precision, p.promotion_resistance)
    return _buy(stream, shoppers, current, chosen, seen_price, would_anyway, firm, tenure, need,
                fit_at_join, basket, member, trust, last_rating, last_firm, positions, levers,
                depth, flows, p)


def _choice_noise(stream, shoppers, gumbel_row, aware, deciding):
    """The Gumbel noise of the deciding shoppers: a row each, one column per firm and one
    for not buying, from the stream's next ``deciding * (F + 1)`` numbers. Only the
    entries that can matter are computed — the firms each shopper knows, and not
    buying — the others are left at zero (the choice never looks at them)."""
    n_firms = aware.shape[1]
    width = n_firms + 1
    needed = np.empty(deciding * width, np.int64)
    n_needed = 0
    for j in range(shoppers.size):
        g = gumbel_row[j]
        if g < 0:
            continue
        i = shoppers[j]
        for f in range(n_firms):
            needed[n_needed] = g * width + f  # branch-free: kept if the firm is known
            n_needed += aware[i, f]
        needed[n_needed] = g * width + n_firms
        n_needed += 1
    noise = gumbels32_where(stream, deciding * width, needed[:n_needed])
    return noise.reshape((deciding, width))


def _buy(stream, shoppers, current, chosen, seen_price, would_anyway, firm, tenure, need,
         fit_at_join, basket, member, trust, last_rating, last_firm, positions, levers, depth,
         flows, p):
    """The purchases chosen: deals and deadweight booked, switchers churned from their
    old firm, newcomers joined (and maybe its points programme). Returns the buyers, the
    firm each bought from, the unit price each saw and whether it was on a deal."""
    m = shoppers.size
    list_price, points_rate = levers[_LIST_PRICE], levers[_POINTS_RATE]
    n_buyers = 0
    for j in range(m):
        n_buyers += chosen[j] >= 0
    buyers = np.empty(n_buyers, np.int64)
    firm_of = np.empty(n_buyers, np.int64)
    price_seen = np.empty(n_buyers, np.float32)
    on_deal = np.empty(n_buyers, np.bool_)
    joined = np.empty(n_buyers, np.int64)
    n_joined = 0
    one, spend_growth = np.float32(1.0), np.float32(p.spend_growth)
    fit_twice = np.float32(p.fit_weight * 2.0)
    b = 0
    for j in range(m):
        f = chosen[j]
        if f < 0:
            continue
        i = shoppers[j]
        buyers[b], firm_of[b], price_seen[b] = i, f, seen_price[j]
        deal = depth[f] > 0 or (member[i, f] and points_rate[f] > 0)
        on_deal[b] = deal
        if deal:
            flows[_DEAL, f] += 1.0
            if would_anyway[j]:
                units = basket[i] * (one + spend_growth * trust[i, f])
                flows[_DEADWEIGHT, f] += np.float64((list_price[f] - seen_price[j]) * units)
        old = current[j]
        if old != f:
            if old >= 0:  # switched: churn from the old firm
                _churn(i, old, _COMPETITOR, firm, tenure, last_rating, last_firm, flows)
            flows[_NEW, f] += 1.0
            firm[i] = f
            tenure[i] = 0
            fit_at_join[i] = _fit(need[i], positions[f], levers[_PERSONALISATION, f],
                                  fit_twice)
            joined[n_joined] = b
            n_joined += 1
        b += 1
    u = uniforms32(stream, n_joined)
    join = np.float32(p.programme_join_probability)
    for k in range(n_joined):
        i, f = buyers[joined[k]], firm_of[joined[k]]
        if not member[i, f] and points_rate[f] > 0 and u[k] < join:
            member[i, f] = True
    return buyers, firm_of, price_seen, on_deal


def _experience(stream, step, buyers, firm_of, price_seen, on_deal, firm, last_firm,
                last_rating, tenure, last_purchase, need, fit_at_join, facet_weights, basket,
                reference_price, deal_dependence, aware, member, expectation, trust,
                positions, levers, promo_price, p_failure, severity, flows, p):
    """Use, failures, complaints and recovery, satisfaction, trust, expectations,
    reference price, deal dependence and leaving after a bad experience (the experience
    kernel, from the draws ``MarketModel._experience`` makes); accounts."""
    m, n_holes = buyers.size, severity.size
    u_failure = uniforms32(stream, m * n_holes).reshape((m, n_holes))
    u_complaint = uniforms32(stream, 2 * m).reshape((2, m))
    noise = np.float32(p.value_noise) * normals32(stream, m)
    u_leave = uniforms32(stream, m)
    leave, cause, totals = experience_kernel(
        buyers, firm_of, price_seen, promo_price, on_deal, u_failure, u_complaint, noise,
        u_leave, need, facet_weights, expectation, trust, aware, member, reference_price,
        deal_dependence, last_firm, last_rating, fit_at_join, basket, tenure, last_purchase,
        step, positions, levers[_PERSONALISATION], levers[_QUALITY], levers[_SERVICE],
        levers[_SOCIAL_VALUE], levers[_RECOVERY], levers[_LIST_PRICE], levers[_POINTS_RATE],
        p_failure, severity, p.fit_weight, np.float32(p.complaint_probability),
        p.recovery_bonus, p.norm_weight, p.value_for_money_weight, p.satisfaction_band,
        p.price_trust_weight, p.trust_gain, p.trust_loss, p.failure_tolerance,
        p.expectation_adaptation, p.reference_adaptation, p.deal_dependence_gain,
        p.deal_dependence_decay, p.churn_sensitivity, p.spend_growth, p.unit_cost,
        p.quality_unit_cost, p.points_redemption, p.serve_cost, p.serve_cost_tenure_saving,
        p.full_tenure_steps, p.recovery_cost, _PURCHASES)
    flows[:_PURCHASES] += totals
    for b in range(m):
        if leave[b]:
            _churn(buyers[b], firm_of[b], _CHURN_CAUSE + cause[b], firm, tenure, last_rating,
                   last_firm, flows)


def _leave_and_count(stream, presence, present, firm, last_firm, tenure, trust, aware, member,
                     deal_dependence, reference_price, thresholds, flows, counts, p):
    """Some people leave the market for good, everyone else's tenure grows, and the
    end-of-step stocks are counted, in one pass (as ``MarketModel._leave_market`` and
    ``_tally_numpy``).

    Returns per-firm stocks (rows: active customers, customers at trust stage 0-3, sums
    of trust, deal dependence and reference price over them, people aware, programme
    members), people per presence state and the number of lapsed customers.
    """
    n, n_firms = aware.shape
    exits = p.exit_probability > 0
    key, first = position(stream)  # each present customer takes a number if exits are on
    leave = np.float32(p.exit_probability)
    stocks = np.zeros((10, n_firms))
    by_presence = np.zeros(3, np.int64)
    lapsed = 0
    k = 0
    for i in range(n):
        if exits and present[i]:
            if uniform32_at(key, first + np.uint64(k)) < leave:
                if firm[i] >= 0:
                    flows[_EXITS, firm[i]] += 1.0
                presence[i] = _GONE
                present[i] = False
                firm[i] = -1
                counts[1] += 1
            k += 1
        tenure[i] += firm[i] >= 0
        by_presence[presence[i]] += 1
        if not present[i]:
            continue
        for f in range(n_firms):
            stocks[8, f] += aware[i, f]
        # Whether someone has a firm is unpredictable to the processor, so everyone
        # adds in: customers with weight 1 to their firm, the others with weight 0.
        f = firm[i]
        active = f >= 0
        lapsed += (not active) & (last_firm[i] >= 0)
        f = f if active else 0
        w = 1.0 if active else 0.0
        t = trust[i, f]
        stage = _stage(t, thresholds)
        stocks[0, f] += w
        stocks[1 + stage, f] += w
        stocks[5, f] += t * w
        stocks[6, f] += deal_dependence[i] * w
        stocks[7, f] += reference_price[i] * w
        stocks[9, f] += member[i, f] * w
    advance(stream, k)
    return stocks, by_presence, lapsed


def _customer_step(stream, step, arrivals_from, arrivals, presence, present, firm, last_firm,
                   last_rating, tenure, last_purchase, need, fit_at_join, facet_weights,
                   basket, price_sensitivity, reference_price, deal_dependence, aware, member,
                   expectation, trust, indptr, indices, well_mixed, heard, positions,
                   arrival_levers, levers, promo_price, depth, p_failure, severity,
                   thresholds, params):
    """One step of every customer, the phases in the order of ``MarketModel.step``.

    Updates the state arrays in place and returns the per-firm flows (rows
    :data:`sim.model.metrics.CUSTOMER_FLOWS`), the market counts
    (:data:`sim.model.metrics.MARKET_COUNTS`) and the end-of-step tally (per-firm stocks,
    people per presence state, lapsed customers). Arrivals meet ``arrival_levers``
    (those in force before this step's prices were set); everything else meets
    ``levers``. ``heard`` (int32, ``(n, F, 2)``) is scratch space for the messages heard
    this step: zeros, left zeroed. ``params`` is :func:`step_params`'s record array.
    """
    p = _unpack(params[0])
    n, n_firms = aware.shape
    flows = np.zeros((_N_FLOWS, n_firms))
    counts = np.zeros(_N_COUNTS, np.int64)
    _arrive(stream, arrivals_from, arrivals, presence, present, aware, expectation, need,
            facet_weights, positions, arrival_levers, p)
    counts[0] = arrivals
    _drift_needs(stream, need, p)
    _fade_trust(trust, p)
    speakers, speaker_firm, speaker_good = _speak(stream, step, present, last_firm, last_rating,
                                                  last_purchase, trust, thresholds, p)
    counts[4] = speakers.size
    if well_mixed:
        heard_keys = _spread_well_mixed_and_hear(stream, speakers, speaker_firm, speaker_good,
                                                 n, p.wom_reach, present, heard, counts)
    else:
        heard_keys = _spread_and_hear(stream, speakers, speaker_firm, speaker_good, indptr,
                                      indices, p.wom_reach, present, heard, counts)
    _become_aware(stream, present, firm, aware, expectation, heard, need, facet_weights,
                  positions, levers, flows, p)
    _shift_expectations(heard_keys, aware, expectation, trust, thresholds, heard, p)
    buyers, firm_of, price_seen, on_deal = _shop(
        stream, present, firm, tenure, need, fit_at_join, basket, price_sensitivity,
        reference_price, deal_dependence, aware, member, expectation, trust, last_rating,
        last_firm, positions, levers, promo_price, depth, thresholds, flows, p)
    _experience(stream, step, buyers, firm_of, price_seen, on_deal, firm, last_firm, last_rating,
                tenure, last_purchase, need, fit_at_join, facet_weights, basket,
                reference_price, deal_dependence, aware, member, expectation, trust,
                positions, levers, promo_price, p_failure, severity, flows, p)
    stocks, by_presence, lapsed = _leave_and_count(
        stream, presence, present, firm, last_firm, tenure, trust, aware, member,
        deal_dependence, reference_price, thresholds, flows, counts, p)
    return flows, counts, stocks, by_presence, lapsed


if numba is not None:
    _jit = numba.njit(**JIT_OPTIONS)
    _stage, _fit, _first_expectation, _churn = (
        _jit(f) for f in (_stage, _fit, _first_expectation, _churn))
    _unpack = numba.njit(inline="always")(_unpack)  # no source file to cache it by
    _phases = (_arrive, _drift_needs, _fade_trust, _speak, _hear, _spread_and_hear,
               _spread_well_mixed_and_hear, _become_aware, _shift_expectations, _shoppers,
               _choice_noise, _buy, _shop, _experience, _leave_and_count)
    (_arrive, _drift_needs, _fade_trust, _speak, _hear, _spread_and_hear,
     _spread_well_mixed_and_hear, _become_aware, _shift_expectations, _shoppers, _choice_noise,
     _buy, _shop, _experience, _leave_and_count) = (_jit(f) for f in _phases)
    customer_step = _jit(_customer_step)
else:
    customer_step = None
