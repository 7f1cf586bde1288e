"""The optimised engines (numpy and numba) still behave like the baseline engine.

Optimisations changed the random stream (float32 draws, draws only where needed), so
the check is statistical equivalence, not identical series: for each firm and outcome,
the difference of means between 30 fresh replications and the 30 stored baseline ones
(``tests/data/engine_baseline.csv``, written by ``tests/make_baseline.py``) lies within
the two-sample 99.9 % confidence bound (Welch). Six outcomes x 2 firms at 99.9 % give a
~1 % family-wise chance of a false alarm; the seeds are fixed, so the test is
deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.make_baseline import BASELINE, per_replication_outcomes

OUTCOMES = ["cumulative_profit", "churn_rate", "active_customers", "behavioural_share",
            "purchases", "deadweight_discount"]


@pytest.fixture(scope="module", params=["numpy", "numba"])
def fresh(request) -> pd.DataFrame:
    return per_replication_outcomes(seed=8, engine=request.param)


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
