"""The engine still behaves like the engines before it.

Two checks. (1) Statistical equivalence with the original engine: optimisations changed
the random stream several times (float32 draws; draws only where needed; the customers'
counter-based stream of ``sim.engine.streams``; one engine computing in double precision
throughout), so for each firm and outcome the difference of means between 30 fresh
replications and the 30 stored baseline ones (``tests/data/engine_baseline.csv``, written
by ``tests/make_baseline.py`` from the original engine) lies within the two-sample 99.9 %
confidence bound (Welch). Six outcomes x 2 firms at 99.9 % give a ~1 % family-wise chance
of a false alarm; the seeds are fixed, so the test is deterministic. (2) Same seed, same
series: three fixed-seed markets replayed step by step against the series recorded when
the rules were written once (``tests/data/engine_trajectory.csv``,
``tests/make_trajectory.py``), so that later optimisations must keep them: every count
exactly, money to single-precision rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.make_baseline import BASELINE, per_replication_outcomes
from tests.make_trajectory import TRAJECTORY, trajectory

OUTCOMES = ["cumulative_profit", "churn_rate", "active_customers", "behavioural_share",
            "purchases", "deadweight_discount"]


@pytest.fixture(scope="module")
def fresh() -> pd.DataFrame:
    return per_replication_outcomes(seed=8)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_outcome_matches_baseline(fresh, outcome):
    base = pd.read_csv(BASELINE)
    for firm, old in base.groupby("firm"):
        a = old[outcome].to_numpy()
        b = fresh[fresh["firm"] == firm][outcome].to_numpy()
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        bound = stats.norm.ppf(1 - 0.001 / 2) * se
        assert abs(a.mean() - b.mean()) <= bound + 1e-12, (
            f"{firm} {outcome}: baseline {a.mean():.4g}, now {b.mean():.4g}, bound {bound:.3g}")


#: Columns compared to single-precision rounding (money and means); every other numeric
#: column is a count and must match exactly.
ROUNDED = {"price", "discount_depth", "revenue", "cost_of_goods", "discount_cost",
           "points_cost", "acquisition_cost", "service_cost", "serving_cost",
           "recovery_cost", "profit", "cumulative_profit", "npv", "units",
           "satisfied_churn_share", "mean_satisfaction", "mean_trust", "deadweight_discount",
           "mean_deal_dependence", "mean_reference_price"}


def test_same_seed_gives_the_recorded_series():
    recorded = pd.read_csv(TRAJECTORY)
    now = trajectory()
    assert list(now.columns) == list(recorded.columns)
    assert len(now) == len(recorded)
    counts = [c for c in recorded.select_dtypes("number").columns if c not in ROUNDED]
    assert {"active_customers", "churned", "churn_needs_moved", "speakers",
            "lifecycle_regular", "strategy_switches"} <= set(counts)
    missed = {c: int(np.count_nonzero(now[c].to_numpy() != recorded[c].to_numpy()))
              for c in counts}
    assert not any(missed.values()), {c: k for c, k in missed.items() if k}
    for column in ROUNDED:
        np.testing.assert_allclose(now[column].to_numpy(), recorded[column].to_numpy(),
                                   rtol=1e-5, atol=1e-6, err_msg=column)
    assert (now["strategy"] == recorded["strategy"]).all()
