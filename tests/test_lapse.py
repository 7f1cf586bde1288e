"""Lapse: a customer who has bought leaves the market for good with its own chance per
step, purchase or not (Pareto/NBD's exponential lifetime from the first purchase).

The rule, the per-customer chances drawn at arrival, the simulated lifetimes against the
closed form (fixed seeds, stated tolerances), the reference model against the engine, and
bad values.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.model import MarketModel
from sim.model.population import initial_state
from sim.rules.occasions import lapse_chance, occasion_rate
from sim.scenario import ScenarioError, load_scenario
from sim.verify.reference import ReferenceModel
from sim.verify.reference_docking import dock, equivalence_scenario

CDNOW = "scenarios/cdnow.toml"


def test_the_rule_starts_the_lifetime_at_the_first_purchase():
    assert lapse_chance(False, 0.3) == 0.0
    assert lapse_chance(True, 0.3) == 0.3
    assert lapse_chance(True, 0.0) == 0.0


def _cohort(n: int, steps: int, **customers) -> MarketModel:
    """``n`` newcomers who all first buy at CDNOW in step 1, nothing else leaving."""
    s = load_scenario(CDNOW).with_overrides({
        "customers.n_initial": 0, "customers.arrival_schedule": [n],
        "customers.arrivals_buy_from": "CDNOW", "run.steps": steps,
        "customers.purchase_probability": 0.1,
        **{f"customers.{k}": v for k, v in customers.items()}})
    return MarketModel(s, seed=2024)


def _survivors(model: MarketModel, steps: int, n: int) -> np.ndarray:
    for _ in range(steps):
        model.step()
    return n - np.cumsum(model.market_timeseries()["exits"].to_numpy())


@pytest.mark.parametrize("chance,shape", [(0.05, 0.0), (0.05, 0.6)], ids=["alike", "gamma"])
def test_simulated_lifetimes_follow_the_closed_form(chance, shape):
    """Still in the market k steps after the first purchase: ``(1 - p)^k`` when everyone
    has the same chance, ``(1 + k mu / s)^(-s)`` with ``mu = -ln(1 - p)`` when the rates
    are Gamma(s) (Pareto/NBD's survival). 20,000 customers, 30 steps; every step's share
    within 4 binomial standard errors."""
    n, steps = 20_000, 30
    alive = _survivors(_cohort(n, steps, lapse_probability=chance, lapse_rate_shape=shape),
                       steps, n) / n
    k = np.arange(1, steps + 1)
    mu = occasion_rate(chance)
    expected = (1 - chance) ** k if shape == 0 else (1 + k * mu / shape) ** -shape
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(alive - expected) <= 4 * se), np.abs(alive - expected) / se
    # the other form is far off: the check can tell the two apart
    other = (1 + k * mu / 0.6) ** -0.6 if shape == 0 else (1 - chance) ** k
    assert np.abs(alive - other)[-1] > 10 * se[-1]


def test_no_lapse_before_the_first_purchase_and_off_by_default():
    s = load_scenario(CDNOW).with_overrides({"customers.n_initial": 3000, "run.steps": 10,
                                             "customers.purchase_probability": 0.0,
                                             "customers.lapse_probability": 0.2})
    never_buy = MarketModel(s, seed=1)
    for _ in range(10):
        never_buy.step()
    assert never_buy.market_timeseries()["exits"].sum() == 0
    buyers = _cohort(3000, 10)
    assert _survivors(buyers, 10, 3000)[-1] == 3000  # lapse_probability 0: nobody lapses


def test_lapse_chances_are_drawn_per_customer_around_the_mean_rate():
    s = load_scenario(CDNOW).with_overrides({"customers.n_initial": 200_000,
                                             "customers.lapse_probability": 0.04,
                                             "customers.lapse_rate_shape": 2.0})
    rates = -np.log1p(-initial_state(s, np.random.default_rng(3)).lapse.astype(float))
    mu = occasion_rate(0.04)
    assert rates.mean() == pytest.approx(mu, rel=0.01)
    assert rates.var() == pytest.approx(mu ** 2 / 2.0, rel=0.03)  # Gamma(2): var mu^2 / 2
    alike = initial_state(s.with_overrides({"customers.lapse_rate_shape": 0.0}),
                          np.random.default_rng(3)).lapse
    assert np.all(alike == np.float32(0.04))


def test_lapse_draws_come_last():
    """Turning lapse rates on leaves every earlier draw as it was."""
    s = load_scenario(CDNOW).with_overrides({"customers.n_initial": 500,
                                             "customers.occasion_rate_shape": 0.5})
    off = initial_state(s, np.random.default_rng(5))
    on = initial_state(s.with_overrides({"customers.lapse_probability": 0.1,
                                         "customers.lapse_rate_shape": 1.0}),
                       np.random.default_rng(5))
    for name in ("need", "basket", "price_sensitivity", "occasion", "dropout"):
        np.testing.assert_array_equal(getattr(off, name), getattr(on, name))
    assert np.unique(on.lapse).size > 400


def test_the_engine_docks_with_the_reference_model_with_lapse_on():
    """Headline market at 200 customers and 40 steps, lapse (mean 3 % a step, gamma shape
    1) and exits (1 %) on: profit, churn and trust shares agree within 99 % Welch bounds
    (:func:`sim.verify.reference_docking.dock`), and so do the exits."""
    scenario = equivalence_scenario("headline", 200, 40).with_overrides({
        "customers.lapse_probability": 0.03, "customers.lapse_rate_shape": 1.0,
        "customers.exit_probability": 0.01, "customers.arrivals_per_step": 3})
    rows = dock(scenario, 40, 20, 8, "docking lapse")
    failed = [r.check for r in rows if not r.passed]
    assert not failed, failed

    def exits(model_class, seed):
        out = []
        for r in range(20):
            model = model_class(scenario, seed=np.random.SeedSequence(seed, spawn_key=(r,)))
            for _ in range(40):
                model.step()
            out.append(model.market_timeseries()["exits"].sum())
        return np.array(out, float)

    fast, reference = exits(MarketModel, 1), exits(ReferenceModel, 2)
    bound = stats.norm.ppf(0.995) * math.sqrt(fast.var(ddof=1) / 20
                                              + reference.var(ddof=1) / 20)
    assert abs(fast.mean() - reference.mean()) <= bound
    # exits alone take at most 1 % of the <= 320 people present each step: <= 128 in 40
    assert fast.mean() > 140


@pytest.mark.parametrize("key,value,message", [
    ("lapse_probability", 1.0, "lapse_probability = 1.0"),
    ("lapse_probability", -0.1, "lapse_probability = -0.1"),
    ("lapse_rate_shape", -1.0, "lapse_rate_shape = -1.0"),
])
def test_bad_lapse_values_are_clear_errors(key, value, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(CDNOW).with_overrides({f"customers.{key}": value})


#: Known parameters of a log with lapse instead of dropout after a purchase.
LAPSE_TRUTH = {"customers.purchase_probability": 0.1, "customers.occasion_rate_shape": 0.8,
               "customers.lapse_probability": 0.03, "customers.lapse_rate_shape": 1.5}


def test_the_base_scenario_chooses_the_fitted_parameters():
    from sim.calibration.parameters import purchase_parameters

    c = load_scenario(CDNOW).customers
    keys = lambda spec: [p.key.split(".")[1] for p in purchase_parameters(spec)]  # noqa: E731
    assert keys(c) == ["purchase_probability", "occasion_rate_shape", "dropout_probability",
                       "dropout_concentration"]
    lapse = load_scenario(CDNOW).with_overrides({"customers.lapse_probability": 0.01})
    assert keys(lapse.customers) == ["purchase_probability", "occasion_rate_shape",
                                     "lapse_probability", "lapse_rate_shape"]
    both = lapse.with_overrides({"customers.dropout_probability": 0.2})
    assert len(keys(both.customers)) == 6 and "dropout_concentration" in keys(both.customers)


def test_stand_in_calibration_recovers_known_lapse_parameters():
    """A log of the purchase process with lapse (2,000 customers arriving over 10 steps,
    40 steps) is calibrated back with the lapse parameters: every true value inside its
    95 % interval, the purchase chance within 15 % and the mean lapse chance within 30 %."""
    from sim.calibration import bgnbd
    from sim.calibration.fit import Calibration, FitSettings
    from sim.calibration.parameters import LAPSE_PARAMETERS, OCCASION_PARAMETERS
    from sim.calibration.simulators import ProcessSimulator
    from sim.calibration.statistics import StatisticSet, rfm

    steps = 40
    arrivals = np.zeros(steps, int)
    arrivals[:10] = 200
    simulator = ProcessSimulator()
    cohort = simulator.simulate(LAPSE_TRUTH, arrivals, steps, np.random.SeedSequence(21))
    summary = rfm(cohort, steps)
    aux = bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])
    statistics = StatisticSet(steps, auxiliary=(aux.r, aux.alpha, aux.a, aux.b))
    fit = Calibration(simulator, OCCASION_PARAMETERS + LAPSE_PARAMETERS,
                      bgnbd.market_start(aux), {}, cohort, statistics, FitSettings(seed=4)).run()
    intervals = fit.interval()
    for key, value in LAPSE_TRUTH.items():
        low, high = intervals[key]
        assert low <= value <= high, (key, value, (low, high))
    assert fit.estimate["customers.purchase_probability"] == pytest.approx(0.1, rel=0.15)
    assert fit.estimate["customers.lapse_probability"] == pytest.approx(0.03, rel=0.3)
