"""MetricsCollector: the same tables as Mesa's own DataCollector over the declared
reporters, on every Mesa, without a reporter call per firm value."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from sim.model import MarketModel
from sim.model.firm import Firm
from sim.model.metrics import FIRM_LABELS, FIRM_METRICS, MARKET_METRICS, metric_reporters

STEPS = 12


@pytest.fixture(scope="module")
def collected(small):
    """A model stepped STEPS times beside a plain Mesa DataCollector of the same reporters."""
    model = MarketModel(small, seed=4)
    plain = mesa.DataCollector(**metric_reporters(Firm))
    for _ in range(STEPS):
        model.step()
        plain.collect(model)
    return model, plain


def test_market_table_is_mesas(collected):
    model, plain = collected
    ours = model.datacollector.get_model_vars_dataframe()
    assert list(ours.columns) == list(MARKET_METRICS)
    pd.testing.assert_frame_equal(ours, plain.get_model_vars_dataframe(), check_exact=True)
    ts = model.market_timeseries()
    assert ts["step"].tolist() == list(range(1, STEPS + 1))


def test_firm_table_is_mesas(collected):
    model, plain = collected
    ours = model.datacollector.get_agenttype_vars_dataframe(Firm)
    mesas = plain.get_agenttype_vars_dataframe(Firm)
    # Mesa 3.5 keys the steps by model.time (1.0, 2.0, ...), Mesa 3.3 by model.steps.
    mesas.index = mesas.index.set_levels(mesas.index.levels[0].astype("int64"), level="Step")
    pd.testing.assert_frame_equal(ours, mesas, check_exact=True)
    assert list(ours.columns) == [*FIRM_METRICS, *FIRM_LABELS]
    assert ours.index.get_level_values("Step").tolist() == [s for s in range(1, STEPS + 1)
                                                            for _ in model.firms]
    ts = model.firm_timeseries()
    assert ts["step"].dtype == "int64" and len(ts) == STEPS * model.n_firms
    assert ts["firm"].tolist()[:2] == [f.name for f in model.firms]


def test_each_step_is_a_copy(small):
    model = MarketModel(small, seed=4)
    model.step()
    first = model.firm_timeseries()
    for _ in range(3):
        model.step()
    pd.testing.assert_frame_equal(model.firm_timeseries().query("step == 1"), first)
    assert not model.firm_timeseries().query("step == 4")["cumulative_profit"].equals(
        first["cumulative_profit"])


@pytest.mark.parametrize("mesa_records", [False, True])
def test_firm_values_reach_mesa_only_when_asked(small, monkeypatch, mesa_records):
    calls = []
    original = Firm.metrics

    def counted(firm):
        calls.append(firm.unique_id)
        return original.fget(firm)

    monkeypatch.setattr(Firm, "metrics", property(counted))
    model = MarketModel(small, seed=4, mesa_agent_records=mesa_records)
    for _ in range(3):
        model.step()
    # The model reads its own firms' metrics in no step: every call is Mesa's reporters.
    expected = 3 * model.n_firms * len(FIRM_METRICS) if mesa_records else 0
    assert len(calls) == expected
    assert bool(model.datacollector.agenttype_reporters) == mesa_records
    assert len(model.firm_timeseries()) == 3 * model.n_firms


def test_other_agent_types_get_mesas_answer(collected):
    model, _ = collected

    class Other(mesa.Agent):
        pass

    with pytest.warns(UserWarning, match="No agent-type reporters"):
        assert model.datacollector.get_agenttype_vars_dataframe(Other).empty
