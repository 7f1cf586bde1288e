"""``mesa.batch_run`` over MarketModel, the Mesa way for the installed Mesa.

Mesa 3.4+ takes one seed per replication (``rng=[...]``, mesa#2841) and hands it to the
model's constructor; Mesa 3.3 has only ``iterations``, so the seed goes in as a
parameter. Each test is parametrized by the installed Mesa and runs on both CI ends.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import pandas as pd
import pytest

from sim.model import MarketModel
from sim.model.mesa_compat import BATCH_RUN_TAKES_RNG, MESA_RELEASE, batch_run_seeded

HEADLINE = Path(__file__).resolve().parent.parent / "scenarios" / "bribery_vs_trust.toml"
STEPS = 15
#: A small headline market, its scenario parameters as dotted keyword arguments.
PARAMETERS = {"scenario": str(HEADLINE), "customers.n_initial": 200, "run.steps": STEPS,
              "customers.initial_awareness": 0.3}
MESA = pytest.mark.parametrize("mesa_api", [f"mesa-{MESA_RELEASE[0]}.{MESA_RELEASE[1]}"])


def mesa_batch_run(seeds: list, parameters: dict = PARAMETERS, **options) -> pd.DataFrame:
    """The call a Mesa user writes for the installed Mesa (one run per seed)."""
    options = {"max_steps": 1000, "display_progress": False, **options}
    if BATCH_RUN_TAKES_RNG:
        rows = mesa.batch_run(MarketModel, parameters=parameters, rng=seeds, **options)
    else:
        rows = mesa.batch_run(MarketModel, parameters={**parameters, "rng": seeds},
                              iterations=1, **options)
    return pd.DataFrame(rows)


def outcome(rows: pd.DataFrame) -> pd.DataFrame:
    """The market metrics of each run, without Mesa's run numbering."""
    return rows.drop(columns=["RunId", "iteration"]).reset_index(drop=True)


@MESA
def test_two_seeds_give_two_runs_and_one_seed_twice_the_same(mesa_api):
    rows = mesa_batch_run([1, 2, 1])
    assert len(rows) == 3  # one row per run: the last step's market metrics
    seed_column = "seed" if BATCH_RUN_TAKES_RNG else "rng"  # MarketModel takes both names
    assert rows[seed_column].tolist() == [1, 2, 1]
    runs = outcome(rows).drop(columns=seed_column)
    assert runs.iloc[0].equals(runs.iloc[2])
    assert not runs.iloc[0].equals(runs.iloc[1])
    # ... and each row is the model's own last step for that seed.
    direct = MarketModel(HEADLINE, seed=2, **{k: v for k, v in PARAMETERS.items()
                                               if k != "scenario"})
    while direct.running:
        direct.step()
    assert direct.steps == STEPS  # the model stops after run.steps, before max_steps
    last = direct.market_timeseries().iloc[-1].drop("step")
    pd.testing.assert_series_equal(runs.iloc[1][last.index].astype(float), last.astype(float),
                                   check_names=False)


@MESA
def test_parameters_sweep_dotted_scenario_keys(mesa_api):
    rows = mesa_batch_run([7], {**PARAMETERS, "customers.wom_reach": [0.0, 4.0]})
    assert rows["customers.wom_reach"].tolist() == [0.0, 4.0]
    heard = rows["messages_positive"] + rows["messages_negative"]
    assert heard.iloc[0] == 0 and heard.iloc[1] > 0  # no reach: nobody hears anybody


@MESA
def test_per_firm_rows_when_mesa_records_the_firms(mesa_api):
    rows = mesa_batch_run([3], {**PARAMETERS, "mesa_agent_records": True})
    if MESA_RELEASE >= (3, 4):  # batch_run reports agent-type rows: one per firm
        assert len(rows) == 2
        direct = MarketModel(HEADLINE, seed=3, **{k: v for k, v in PARAMETERS.items()
                                                   if k != "scenario"})
        for _ in range(STEPS):
            direct.step()
        last = direct.firm_timeseries().query("step == @STEPS")
        assert rows["cumulative_profit"].tolist() == last["cumulative_profit"].tolist()
        assert rows["current_strategy"].tolist() == last["current_strategy"].tolist()
    else:  # Mesa 3.3's batch_run reads agent reporters only, not agent-type ones
        assert len(rows) == 1 and "cumulative_profit" not in rows


@MESA
def test_the_compat_helper_makes_the_same_call(mesa_api):
    ours = pd.DataFrame(batch_run_seeded(MarketModel, PARAMETERS, [4, 5], max_steps=1000,
                                         display_progress=False))
    pd.testing.assert_frame_equal(ours, mesa_batch_run([4, 5]))


def test_constructor_takes_rng_or_seed_and_dotted_overrides():
    kw = {"customers.n_initial": 100, "run.steps": 3}
    a = MarketModel(HEADLINE, rng=9, **kw)
    b = MarketModel(HEADLINE, seed=9, overrides={"customers.n_initial": 100}, **{"run.steps": 3})
    assert a.seed_entropy == b.seed_entropy == 9
    assert a.scenario == b.scenario
    assert a.scenario.customers.n_initial == 100 and a.scenario.run.steps == 3
    with pytest.raises(ValueError, match="seed or rng"):
        MarketModel(HEADLINE, seed=1, rng=2, **kw)
    with pytest.raises(ValueError, match="wom_reac"):  # a typo is named, as in a file
        MarketModel(HEADLINE, **{"customers.wom_reac": 3}, **kw)
    for _ in range(3):
        assert a.running
        a.step()
    assert not a.running and a.steps == 3
