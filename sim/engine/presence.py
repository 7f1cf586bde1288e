"""Who is in the market: people arriving, needs drifting and trust fading for everyone,
people leaving the market for good, and the end-of-step tally of every firm's customers.

``m`` is the step's workspace (:mod:`sim.engine.state`), ``p`` the unpacked parameters.
"""

from __future__ import annotations

import numpy as np

from sim.engine.customer import first_expectation_of, stage_of
from sim.engine.jit import kernel, link
from sim.engine.ledger import COUNTERS, CUSTOMER_FLOWS
from sim.engine.streams import advance, normal_at, position, uniform53_at, uniform_at
from sim.rules.needs import drift_need
from sim.rules.occasions import lapse_chance
from sim.rules.trust import decay_trust

PRESENT, GONE = 1, 2
_EXITS = CUSTOMER_FLOWS.index("exits")
_EXITS_COUNTED = COUNTERS.index("exits")


@kernel
def arrive(m, first, count, buyers, p):
    """People ``first .. first + count - 1`` enter the market, each knowing each firm with
    probability ``initial_awareness`` (and then expecting what it claims); ``buyers``
    (newcomers, not the initial customers) also know the firm they arrive buying from,
    if the scenario names one (``p.arrival_firm``)."""
    presence, present, aware, expectation = m.presence, m.present, m.aware, m.expectation
    need, weights, positions, levers = m.need, m.facet_weights, m.positions, m.arrival_levers
    n_firms = aware.shape[1]
    key, used = position(m.stream)
    for r in range(count):
        i = first + r
        presence[i] = PRESENT
        present[i] = True
        for f in range(n_firms):
            known = uniform53_at(key, used + np.uint64(r * n_firms + f)) < p.initial_awareness
            known |= buyers and f == p.arrival_firm
            aware[i, f] = known
            expectation[i, f] = (first_expectation_of(need, weights, positions, levers, i, f, p)
                                 if known else p.initial_expectation)
    advance(m.stream, count * n_firms)


@kernel
def drift_needs(m, p):
    """Every need takes a normal step of s.d. ``need_drift`` on the need circle."""
    if p.need_drift == 0:
        return
    need = m.need
    key, used = position(m.stream)
    for i in range(need.size):
        moved = np.float32(drift_need(np.float64(need[i]),
                                      p.need_drift * normal_at(key, used + np.uint64(i))))
        need[i] = 0.0 if moved >= 1.0 else moved  # single precision can round up to 1
    advance(m.stream, need.size)


@kernel
def fade_trust(m, p):
    """Trust in every firm fades by ``trust_decay`` a step."""
    if p.trust_decay == 0:
        return
    flat = m.trust.reshape(-1)
    for k in range(flat.size):
        flat[k] = decay_trust(np.float64(flat[k]), p.trust_decay)


@kernel
def leave_and_count(m, p):
    """Some people leave the market for good (``exit_probability`` a step; once they have
    bought, their own lapse chance too: ``customers.lapse_probability``), everyone else's
    tenure grows, and the firms' customers are tallied (``m.stocks``, rows
    :data:`sim.engine.ledger.STOCKS`; ``m.by_presence``), in one pass. Returns the number
    of lapsed customers (bought before, have no firm now)."""
    presence, present, firm, tenure, last_firm = (m.presence, m.present, m.firm, m.tenure,
                                                  m.last_firm)
    bought_at, lapse = m.last_purchase, m.lapse
    aware, member, trust = m.aware, m.member, m.trust
    dependence, reference, flows, counts = (m.deal_dependence, m.reference_price, m.flows,
                                            m.counts)
    n, n_firms = aware.shape
    # Tallied in fresh arrays, copied out at the end: the compiler then knows no store to
    # them changes the state it reads (the workspace's could alias; several times slower).
    stocks = np.zeros(m.stocks.shape)
    by_presence = np.zeros(m.by_presence.size, np.int64)
    exits, lapses = p.exit_probability > 0, p.lapses
    # Each present customer takes a number per switch on (exit, then lapse); with lapses
    # off the draws are the ones before lapses existed.
    draws = (1 if exits else 0) + (1 if lapses else 0)
    key, used = position(m.stream)
    lapsed = 0
    k = 0
    for i in range(n):
        if (exits or lapses) and present[i]:
            at = used + np.uint64(k * draws)
            leaves = exits and uniform_at(key, at) < p.exit_probability
            leaves |= lapses and (uniform_at(key, at + np.uint64(draws - 1))
                                  < lapse_chance(bought_at[i] >= 0, np.float64(lapse[i])))
            if leaves:
                if firm[i] >= 0:
                    flows[_EXITS, firm[i]] += 1.0
                presence[i] = GONE
                present[i] = False
                firm[i] = -1
                counts[_EXITS_COUNTED] += 1
            k += 1
        tenure[i] += firm[i] >= 0
        by_presence[presence[i]] += 1
        if not present[i]:
            continue
        for g in range(n_firms):
            stocks[8, g] += aware[i, g]
        # Whether someone has a firm is unpredictable to the processor, so everyone
        # adds in: customers with weight 1 to their firm, the others with weight 0.
        f = firm[i]
        active = f >= 0
        lapsed += (not active) & (last_firm[i] >= 0)
        f = f if active else 0
        w = 1.0 if active else 0.0
        t = np.float64(trust[i, f])
        stocks[0, f] += w
        stocks[1 + stage_of(t, p), f] += w
        stocks[5, f] += t * w
        stocks[6, f] += np.float64(dependence[i]) * w
        stocks[7, f] += np.float64(reference[i]) * w
        stocks[9, f] += member[i, f] * w
    advance(m.stream, k * draws)
    # copied element by element: a slice copy compiles numba's formatted shape error (~1 s)
    for r in range(stocks.shape[0]):
        for g in range(n_firms):
            m.stocks[r, g] = stocks[r, g]
    for s in range(by_presence.size):
        m.by_presence[s] = by_presence[s]
    return lapsed


link(globals())
