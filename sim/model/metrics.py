"""Every metric the model reports, declared once.

The model's DataCollector, the CLI's tables, the reports, the notebooks and the app all
read these names; none of them recomputes a metric.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.model.population import LIFECYCLE_NAMES
from sim.rules.trust import STAGE_NAMES
from sim.scenario import CHURN_CAUSES

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


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector for the metrics declared above, through Mesa's public API.

    The market's metrics live in ``model.market_metrics`` (a dict keyed by the names
    above), the firms' in ``model.firm_table`` (one row per firm in the order of
    ``model.firms``, columns in the order of :data:`FIRM_METRICS`), and the labels are
    firm attributes.

    The market's metrics are Mesa's model reporters, collected by Mesa's own
    :meth:`collect`: ``get_model_vars_dataframe`` (what the app's Mesa plots read) and
    ``mesa.batch_run`` see them as in any Mesa model. The firms' metrics are kept here,
    one copy of the firm table per step, and turned into a table only when read
    (:meth:`firm_dataframe`, also served as ``get_agenttype_vars_dataframe(firm_type)``):
    a reporter call per value in Mesa's collection was a tenth of a step at a few
    thousand customers. With ``mesa_agent_records=True`` the firms' reporters are also
    handed to Mesa, which then records them itself every step (the per-agent rows of
    ``mesa.batch_run`` on Mesa 3.4+), at that cost.

    Parameters
    ----------
    firm_type
        The firms' agent class (the key of their table).
    mesa_agent_records
        Also let Mesa record every firm metric itself (see above); default False.
    """

    def __init__(self, firm_type: type[mesa.Agent], mesa_agent_records: bool = False):
        reporters = metric_reporters(firm_type, agents=mesa_agent_records)
        super().__init__(model_reporters=reporters["model_reporters"],
                         agenttype_reporters=reporters.get("agenttype_reporters"))
        self.firm_type = firm_type
        self._firm_steps: list[int] = []
        self._firm_tables: list[np.ndarray] = []
        self._firm_labels: list[list[tuple]] = []
        # (unique_id, *labels) of a firm in one call (attrgetter of one name gives no tuple).
        getter = operator.attrgetter("unique_id", *FIRM_LABELS)
        self._labels_of = getter if FIRM_LABELS else lambda firm: (getter(firm),)

    def collect(self, model: mesa.Model) -> None:
        """Record this step's market metrics (Mesa) and every firm's metrics and labels."""
        super().collect(model)
        self._firm_steps.append(model.steps)
        self._firm_tables.append(model.firm_table.copy())
        self._firm_labels.append(list(map(self._labels_of, model.firms)))

    def firm_dataframe(self) -> pd.DataFrame:
        """The firms' metrics and labels: one row per step and firm, indexed by ``Step``
        (``model.steps``) and ``AgentID`` (``unique_id``), columns :data:`FIRM_METRICS`
        then :data:`FIRM_LABELS` — Mesa's layout of an agent-type table."""
        values = (np.concatenate(self._firm_tables) if self._firm_tables
                  else np.empty((0, len(FIRM_METRICS))))
        labels = [row for step in self._firm_labels for row in step]
        steps = np.repeat(np.array(self._firm_steps, dtype=np.int64),
                          [len(step) for step in self._firm_labels])
        frame = pd.DataFrame(values, columns=list(FIRM_METRICS))
        for j, name in enumerate(FIRM_LABELS, start=1):
            frame[name] = [row[j] for row in labels]
        frame.index = pd.MultiIndex.from_arrays(
            [steps, np.array([row[0] for row in labels], dtype=np.int64)],
            names=["Step", "AgentID"])
        return frame

    def get_agenttype_vars_dataframe(self, agent_type: type[mesa.Agent]) -> pd.DataFrame:
        """The firms' table (:meth:`firm_dataframe`) for the firm type; Mesa's answer for
        any other type."""
        if agent_type is self.firm_type:
            return self.firm_dataframe()
        return super().get_agenttype_vars_dataframe(agent_type)


def metric_reporters(firm_type: type[mesa.Agent], agents: bool = True) -> dict[str, dict]:
    """Mesa DataCollector arguments that report every metric declared here: the market's
    from ``model.market_metrics``, each firm's from ``firm.metrics`` and its labels
    (``agents=False``: the market's only, for a collector that keeps the firms' itself)."""
    reporters = {"model_reporters": {k: reporter("market_metrics", k) for k in MARKET_METRICS}}
    if agents:
        reporters["agenttype_reporters"] = {
            firm_type: {**{k: reporter("metrics", k) for k in FIRM_METRICS},
                        **{k: reporter(k) for k in FIRM_LABELS}}}
    return reporters


def reporter(attribute: str, key: str | None = None) -> Callable[[Any], Any]:
    """A DataCollector reporter reading ``obj.<attribute>[key]``, or ``obj.<attribute>``
    without a key (a plain function: Mesa calls model reporters with the model only when
    they are functions)."""
    def read(obj: Any) -> Any:
        value = getattr(obj, attribute)
        return value if key is None else value[key]
    return read
