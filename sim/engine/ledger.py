"""What a customer step books: the rows of its per-firm flow matrix and its counters.

The engine fills these in the order declared here; :mod:`sim.model.metrics` gives each
name its meaning and turns them into the model's metrics.
"""

from __future__ import annotations

from sim.scenario import CHURN_CAUSES

#: Per-firm totals of a step's purchases, in the order the experience phase returns them.
PURCHASE_TOTALS: tuple[str, ...] = (
    "purchases", "units", "revenue", "cost_of_goods", "discount_cost", "points_cost",
    "serving_cost", "recovery_cost", "failures", "complaints", "recoveries", "rating_sum")

#: Rows of the per-firm flow matrix the customers' part of a step produces (both
#: engines): the firm metrics that are counted or summed over customers, plus the sum of
#: ratings. The firm-level metrics (prices, stocks, service spend, profit) are added in
#: the market model's booking.
CUSTOMER_FLOWS: tuple[str, ...] = (
    *PURCHASE_TOTALS, "deal_purchases", "deadweight_discount", "new_customers", "churned",
    "satisfied_churners", "exits", "acquisition_cost",
    *(f"churn_{cause}" for cause in CHURN_CAUSES))

#: Market metrics counted during the customers' part of a step, in this order.
MARKET_COUNTS: tuple[str, ...] = ("arrivals", "exits", "messages_positive",
                                  "messages_negative", "speakers")

__all__ = ["CUSTOMER_FLOWS", "MARKET_COUNTS", "PURCHASE_TOTALS"]
