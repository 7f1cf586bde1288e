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


#: The step's counters: the market counts, then the number of purchases written to the
#: purchase table this step (when ``run.record_purchases`` asks for it).
COUNTERS: tuple[str, ...] = (*MARKET_COUNTS, "purchases_recorded")

#: Rows of the end-of-step tally per firm: its active customers, those at each trust stage,
#: sums over them of trust, deal dependence and reference price, people aware of the
#: firm, programme members.
STOCKS: tuple[str, ...] = ("active", "stage_0", "stage_1", "stage_2", "stage_3", "trust_sum",
                           "dependence_sum", "reference_sum", "aware", "members")

#: Columns of the purchase table: one row per purchase of a step.
PURCHASE_COLUMNS: tuple[str, ...] = ("customer", "firm", "units", "revenue")

__all__ = ["COUNTERS", "CUSTOMER_FLOWS", "MARKET_COUNTS", "PURCHASE_COLUMNS",
           "PURCHASE_TOTALS", "STOCKS"]
