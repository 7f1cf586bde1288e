"""A step's per-firm metrics, from the customers' flows and the end-of-step tally.

:func:`firm_values` is written as plain loops over firms so that the same source runs
as Python (the numpy engine: a few firms, a few dozen numbers each) and compiles with
numba (the compiled engine, where numpy's per-call overhead on arrays of a few elements
would cost more than the arithmetic). Profit and its running totals are the firms' own
business (:meth:`sim.firm.Firm.book`).
"""

from __future__ import annotations

import numpy as np

from sim.kernels import JIT_OPTIONS, numba
from sim.metrics import CUSTOMER_FLOWS, FIRM_METRICS
from sim.rules.trust import STAGE_NAMES

_ROW = {name: i for i, name in enumerate(FIRM_METRICS)}
_N_METRICS = len(_ROW)
_FLOW = {name: i for i, name in enumerate(CUSTOMER_FLOWS)}
#: Flows that are firm metrics as they stand, and where each goes.
_FLOWS_KEPT = np.array([i for i, name in enumerate(CUSTOMER_FLOWS) if name in _ROW])
_FLOW_TARGET = np.array([_ROW[CUSTOMER_FLOWS[i]] for i in _FLOWS_KEPT])
_STAGE_ROWS = np.array([_ROW[f"stage_{name}"] for name in STAGE_NAMES])
(_ACTIVE, _MEAN_TRUST, _MEAN_DEPENDENCE, _MEAN_REFERENCE, _AWARE, _MEMBERS, _SHARE,
 _SATISFACTION, _SERVICE_COST, _PRICE, _DEPTH, _SWITCHES) = (_ROW[name] for name in (
     "active_customers", "mean_trust", "mean_deal_dependence", "mean_reference_price",
     "aware", "programme_members", "satisfied_churn_share", "mean_satisfaction",
     "service_cost", "price", "discount_depth", "strategy_switches"))
_SATISFIED, _CHURNED, _RATINGS, _PURCHASES = (_FLOW[name] for name in (
    "satisfied_churners", "churned", "rating_sum", "purchases"))


def _mean(total, count):
    return total / count if count > 0 else np.nan


def _firm_values(flows, stocks, invest_per_customer, promo_price, depth, switches):
    """(len(FIRM_METRICS), F) values of this step's firm metrics, profit and its running
    totals left at zero.

    Parameters
    ----------
    flows : (len(CUSTOMER_FLOWS), F) the customers' flows of the step.
    stocks : (10, F) active customers, customers at trust stage 0-3, sums of trust, deal
        dependence and reference price over them, people aware, programme members.
    invest_per_customer : (F,) training, service and personalisation spend per customer.
    promo_price, depth : (F,) the price charged and the promotion depth in force.
    switches : (F,) strategy switches so far.
    """
    n_firms = flows.shape[1]
    values = np.zeros((_N_METRICS, n_firms))
    for f in range(n_firms):
        for k in range(_FLOWS_KEPT.size):
            values[_FLOW_TARGET[k], f] = flows[_FLOWS_KEPT[k], f]
        active = stocks[0, f]
        values[_ACTIVE, f] = active
        for s in range(_STAGE_ROWS.size):
            values[_STAGE_ROWS[s], f] = stocks[1 + s, f]
        values[_MEAN_TRUST, f] = _mean(stocks[5, f], active)
        values[_MEAN_DEPENDENCE, f] = _mean(stocks[6, f], active)
        values[_MEAN_REFERENCE, f] = _mean(stocks[7, f], active)
        values[_AWARE, f] = stocks[8, f]
        values[_MEMBERS, f] = stocks[9, f]
        values[_SHARE, f] = _mean(flows[_SATISFIED, f], flows[_CHURNED, f])
        values[_SATISFACTION, f] = _mean(flows[_RATINGS, f], flows[_PURCHASES, f])
        values[_SERVICE_COST, f] = np.float64(invest_per_customer[f]) * active
        values[_PRICE, f] = promo_price[f]
        values[_DEPTH, f] = depth[f]
        values[_SWITCHES, f] = switches[f]
    return values


#: The function as Python, for the numpy engine.
firm_values_python = _firm_values
if numba is not None:
    _mean = numba.njit(**JIT_OPTIONS)(_mean)
    #: The same function compiled, for the numba engine.
    firm_values_compiled = numba.njit(**JIT_OPTIONS)(_firm_values)
else:
    firm_values_compiled = None
