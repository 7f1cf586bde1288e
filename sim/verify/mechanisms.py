"""Docking of single mechanisms: in markets simple enough to solve by hand, the engine's
trust ladder, churn hazard, reference price, deal dependence and rating follow the closed
forms of the rules as docs/model.md states them.

Each set-up is a one-firm market (:func:`sim.verify.analytic.single_firm_market`) where
every customer perceives exactly 0.5 a purchase (no fit effect, quality and service 0,
social value 0.5, no noise, no failures), so the rule applied purchase after purchase has
a known result. The reference model shares the rules with the engine, so it cannot catch
a wrong rule; these checks can (a rule changed in code but not in the docs fails here).
"""

from __future__ import annotations

import math
from typing import Any

from sim.model import MarketModel
from sim.scenario import scenario_from_dict
from sim.verify.analytic import Check, single_firm_market

#: Value every customer perceives in the set-ups (value units).
PERCEIVED = 0.5


def plain_market(n: int, steps: int, levers: dict[str, Any] | None = None,
                 **customers: Any) -> MarketModel:
    """The one-firm market where everyone perceives :data:`PERCEIVED` a purchase."""
    data = single_firm_market(n, steps, fit_weight=0.0, **customers)
    data["firms"][0]["levers"].update(social_value=PERCEIVED, **(levers or {}))
    return MarketModel(scenario_from_dict(data, source="<mechanism>"), seed=11)


def _metric(model: MarketModel, name: str) -> float:
    return float(model.firms[0].metrics[name])


def trust_ladder_check(n: int = 500, steps: int = 20) -> list[Check]:
    """Trust accumulates geometrically: expecting 0 and perceiving 0.5 is a surprise of
    6.25 bands, so each purchase adds ``3 * gain * (1 - trust)`` (the excess is capped at
    2 bands) and trust after ``k`` purchases is ``1 - (1 - 3 gain)^k``; the last stage
    begins at the first ``k`` past its threshold."""
    model = plain_market(n, steps)
    c = model.scenario.customers
    rate = 3 * c.trust_gain
    behavioural_at = math.ceil(math.log(1 - c.stage_thresholds[2]) / math.log(1 - rate))
    behavioural = []
    for _ in range(steps):
        model.step()
        behavioural.append(_metric(model, "stage_behavioural"))
    expected = 1 - (1 - rate) ** steps
    rows = [Check.within(f"trust ladder: mean trust after {steps} satisfying purchases = "
                         f"1 - (1 - 3 x {c.trust_gain:g})^{steps}", expected,
                         _metric(model, "mean_trust"), 1e-4)]
    if behavioural_at <= steps:
        on_time = (behavioural[behavioural_at - 1] == n
                   and (behavioural_at < 2 or behavioural[behavioural_at - 2] == 0))
        rows.append(Check(f"trust ladder: every customer reaches the behavioural stage at "
                          f"purchase {behavioural_at}, none before", 1.0, float(on_time), 0.0,
                          on_time))
    return rows


def churn_hazard_check(n: int = 20_000, sensitivity: float = 0.3) -> list[Check]:
    """Leaving after a shortfall: expecting 0.5 + 1.4 bands and perceiving 0.5 falls 0.9
    band short beyond the zone of tolerance, so with no trust a customer leaves with
    probability ``0.9 * churn_sensitivity``; nothing was lost through a hole, a need or
    price, so the loss is put down to the product (poor quality); the rating is 2."""
    band = 0.08
    model = plain_market(n, 1, satisfaction_band=band, initial_expectation=PERCEIVED + 1.4 * band,
                         churn_sensitivity=sensitivity)
    model.step()
    purchases = _metric(model, "purchases")
    share = _metric(model, "churned") / purchases
    chance = 0.9 * sensitivity
    se = math.sqrt(chance * (1 - chance) / purchases)
    return [
        Check.within(f"churn hazard: share leaving after a 0.9-band shortfall = 0.9 x "
                     f"churn_sensitivity {sensitivity:g} (4 standard errors)", chance,
                     share, 4 * se, standard_error=se),
        Check.within("churn causes: a shortfall with no failure, need or price loss is put "
                     "down to poor quality (share of churners)", 1.0,
                     _metric(model, "churn_poor_quality") / max(_metric(model, "churned"), 1),
                     0.0),
        Check.within("satisfaction: 1.4 bands below expectation rates 2 (dissatisfied)", 2.0,
                     _metric(model, "mean_satisfaction"), 1e-9),
    ]


def reference_price_check(n: int = 300, steps: int = 15, price: float = 0.8) -> Check:
    """Reference prices adapt: paying ``price`` every step from a reference of 1, the
    reference after ``k`` purchases is ``price + (1 - price)(1 - rate)^k``."""
    model = plain_market(n, steps, levers={"list_price": price})
    rate = model.scenario.customers.reference_adaptation
    for _ in range(steps):
        model.step()
    expected = price + (1 - price) * (1 - rate) ** steps
    return Check.within(f"reference price: after {steps} purchases at {price:g} = "
                        f"{price:g} + {1 - price:g}(1 - {rate:g})^{steps}", expected,
                        _metric(model, "mean_reference_price"), 1e-5)


def deal_dependence_check(n: int = 300, steps: int = 15) -> Check:
    """Deal dependence accumulates ("no promotion, no purchase"): buying on a deal every
    step, dependence after ``k`` purchases is ``1 - (1 - gain)^k``."""
    model = plain_market(n, steps, levers={"discount_depth": 0.2, "discount_period": 1,
                                           "discount_duration": 1})
    gain = model.scenario.customers.deal_dependence_gain
    for _ in range(steps):
        model.step()
    return Check.within(f"deal dependence: after {steps} purchases on a deal = "
                        f"1 - (1 - {gain:g})^{steps}", 1 - (1 - gain) ** steps,
                        _metric(model, "mean_deal_dependence"), 1e-5)


def mechanism_checks() -> list[Check]:
    """Every single-mechanism check."""
    return [*trust_ladder_check(), *churn_hazard_check(), reference_price_check(),
            deal_dependence_check()]


__all__ = ["churn_hazard_check", "deal_dependence_check", "mechanism_checks", "plain_market",
           "reference_price_check", "trust_ladder_check"]
