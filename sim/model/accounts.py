"""A step's per-firm metrics, from the customers' flows and the end-of-step tally.

:func:`book_firms` fills a model's firm table (one row per firm, one column per
:data:`sim.model.metrics.FIRM_METRICS` name) in place, profit and its running totals
included: plain loops over firms, compiled (numpy's per-call overhead on arrays of a few
elements would cost more than the arithmetic). Both models book with it.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import kernel, link
from sim.engine.ledger import CUSTOMER_FLOWS, MARKET_COUNTS
from sim.engine.state import Presence
from sim.model.metrics import FIRM_METRICS, MARKET_METRICS
from sim.rules.trust import STAGE_NAMES

#: Column of each :data:`sim.model.metrics.FIRM_METRICS` name in a firm's row of the table.
COLUMN = {name: i for i, name in enumerate(FIRM_METRICS)}
_FLOW = {name: i for i, name in enumerate(CUSTOMER_FLOWS)}
#: Flows that are firm metrics as they stand, and where each goes.
_FLOWS_KEPT = np.array([i for i, name in enumerate(CUSTOMER_FLOWS) if name in COLUMN])
_FLOW_TARGET = np.array([COLUMN[CUSTOMER_FLOWS[i]] for i in _FLOWS_KEPT])
_STAGE_ROWS = np.array([COLUMN[f"stage_{name}"] for name in STAGE_NAMES])
(_ACTIVE, _MEAN_TRUST, _MEAN_DEPENDENCE, _MEAN_REFERENCE, _AWARE, _MEMBERS, _SHARE,
 _SATISFACTION, _SERVICE_COST, _PRICE, _DEPTH, _SWITCHES) = (COLUMN[name] for name in (
     "active_customers", "mean_trust", "mean_deal_dependence", "mean_reference_price",
     "aware", "programme_members", "satisfied_churn_share", "mean_satisfaction",
     "service_cost", "price", "discount_depth", "strategy_switches"))
_SATISFIED, _CHURNED, _RATINGS, _PURCHASES = (_FLOW[name] for name in (
    "satisfied_churners", "churned", "rating_sum", "purchases"))

#: What profit takes from revenue.
PROFIT_COSTS = ("cost_of_goods", "points_cost", "acquisition_cost", "service_cost",
                "serving_cost", "recovery_cost")
_COST_COLUMNS = np.array([COLUMN[name] for name in PROFIT_COSTS])
_REVENUE, _PROFIT, _CUMULATIVE, _NPV = (COLUMN[name] for name in (
    "revenue", "profit", "cumulative_profit", "npv"))

#: Position of each :data:`sim.model.metrics.MARKET_METRICS` name in a market row.
MARKET_COLUMN = {name: i for i, name in enumerate(MARKET_METRICS)}
_COUNT_TARGET = np.array([MARKET_COLUMN[name] for name in MARKET_COUNTS])
(_ABSENT, _GONE, _NEW, _REGULAR, _LAPSED, _POTENTIAL) = (MARKET_COLUMN[f"lifecycle_{name}"]
                                                         for name in (
    "absent", "gone", "new", "regular", "lapsed", "potential"))
_PRESENCE_ABSENT, _PRESENCE_PRESENT, _PRESENCE_GONE = (
    int(Presence.ABSENT), int(Presence.PRESENT), int(Presence.GONE))


@kernel(inline=True)
def _mean(total, count):
    return total / count if count > 0 else np.nan


@kernel
def _book_profit(row, discount_factor):
    """Profit of a firm's row of metrics (revenue less :data:`PROFIT_COSTS`), written
    into it with its running totals: cumulative profit and NPV (``discount_factor``:
    this step's weight)."""
    profit = row[_REVENUE]
    for k in range(_COST_COLUMNS.size):
        profit -= row[_COST_COLUMNS[k]]
    row[_PROFIT] = profit
    row[_CUMULATIVE] += profit
    row[_NPV] += profit * discount_factor


@kernel(entry=True)
def book_firms(table, flows, stocks, invest_per_customer, promo_price, depth, switches,
                discount_factor):
    """Write this step's metrics into ``table`` ((F, len(FIRM_METRICS)), in place): the
    flows and stocks, the means, profit, and the running totals (cumulative profit and
    NPV, grown from the values the table holds).

    Parameters
    ----------
    flows : (len(CUSTOMER_FLOWS), F) the customers' flows of the step.
    stocks : (10, F) active customers, customers at trust stage 0-3, sums of trust, deal
        dependence and reference price over them, people aware, programme members.
    invest_per_customer : (F,) training, service and personalisation spend per customer.
    promo_price, depth : (F,) the price charged and the promotion depth in force.
    switches : (F,) strategy switches so far.
    discount_factor : this step's profit's weight in the NPV.
    """
    n_firms = flows.shape[1]
    for f in range(n_firms):
        row = table[f]
        for k in range(_FLOWS_KEPT.size):
            row[_FLOW_TARGET[k]] = flows[_FLOWS_KEPT[k], f]
        active = stocks[0, f]
        row[_ACTIVE] = active
        for s in range(_STAGE_ROWS.size):
            row[_STAGE_ROWS[s]] = stocks[1 + s, f]
        row[_MEAN_TRUST] = _mean(stocks[5, f], active)
        row[_MEAN_DEPENDENCE] = _mean(stocks[6, f], active)
        row[_MEAN_REFERENCE] = _mean(stocks[7, f], active)
        row[_AWARE] = stocks[8, f]
        row[_MEMBERS] = stocks[9, f]
        row[_SHARE] = _mean(flows[_SATISFIED, f], flows[_CHURNED, f])
        row[_SATISFACTION] = _mean(flows[_RATINGS, f], flows[_PURCHASES, f])
        row[_SERVICE_COST] = np.float64(invest_per_customer[f]) * active
        row[_PRICE] = promo_price[f]
        row[_DEPTH] = depth[f]
        row[_SWITCHES] = switches[f]
        _book_profit(row, discount_factor)



@kernel(entry=True)
def book_step(table, market, flows, stocks, counts, by_presence, lapsed, invest_per_customer,
              promo_price, depth, switches, discount_factor):
    """A market model's accounts of a step, in one call: the firms' (:func:`book_firms`)
    and the market's counts and lifecycle into ``market`` (int64, one value per
    :data:`sim.model.metrics.MARKET_METRICS` name, :data:`MARKET_COLUMN`).

    ``counts`` and ``by_presence`` are the step's counters and people by presence,
    ``lapsed`` the customers who lapsed (the customers' step's result). The lifecycle's
    new and regular customers are summed over firms in firm order, as Python's ``sum``
    of the stock rows would.
    """
    book_firms(table, flows, stocks, invest_per_customer, promo_price, depth, switches,
               discount_factor)
    for k in range(_COUNT_TARGET.size):
        market[_COUNT_TARGET[k]] = counts[k]
    active = 0.0
    new = 0.0
    for f in range(stocks.shape[1]):
        active += stocks[0, f]
        new += stocks[1, f]
    market[_ABSENT] = by_presence[_PRESENCE_ABSENT]
    market[_GONE] = by_presence[_PRESENCE_GONE]
    market[_NEW] = np.int64(new)
    market[_REGULAR] = np.int64(active) - np.int64(new)
    market[_LAPSED] = lapsed
    market[_POTENTIAL] = by_presence[_PRESENCE_PRESENT] - np.int64(active) - lapsed


link(globals())
