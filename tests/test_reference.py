"""The per-agent reference model, and docking the fast engine against it.

Equivalence: for five mechanism sets (word of mouth only; failures and churn;
discounting and deal dependence; a fast trust ladder reaching the behavioural stage; the
full headline) the fast engine and the reference model agree on time-averaged profit,
churn rate and trust-stage shares per firm within the two-sample 99 % bound (Welch) over
30 replications each at 200 customers x 60 steps. Seeds are fixed, so the test is
deterministic. Both models compute every formula with the same rules, so the docking
checks the engine's loops, draws and bookkeeping (a broken loop fails it, shown below);
the rules themselves are checked against closed forms (tests/test_docking.py).
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import verify
from sim.engine.ledger import CUSTOMER_FLOWS
from sim.model import MarketModel
from sim.scenario import CHURN_CAUSES
from sim.verify.reference import Customer, ReferenceModel


@pytest.fixture(scope="module")
def tiny(headline):
    return headline.with_overrides({"customers.n_initial": 120, "run.steps": 30,
                                    "customers.initial_awareness": 0.4})


def _series(model: ReferenceModel, steps: int) -> pd.DataFrame:
    for _ in range(steps):
        model.step()
    return model.firm_timeseries()


def test_customers_are_mesa_agents(tiny):
    model = ReferenceModel(tiny, seed=1)
    customers = model.agents_by_type[Customer]
    assert len(customers) == tiny.capacity
    assert all(isinstance(c, mesa.Agent) for c in customers)
    model.step()
    assert model.steps == 1


def test_same_seed_same_series_other_seed_different(tiny):
    a = _series(ReferenceModel(tiny, seed=3), 20)
    b = _series(ReferenceModel(tiny, seed=3), 20)
    c = _series(ReferenceModel(tiny, seed=4), 20)
    pd.testing.assert_frame_equal(a, b)
    assert not a["profit"].equals(c["profit"])


def test_accounts_and_churn_causes_add_up(tiny):
    ts = _series(ReferenceModel(tiny.with_overrides(
        {"customers.churn_sensitivity": 0.6}), seed=5), 30)
    costs = ts[["cost_of_goods", "points_cost", "acquisition_cost", "service_cost",
                "serving_cost", "recovery_cost"]].sum(axis=1)
    np.testing.assert_allclose(ts["profit"], ts["revenue"] - costs, rtol=1e-9, atol=1e-9)
    causes = ts[[f"churn_{c}" for c in CHURN_CAUSES]].sum(axis=1)
    np.testing.assert_array_equal(causes, ts["churned"])
    assert ts["churned"].sum() > 0
    stages = ts[[f"stage_{s}" for s in ("none", "cognitive", "emotional", "behavioural")]]
    np.testing.assert_array_equal(stages.sum(axis=1), ts["active_customers"])


@pytest.mark.parametrize("name", list(verify.EQUIVALENCE_SCENARIOS))
def test_fast_engine_docks_with_the_reference(name):
    rows = verify.equivalence(name, n=200, steps=60, replications=30)
    failed = [f"{r.check}: {r.measured:.4g} outside ±{r.tolerance:.3g}"
              for r in rows if not r.passed]
    assert not failed, failed
    assert len(rows) == 12  # 2 firms x 6 outcomes


def test_trust_ladder_scenario_reaches_the_behavioural_stage():
    # Otherwise the docking would not exercise habit, promotion resistance and advocacy.
    rows = verify.equivalence("trust_ladder", n=200, steps=60, replications=2)
    assert rows  # the comparison ran; now look at the shares themselves
    ts = _series(MarketModel(verify.equivalence_scenario("trust_ladder"), seed=1), 60)
    assert ts["stage_behavioural"].sum() > 0


class MisbookingModel(MarketModel):
    """The market model with broken bookkeeping, not a broken rule: every second churner
    goes uncounted (what a loop that forgets to book some leavers would do)."""

    def _book(self, lapsed):
        self._arrays.flows[CUSTOMER_FLOWS.index("churned")] *= 0.5
        super()._book(lapsed)


def test_broken_bookkeeping_fails_the_docking():
    """The reference model shares the rules but not the loops or the books: an engine
    that miscounts disagrees with it."""
    rows = verify.equivalence("failures_and_churn", n=200, steps=60, replications=30,
                              model=MisbookingModel)
    failed = [r.check for r in rows if not r.passed]
    assert any("churn_rate" in check for check in failed), failed


@pytest.mark.parametrize("name", list(verify.EQUIVALENCE_SCENARIOS))
def test_equivalence_scenario_files_validate_and_document_themselves(name):
    path = verify.EQUIVALENCE_SCENARIOS[name]
    s = verify.equivalence_scenario(name, n=150, steps=40)
    assert s.customers.n_initial == 150 and s.run.steps == 40
    header = path.read_text(encoding="utf-8").split("\nname =")[0].lower()
    assert "seed idea" in header and "what to look at" in header
