"""Every metric the model reports, declared once.

The model's DataCollector, the CLI's tables, the reports, the notebooks and the app all
read these names; none of them recomputes a metric.
"""

from __future__ import annotations

from sim.rules.trust import STAGE_NAMES
from sim.scenario import CHURN_CAUSES
from sim.state import LIFECYCLE_NAMES

#: Per firm and step: name -> meaning (money is in the scenario's money units).
FIRM_METRICS: dict[str, str] = {
    "price": "price charged this step (list price less any promotion)",
    "discount_depth": "promotion depth in force this step (0 when no promotion runs)",
    "revenue": "money received from purchases",
    "cost_of_goods": "cost of the units sold",
    "discount_cost": "revenue given up to promotions (list minus promotion price)",
    "points_cost": "cost of loyalty points expected to be redeemed",
    "acquisition_cost": "advertising spend (contacts times cost per contact)",
    "service_cost": "training, service and personalisation spend",
    "serving_cost": "cost of serving purchases (falls with tenure)",
    "recovery_cost": "cost of handling complaints",
    "profit": "revenue minus all costs",
    "cumulative_profit": "profit summed since step 1",
    "npv": "profit discounted to step 0 and summed since step 1",
    "purchases": "purchases made",
    "units": "units sold",
    "active_customers": "customers whose current firm this is",
    "aware": "people in the market who know the firm",
    "new_customers": "first purchases from this firm by people who were not its customers",
    "churned": "customers lost (all causes)",
    "exits": "active customers who left the market for good (not churn)",
    **{f"churn_{cause}": f"customers lost through '{cause.replace('_', ' ')}'"
       for cause in CHURN_CAUSES},
    "satisfied_churners": "customers lost whose last rating of the firm was 4 or 5",
    "satisfied_churn_share": "share of this step's churners who were satisfied (NaN if none)",
    **{f"stage_{name}": f"active customers at trust stage '{name}'" for name in STAGE_NAMES},
    "mean_satisfaction": "mean 5-point rating of this step's purchases (NaN if none)",
    "mean_trust": "mean trust of active customers (NaN if none)",
    "failures": "purchases with at least one service failure",
    "complaints": "complaints received",
    "recoveries": "complaints put right",
    "deal_purchases": "purchases made on a promotion or with points",
    "deadweight_discount": "promotion and points money given on purchases that would "
                           "have happened at full price",
    "programme_members": "active customers who are members of the points programme",
    "mean_deal_dependence": "mean deal dependence of active customers (NaN if none)",
    "mean_reference_price": "mean reference price of active customers (NaN if none)",
    "strategy_switches": "times the firm has switched strategy so far (adaptive firms)",
}

#: Per firm and step, non-numeric: name -> meaning.
FIRM_LABELS: dict[str, str] = {
    "current_strategy": "the strategy the firm follows now (adaptive firms may switch)",
}

#: Per step, for the whole market: name -> meaning.
MARKET_METRICS: dict[str, str] = {
    **{f"lifecycle_{name}": f"people at lifecycle stage '{name}'" for name in LIFECYCLE_NAMES},
    "arrivals": "people entering the market this step",
    "exits": "people leaving the market this step",
    "messages_positive": "positive word-of-mouth messages heard",
    "messages_negative": "negative word-of-mouth messages heard",
    "speakers": "customers who spoke this step",
}

#: Firm metrics that are running totals (reported at the last step, not summed).
STOCK_METRICS = ("cumulative_profit", "npv", "active_customers", "aware", "programme_members",
                 "price", "discount_depth", "strategy_switches",
                 *(f"stage_{n}" for n in STAGE_NAMES))
