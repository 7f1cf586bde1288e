"""Word of mouth and awareness: who speaks, who hears whom over the graph, who learns of
a firm (advertising and recommendations: the Bass mechanism), and how hearsay moves the
expectations of those who know the firm.

``m`` is the step's workspace (:mod:`sim.engine.state`), ``p`` the unpacked parameters.
Messages heard are counted per (customer, firm) pair in ``m.heard`` (positive and negative
side by side: one cache line per message at a million customers), and cleared by
:func:`shift_expectations`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.customer import ADVERTISING, BEHAVIOURAL_STAGE, first_expectation_of, stage_of
from sim.engine.jit import kernel, link
from sim.engine.ledger import COUNTERS, CUSTOMER_FLOWS
from sim.engine.prefetch import prefetch
from sim.engine.streams import (
    advance,
    binomial_at,
    integer_at,
    position,
    uniform53_at,
    uniform_at,
)
from sim.rules.awareness import awareness_probability
from sim.rules.economics import advertising_cost
from sim.rules.word_of_mouth import (
    hearsay_shift,
    hearsay_weight,
    speak_ill_probability,
    speak_well_probability,
    tell_probability,
)

_ACQUISITION = CUSTOMER_FLOWS.index("acquisition_cost")
_POSITIVE, _NEGATIVE = COUNTERS.index("messages_positive"), COUNTERS.index("messages_negative")
#: How many speakers, and message keys, ahead the loops prefetch (at a million customers
#: every neighbour's totals are a cache miss).
_SPEAKERS_AHEAD, _KEYS_AHEAD = 8, 32


@kernel
def speak(m, step, p):
    """Customers with a recent experience (``wom_memory`` steps) decide whether to speak
    well or ill of its firm. Returns the speakers, the firm each speaks of and whether
    it speaks well."""
    present, last_firm, last_purchase = m.present, m.last_firm, m.last_purchase
    last_rating, trust = m.last_rating, m.trust
    recent = step - p.wom_memory
    n = present.size
    speakers = np.empty(n, np.int64)
    speaker_firm = np.empty(n, np.int64)
    speaker_good = np.empty(n, np.bool_)
    n_speakers = 0
    key, used = position(m.stream)
    n_candidates = 0  # each candidate takes the stream's next number
    for i in range(n):
        if not (present[i] & (last_firm[i] >= 0) & (last_purchase[i] >= recent)):
            continue
        u = uniform_at(key, used + np.uint64(n_candidates))
        n_candidates += 1
        f = last_firm[i]
        rating = np.int64(last_rating[i])
        behavioural = stage_of(np.float64(trust[i, f]), p) >= BEHAVIOURAL_STAGE
        well = speak_well_probability(rating, behavioural, p.wom_rate_satisfied,
                                      p.wom_rate_neutral, p.advocacy_multiplier)
        ill = speak_ill_probability(rating, p.wom_rate_dissatisfied)
        # Branch-free: whether someone speaks is a coin toss to the processor.
        speakers[n_speakers] = i
        speaker_firm[n_speakers] = f
        speaker_good[n_speakers] = u < well
        n_speakers += (u < well) | (u < well + ill)
    advance(m.stream, n_candidates)
    return speakers[:n_speakers], speaker_firm[:n_speakers], speaker_good[:n_speakers]


@kernel(inline=True)
def hear(present, heard, counts, listener, f, good, heard_keys, n_heard):
    """A message about firm ``f`` reaches ``listener``: counted if they are in the market.
    A pair's first message records its flat key ``listener * F + f`` in ``heard_keys``;
    returns the number of keys recorded so far."""
    if not present[listener]:
        return n_heard
    first = (heard[listener, f, 0] == 0) & (heard[listener, f, 1] == 0)
    heard_keys[n_heard] = listener * heard.shape[1] + f  # branch-free: kept if first
    heard[listener, f, np.int64(not good)] += 1
    counts[_POSITIVE if good else _NEGATIVE] += 1
    return n_heard + first


@kernel
def spread_on_graph(m, speakers, speaker_firm, speaker_good, p):
    """Each speaker tells each graph neighbour with :func:`tell_probability` (one number
    per neighbour, in order); every message is heard as it is told. Returns the keys of
    the pairs that heard something."""
    indptr, indices, present, heard, counts = m.indptr, m.indices, m.present, m.heard, m.counts
    slots = 0
    for s in speakers:
        slots += indptr[s + 1] - indptr[s]
    heard_keys = np.empty(slots, np.int64)
    n_heard = 0
    key, used = position(m.stream)
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
        chance = tell_probability(p.wom_reach, stop - start)
        n_told = 0
        for slot in range(start, stop):
            # Branch-free: whether a neighbour is told is a coin toss to the processor.
            told[n_told] = indices[slot]
            n_told += uniform53_at(key, used + np.uint64(k)) < chance
            k += 1
        for t in range(n_told):
            n_heard = hear(present, heard, counts, told[t], speaker_firm[s], speaker_good[s],
                           heard_keys, n_heard)
    advance(m.stream, k)
    return heard_keys[:n_heard]


@kernel
def spread_well_mixed(m, speakers, speaker_firm, speaker_good, p):
    """Word of mouth when everyone can tell everyone (no stored graph): each speaker tells
    Binomial(n - 1, :func:`tell_probability`) people drawn uniformly among the others,
    with replacement (the number :func:`spread_on_graph` gives on a complete graph; every
    listener still hears each speaker ``reach / (n - 1)`` times on average, which is all
    the linear awareness hazard sees). Returns the keys of the pairs that heard something."""
    present, heard, counts = m.present, m.heard, m.counts
    n = present.size
    if speakers.size == 0 or n <= 1:
        return np.empty(0, np.int64)
    others = n - 1
    chance = tell_probability(p.wom_reach, others)
    key, used = position(m.stream)
    told = np.empty(speakers.size, np.int64)
    total = 0
    for s in range(speakers.size):
        told[s] = binomial_at(key, used + np.uint64(s), others, chance)
        total += told[s]
    advance(m.stream, speakers.size)
    key, used = position(m.stream)
    heard_keys = np.empty(total, np.int64)
    n_heard = 0
    k = 0
    for s in range(speakers.size):
        for _ in range(told[s]):
            listener = integer_at(key, used + np.uint64(k), 0, others)
            listener += listener >= speakers[s]  # anyone but the speaker
            n_heard = hear(present, heard, counts, listener, speaker_firm[s], speaker_good[s],
                           heard_keys, n_heard)
            k += 1
    advance(m.stream, total)
    return heard_keys[:n_heard]


@kernel
def become_aware(m, p):
    """Advertising and recommendations make people aware of firms, in flat (customer,
    firm) order; each firm pays for advertising to everyone present who is not its
    customer."""
    present, firm, aware, expectation, heard = m.present, m.firm, m.aware, m.expectation, m.heard
    need, weights, positions, levers = m.need, m.facet_weights, m.positions, m.levers
    n, n_firms = aware.shape
    n_present = 0
    customers = np.zeros(n_firms, np.int64)
    # One pass, drawing as it goes: only unaware pairs take a number (a branch: drawing
    # for every pair costs more than the mispredicted checks).
    key, used = position(m.stream)
    drawn = 0
    for i in range(n):
        if firm[i] >= 0:
            customers[firm[i]] += 1
        if not present[i]:
            continue
        n_present += 1
        for f in range(n_firms):
            if aware[i, f]:
                continue
            chance = awareness_probability(np.float64(levers[ADVERTISING, f]),
                                           np.float64(heard[i, f, 0]), p.wom_persuasion)
            if uniform_at(key, used + np.uint64(drawn)) < chance:
                aware[i, f] = True
                expectation[i, f] = first_expectation_of(need, weights, positions, levers, i,
                                                         f, p)
            drawn += 1
    advance(m.stream, drawn)
    for f in range(n_firms):
        m.flows[_ACQUISITION, f] = advertising_cost(np.float64(levers[ADVERTISING, f]),
                                                    n_present - customers[f], p.contact_cost)


@kernel
def shift_expectations(m, heard_keys, p):
    """Hearsay shifts the expectations of those who already know the firm (a behavioural
    truster of the firm discounts negative messages); the message totals are cleared."""
    heard, aware, expectation, trust = m.heard, m.aware, m.expectation, m.trust
    n_firms = aware.shape[1]
    flat_heard, flat_aware = heard.reshape(-1), aware.reshape(-1)
    flat_expectation, flat_trust = expectation.reshape(-1), trust.reshape(-1)
    for k in range(heard_keys.size):
        if k + _KEYS_AHEAD < heard_keys.size:
            ahead = heard_keys[k + _KEYS_AHEAD]
            prefetch(flat_heard, 2 * ahead)
            prefetch(flat_aware, ahead)
            prefetch(flat_expectation, ahead)
            prefetch(flat_trust, ahead)
        i, f = heard_keys[k] // n_firms, heard_keys[k] % n_firms
        good, bad = heard[i, f, 0], heard[i, f, 1]
        heard[i, f, 0] = 0
        heard[i, f, 1] = 0
        if p.wom_expectation_shift > 0 and aware[i, f]:
            weight = hearsay_weight(stage_of(np.float64(trust[i, f]), p) >= BEHAVIOURAL_STAGE,
                                    p.hearsay_discount)
            expectation[i, f] = np.float64(expectation[i, f]) + hearsay_shift(
                np.float64(good), np.float64(bad) * weight, p.wom_expectation_shift)


link(globals())
