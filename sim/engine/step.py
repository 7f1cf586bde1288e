"""The customers' part of a step, in order, as one compiled call.

:func:`customer_step` names the phases; each is a loop in its own module that draws from
the counter-based stream as it goes and calls the rules of :mod:`sim.rules` for every
formula. Only the firms' decisions (prices, strategy reviews) and the accounts stay in
Python around it (:meth:`sim.model.MarketModel.step`): they are per firm, not per customer.
"""

from __future__ import annotations

import numpy as np

from sim.engine.experience import experience
from sim.engine.jit import kernel, link
from sim.engine.ledger import COUNTERS
from sim.engine.params import unpack
from sim.engine.presence import arrive, drift_needs, fade_trust, leave_and_count
from sim.engine.shop import buy, choice_noise, choose, shoppers
from sim.engine.talk import (
    become_aware,
    shift_expectations,
    speak,
    spread_on_graph,
    spread_well_mixed,
)

_ARRIVALS, _SPEAKERS = COUNTERS.index("arrivals"), COUNTERS.index("speakers")


@kernel(entry=True)
def customer_step(m, step, arrivals_from, arrivals):
    """One step of every customer: arrive, needs drift, trust fades, talk, learn of firms,
    hear, shop, live with the purchase, leave the market, and the tally.

    ``m`` is the workspace (:func:`sim.engine.state.workspace`); newcomers fill rows
    ``arrivals_from .. arrivals_from + arrivals - 1`` and meet ``m.arrival_levers`` (the
    levers before this step's prices were set), everyone else ``m.levers``. The step's
    flows, counters and tallies are left in ``m.flows``, ``m.counts``, ``m.stocks`` and
    ``m.by_presence`` (rows and columns: :mod:`sim.engine.ledger`); returns the number of
    lapsed customers.
    """
    p = unpack(m.params[0])
    m.flows[:] = 0.0
    m.counts[:] = 0
    arrive(m, arrivals_from, arrivals, True, p)
    m.counts[_ARRIVALS] = arrivals
    drift_needs(m, p)
    fade_trust(m, p)
    speakers, speaker_firm, speaker_good = speak(m, step, p)
    m.counts[_SPEAKERS] = speakers.size
    if m.well_mixed[0]:
        heard = spread_well_mixed(m, speakers, speaker_firm, speaker_good, p)
    else:
        heard = spread_on_graph(m, speakers, speaker_firm, speaker_good, p)
    become_aware(m, p)
    shift_expectations(m, heard, p)
    found, current, stage_current, habitual, noise_row, deciding = shoppers(
        m, arrivals_from, arrivals, p)
    noise = choice_noise(m, found, noise_row, deciding)
    chosen, paid, would_anyway = choose(m, found, current, stage_current, habitual, noise_row,
                                        noise, p)
    buyers, firm_of, price_seen, on_deal = buy(m, found, current, chosen, paid, would_anyway, p)
    experience(m, step, buyers, firm_of, price_seen, on_deal, p)
    return leave_and_count(m, p)


@kernel(entry=True)
def arrive_initial(m, count):
    """The market's first ``count`` people enter before step 1."""
    arrive(m, np.int64(0), count, False, unpack(m.params[0]))


link(globals())
