"""Trusting customers buy more often: the occasion rate grows with trust in the firm
(``customers.frequency_growth``; seed: "trusting customers buy more over time").

The rule's formula, that it is off by default and changes nothing then, that it raises
how often trusting customers buy (fixed seeds, stated tolerances), the reference model
against the engine, the calibration's choice of parameters, and bad values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model import MarketModel
from sim.rules.occasions import occasion_rate, trusting_occasion_chance
from sim.scenario import ScenarioError, load_scenario
from sim.verify.reference import ReferenceModel
from sim.verify.reference_docking import dock, equivalence_scenario, replication_outcomes

CDNOW = "scenarios/cdnow.toml"


@pytest.mark.parametrize("chance", [0.001, 0.2, 0.9])
@pytest.mark.parametrize("trust,growth", [(0.5, 1.0), (1.0, 0.3), (0.8, 7.0)])
def test_the_rule_multiplies_the_occasion_rate(chance, trust, growth):
    raised = trusting_occasion_chance(chance, trust, growth)
    assert occasion_rate(raised) == pytest.approx(occasion_rate(chance) * (1 + growth * trust),
                                                  rel=1e-9)
    assert chance < raised < 1.0


def test_the_rule_leaves_the_chance_alone_without_growth_trust_or_room():
    assert trusting_occasion_chance(0.3, 0.9, 0.0) == 0.3
    assert trusting_occasion_chance(0.3, 0.0, 2.0) == 0.3
    assert trusting_occasion_chance(1.0, 0.9, 2.0) == 1.0
    assert trusting_occasion_chance(0.0, 0.9, 2.0) == 0.0


def test_off_by_default():
    assert load_scenario(CDNOW).customers.frequency_growth == 0.0
    assert load_scenario("scenarios/bribery_vs_trust.toml").customers.frequency_growth == 0.0


def _purchases(growth: float, seed: int) -> tuple[float, float]:
    """Repeat purchases per customer of a CDNOW-like cohort over 200 days, and the mean
    trust of customers who have a firm at the end."""
    model = MarketModel(CDNOW, seed=seed, overrides={
        "customers.n_initial": 3000, "run.steps": 200, "customers.purchase_probability": 0.02,
        "customers.frequency_growth": growth})
    for _ in range(200):
        model.step()
    firm = model.firm_timeseries()
    return float(firm["purchases"].sum()) / 3000, float(firm["mean_trust"].iloc[-1])


def test_trust_makes_customers_buy_more_often():
    """Growth 2 against 0 on the same seeds (3 replications of 3,000 customers): more
    purchases per customer, by at least a third of what the customers' trust at growth 0
    predicts (1 + 2 T) and by at most all of it (trust is lower in early steps and for
    customers without a firm)."""
    base = [_purchases(0.0, seed) for seed in (1, 2, 3)]
    grown = [_purchases(2.0, seed) for seed in (1, 2, 3)]
    ratio = np.mean([g[0] for g in grown]) / np.mean([b[0] for b in base])
    predicted = 1 + 2 * np.mean([b[1] for b in base])
    assert 1 + (predicted - 1) / 3 <= ratio <= predicted, (ratio, predicted)


def test_the_engine_docks_with_the_reference_model_with_growth_on():
    """Headline market at 200 customers and 40 steps with occasions growing threefold at
    full trust: profit, churn and trust shares agree within 99 % Welch bounds."""
    scenario = equivalence_scenario("headline", 200, 40).with_overrides({
        "customers.frequency_growth": 3.0, "customers.purchase_probability": 0.2})
    rows = dock(scenario, 40, 20, 8, "docking frequency growth")
    failed = [r.check for r in rows if not r.passed]
    assert not failed, failed


def test_the_growth_changes_the_engine_and_the_reference_alike():
    """Mean profit with growth on moves the same way in both models, away from growth off
    by more than the two models differ (20 replications each)."""
    base = equivalence_scenario("headline", 200, 40).with_overrides(
        {"customers.purchase_probability": 0.2})
    grown = base.with_overrides({"customers.frequency_growth": 3.0})

    def profit(model_class, scenario, seed):
        rows = replication_outcomes(lambda s: model_class(scenario, seed=s), 40, 20, seed)
        return float(rows["profit"].mean())

    fast = profit(MarketModel, grown, 3) - profit(MarketModel, base, 3)
    reference = profit(ReferenceModel, grown, 4) - profit(ReferenceModel, base, 4)
    assert fast > 0 and reference > 0
    assert math.isclose(fast, reference, rel_tol=0.5), (fast, reference)


@pytest.mark.parametrize("value,message", [
    (-0.5, "frequency_growth = -0.5"), (25.0, "frequency_growth = 25.0")])
def test_bad_growth_values_are_clear_errors(value, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(CDNOW).with_overrides({"customers.frequency_growth": value})


def test_the_calibration_fits_the_growth_when_the_base_turns_it_on():
    from sim.calibration.parameters import purchase_parameters

    keys = lambda spec: [p.key.split(".")[1] for p in purchase_parameters(spec)]  # noqa: E731
    assert "frequency_growth" not in keys(load_scenario(CDNOW).customers)
    on = load_scenario(CDNOW).with_overrides({"customers.frequency_growth": 0.5})
    assert keys(on.customers)[-1] == "frequency_growth"


@pytest.mark.slow
def test_a_market_whose_trust_lifts_occasions_is_calibrated_back():
    """Parameter recovery where trust builds (the CDNOW base at weekly steps, a purchase
    chance of 0.12 a week): a cohort of 1,200 arriving over 8 weeks, 39 weeks, simulated
    with growth 2 and calibrated back with the occasion pair and the growth (dropout held
    at its truth). Every true value inside its 95 % interval, the growth within a factor 2
    and told apart from none (its interval starts above 0.2), the purchase chance within
    25 %."""
    from sim.calibration import bgnbd
    from sim.calibration.fit import Calibration, FitSettings
    from sim.calibration.market import MarketSimulator
    from sim.calibration.parameters import FREQUENCY_PARAMETERS, OCCASION_PARAMETERS
    from sim.calibration.statistics import StatisticSet, rfm
    from tests.test_calibration_market import weekly_base

    fixed = {"customers.dropout_probability": 0.15, "customers.dropout_concentration": 5.0}
    truth = {"customers.purchase_probability": 0.12, "customers.occasion_rate_shape": 1.0,
             "customers.frequency_growth": 2.0}
    steps = 39
    arrivals = np.zeros(steps, int)
    arrivals[:8] = 150
    simulator = MarketSimulator(weekly_base().with_overrides(
        {"customers.frequency_growth": 0.3}))
    cohort = simulator.simulate({**truth, **fixed}, arrivals, steps, np.random.SeedSequence(5))
    summary = rfm(cohort, steps)
    aux = bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])
    fit = Calibration(simulator, OCCASION_PARAMETERS + FREQUENCY_PARAMETERS,
                      bgnbd.market_start(aux), fixed, cohort,
                      StatisticSet(steps, auxiliary=(aux.r, aux.alpha, aux.a, aux.b)),
                      FitSettings(seed=4)).run()
    intervals = fit.interval()
    for key, value in truth.items():
        low, high = intervals[key]
        assert low <= value <= high, (key, value, (low, high))
    growth = fit.estimate["customers.frequency_growth"]
    assert 1.0 <= growth <= 4.0 and intervals["customers.frequency_growth"][0] > 0.2
    assert fit.estimate["customers.purchase_probability"] == pytest.approx(0.12, rel=0.25)
