"""Write the engine baseline that tests/test_engine_regression.py compares against.

Run ``python tests/make_baseline.py`` only when the model's *behaviour* is meant to
change (and say so in the commit); optimisations must keep the baseline.
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment import run
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).parent / "data" / "engine_baseline.csv"
REPLICATIONS = 30


def baseline_scenario():
    """The headline market at 500 customers over two years."""
    return load_scenario(ROOT / "scenarios" / "bribery_vs_trust.toml").with_overrides(
        {"customers.n_initial": 500, "run.steps": 104, "customers.initial_awareness": 0.2})


def per_replication_outcomes(replications: int = REPLICATIONS, seed: int = 7):
    """The outcomes compared: per replication and firm."""
    per = run(baseline_scenario(), replications=replications, seed=seed).per_replication()
    per["behavioural_share"] = per["stage_behavioural"] / per["active_customers"].clip(lower=1)
    return per[["replication", "firm", "cumulative_profit", "churn_rate", "active_customers",
                "behavioural_share", "purchases", "deadweight_discount"]]


if __name__ == "__main__":
    per_replication_outcomes().to_csv(BASELINE, index=False)
    print(f"wrote {BASELINE}")
