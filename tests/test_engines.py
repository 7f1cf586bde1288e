"""The compiled (numba) engine computes what the numpy rules compute, from the same
state and the same random draws (see also tests/test_engine_regression.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import kernels
from sim.model import MarketModel


def test_numba_is_installed_for_the_fast_engine():
    assert kernels.AVAILABLE


def test_default_engine_is_numba_and_unknown_engine_is_rejected(small):
    assert MarketModel(small, seed=1).engine == "numba"
    with pytest.raises(ValueError, match="engine"):
        MarketModel(small, seed=1, engine="fortran")


@pytest.mark.parametrize("overrides", [
    {},
    {"firms.0.levers.points_rate": 0.1, "customers.habit_probability": 1.0},
    {"market.price_response": 0.5, "customers.arrivals_per_step": 5,
     "customers.exit_probability": 0.01},
])
def test_engines_follow_the_same_trajectory(small, overrides):
    """Same seed, same draws: the two engines agree step by step (counts exactly, money
    to single-precision rounding)."""
    scenario = small.with_overrides({"customers.n_initial": 1500, "run.steps": 80, **overrides})
    a = MarketModel(scenario, seed=11, engine="numpy")
    b = MarketModel(scenario, seed=11, engine="numba")
    for _ in range(scenario.run.steps):
        a.step()
        b.step()
    ta, tb = a.firm_timeseries(), b.firm_timeseries()
    for column in ("active_customers", "churned", "new_customers", "purchases",
                   "stage_behavioural", "complaints", "deal_purchases"):
        np.testing.assert_array_equal(ta[column], tb[column], err_msg=column)
    for column in ("revenue", "profit", "deadweight_discount", "mean_satisfaction"):
        np.testing.assert_allclose(ta[column], tb[column], rtol=1e-4, atol=1e-6,
                                   err_msg=column)
    np.testing.assert_allclose(a.state.trust, b.state.trust, atol=1e-5)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_stepping_past_the_sized_market_is_a_clear_error(small, engine):
    """Arrivals fill rows reserved for run.steps steps; a step beyond them must not write
    past the arrays (the compiled engine does not check bounds)."""
    scenario = small.with_overrides({"customers.arrivals_per_step": 3, "run.steps": 4})
    model = MarketModel(scenario, seed=1, engine=engine)
    for _ in range(4):
        model.step()
    with pytest.raises(RuntimeError, match="sized for"):
        model.step()


def test_levers_changed_between_steps_reach_the_compiled_step(small):
    """The app moves levers between steps; both engines must see the change."""
    scenario = small.with_overrides({"customers.n_initial": 800})
    models = [MarketModel(scenario, seed=5, engine=e) for e in ("numpy", "numba")]
    for model in models:
        for _ in range(5):
            model.step()
        model.firms[0].set_lever("quality", 0.95)
        model.firms[1].set_lever("advertising", 0.2)
        model.refresh_levers()
        for _ in range(5):
            model.step()
    a, b = (m.firm_timeseries() for m in models)
    for column in ("active_customers", "aware", "purchases", "churned"):
        np.testing.assert_array_equal(a[column], b[column], err_msg=column)
    np.testing.assert_allclose(a["cost_of_goods"], b["cost_of_goods"], rtol=1e-5)
