"""Corner cases: degenerate markets that must run and give the obvious answer."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from sim.model import MarketModel
from sim.scenario import HOLES, load_scenario, scenario_from_dict
from sim.verify.analytic import HEADLINE, Check


def _run(data: Mapping[str, Any], steps: int = 30, seed: int = 5) -> MarketModel:
    model = MarketModel(scenario_from_dict(data, source="<corner case>"), seed=seed)
    for _ in range(steps):
        model.step()
    return model


def _totals(model: MarketModel) -> pd.DataFrame:
    return model.firm_timeseries().groupby("firm").sum(numeric_only=True)


def corner_cases(seed: int = 5) -> list[Check]:
    """Degenerate markets that must run and give the obvious answer (measured 1 = yes)."""
    headline = load_scenario(HEADLINE).to_dict()
    headline["run"]["steps"] = 30

    def case(name: str, build: Callable[[dict[str, Any]], None],
             holds: Callable[[MarketModel], bool]) -> Check:
        data = copy.deepcopy(headline)
        build(data)
        try:
            ok = bool(holds(_run(data, seed=seed)))
        except Exception as exc:  # a corner case that crashes fails its check, not the suite
            return Check(f"corner case: {name} (crashed: {type(exc).__name__}: {exc})",
                         1.0, 0.0, 0.0, False)
        return Check(f"corner case: {name}", 1.0, float(ok), 0.0, ok)

    def set_customers(**kw: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d["customers"].update(**kw)

    def one_firm(d: dict[str, Any]) -> None:
        d["firms"] = d["firms"][:1]

    def isolated(d: dict[str, Any]) -> None:
        d["network"] = {"kind": "empty"}

    def no_discount(d: dict[str, Any]) -> None:
        for f in d["firms"]:
            f.setdefault("levers", {}).update(discount_depth=0.0, points_rate=0.0)

    def certain_failure(d: dict[str, Any]) -> None:
        d["market"].update(failure_base=dict.fromkeys(HOLES, 1.0), failure_mitigation=0.0)

    def unknown_firm(d: dict[str, Any]) -> None:
        d["customers"].update(initial_awareness=0.0)
        d["firms"][0].setdefault("levers", {})["advertising"] = 0.0
        d["firms"][1].setdefault("levers", {})["advertising"] = 0.2

    return [
        case("zero customers: no purchases, no revenue", set_customers(n_initial=0),
             lambda m: (_totals(m)[["purchases", "revenue", "active_customers"]] == 0)
             .all().all()),
        case("one customer: at most one active customer, at most one purchase a step",
             set_customers(n_initial=1),
             lambda m: (m.firm_timeseries().groupby("step")[["active_customers", "purchases"]]
                        .sum() <= 1).all().all()),
        case("one firm: nobody is lost to a competitor's offer", one_firm,
             lambda m: _totals(m)["churn_competitor_offer"].sum() == 0
             and _totals(m)["purchases"].sum() > 0),
        case("isolated nodes: speakers but no messages heard", isolated,
             lambda m: m.market_timeseries()[["messages_positive", "messages_negative"]]
             .sum().sum() == 0 and m.market_timeseries()["speakers"].sum() > 0),
        case("zero discount: no discount cost, no deal purchases, no deadweight", no_discount,
             lambda m: (_totals(m)[["discount_cost", "deal_purchases", "deadweight_discount",
                                    "points_cost"]] == 0).all().all()),
        case("100 % failure probability: every purchase fails", certain_failure,
             lambda m: bool((_totals(m)["failures"] == _totals(m)["purchases"]).all()
                            and _totals(m)["purchases"].sum() > 0)),
        case("a firm nobody knows: no aware people, no purchases, no revenue", unknown_firm,
             lambda m: (_totals(m).iloc[0][["aware", "purchases", "revenue"]] == 0).all()),
    ]
