"""The exact likelihood of the market's purchase process, against the process itself and
against the simulation-based fit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, special

from sim.calibration import bgnbd, process_likelihood
from sim.calibration.bgnbd import BGNBD
from sim.calibration.fit import Calibration, FitSettings
from sim.calibration.parameters import PURCHASE_PARAMETERS
from sim.calibration.simulators import ProcessSimulator
from sim.calibration.statistics import StatisticSet, rfm

PARAMS = (0.7, 6.0, 0.9, 2.5)  # r, alpha per step, a, b


def _values(r: float, alpha: float, a: float, b: float) -> dict[str, float]:
    return {"customers.purchase_probability": float(-np.expm1(-r / alpha)),
            "customers.occasion_rate_shape": r, "customers.dropout_probability": a / (a + b),
            "customers.dropout_concentration": a + b}


def test_the_rate_moment_is_the_integral_it_stands_for():
    r, alpha = 0.3, 25.0
    for purchases, idle in [(0, 200), (1, 0), (4, 60), (15, 5)]:
        def integrand(rate, purchases=purchases, idle=idle):
            return (-np.expm1(-rate)) ** purchases * np.exp(-idle * rate) * np.exp(
                (r - 1) * np.log(rate) - alpha * rate + r * np.log(alpha) - special.gammaln(r))
        direct = integrate.quad(integrand, 0, np.inf, limit=400)[0]
        got = process_likelihood.log_rate_moment(r, alpha, np.array([purchases]),
                                                 np.array([idle]))[0]
        assert got == pytest.approx(np.log(direct), abs=1e-5)


@pytest.mark.parametrize("after_first", [False, True])
def test_the_likelihoods_of_every_possible_history_sum_to_one(after_first):
    """Over all 2^T purchase patterns after the first purchase — each (x, t_x) counted as
    often as patterns share it — the probabilities add up to one."""
    T = 7
    x, t_x = [], []
    for pattern in itertools.product((0, 1), repeat=T):
        bought = np.flatnonzero(pattern) + 1
        x.append(bought.size)
        t_x.append(bought[-1] if bought.size else 0)
    logs = process_likelihood.log_likelihood(PARAMS, np.array(x), np.array(t_x),
                                             np.full(len(x), T), after_first)
    assert np.exp(logs).sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("after_first", [False, True])
def test_expected_repeats_are_the_simulated_process_s_mean(after_first):
    first = np.repeat(np.arange(1, 6), 2000)
    steps, replications = 30, 8
    expected = process_likelihood.expected_repeats(BGNBD(*PARAMS, log_likelihood=0.0), first,
                                                   steps, after_first)
    arrivals = np.bincount(first - 1, minlength=steps)
    totals = []
    for i in range(replications):
        cohort = ProcessSimulator(dropout_after_first=after_first).simulate(
            _values(*PARAMS), arrivals, steps, np.random.SeedSequence([12, i]))
        summary = rfm(cohort, 15, steps - 15)
        totals.append((summary["frequency"].sum(), summary["holdout"].sum()))
    totals = np.array(totals, float)
    error = totals.std(axis=0, ddof=1) / np.sqrt(replications)
    for got, want, se in zip(totals.mean(axis=0), (expected[:15].sum(), expected[15:].sum()),
                             error, strict=True):
        assert abs(got - want) < 4 * se, (got, want, se)
    assert expected[0] == 0.0  # nobody repeats in the first arrivals' own step


@pytest.mark.slow
@pytest.mark.parametrize("after_first", [False, True])
def test_the_exact_fit_recovers_the_parameters_of_its_own_process(after_first):
    steps = 40
    arrivals = np.zeros(steps, int)
    arrivals[:4] = 2500
    cohort = ProcessSimulator(dropout_after_first=after_first).simulate(
        _values(*PARAMS), arrivals, steps, np.random.SeedSequence(21))
    summary = rfm(cohort, steps)
    fit = process_likelihood.fit(summary["frequency"], summary["recency"], summary["age"],
                                 after_first)
    for got, want, se in zip((fit.r, fit.alpha, fit.a, fit.b), PARAMS, fit.standard_errors,
                             strict=True):
        assert abs(got - want) < 3 * se, (got, want, se)


def test_the_simulation_based_fit_lands_on_the_exact_maximum_likelihood():
    """The same stand-in log fitted both ways: the exact estimate lies inside the
    simulated-statistics fit's intervals of the purchase chance, shape and mean dropout,
    and the purchase chances agree within 15 % (over 8 logs like this one: all 24 inside
    at most 10 % apart; the dropout concentration is barely identified by 1,500 customers
    over 30 steps — one exact estimate of the 8 ran to homogeneous dropout)."""
    steps = 30
    arrivals = np.zeros(steps, int)
    arrivals[:10] = 150
    sim = ProcessSimulator()
    cohort = sim.simulate(_values(0.8, 10.0, 0.8, 3.2), arrivals, steps,
                          np.random.SeedSequence(31))
    summary = rfm(cohort, steps)
    exact = process_likelihood.fit(summary["frequency"], summary["recency"], summary["age"],
                                   dropout_after_first=True)
    aux = bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])
    statistics = StatisticSet(steps, auxiliary=(aux.r, aux.alpha, aux.a, aux.b))
    fit = Calibration(sim, PURCHASE_PARAMETERS, bgnbd.market_start(aux), {}, cohort,
                      statistics, FitSettings(seed=3)).run()
    intervals = fit.interval()
    exact_values = bgnbd.market_start(exact)
    for key in ("customers.purchase_probability", "customers.occasion_rate_shape",
                "customers.dropout_probability"):
        low, high = intervals[key]
        assert low <= exact_values[key] <= high, (key, exact_values[key], (low, high))
    assert fit.estimate["customers.purchase_probability"] == pytest.approx(
        exact_values["customers.purchase_probability"], rel=0.15)
