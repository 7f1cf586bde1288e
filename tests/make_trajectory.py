"""Write the fixed-seed step-by-step series that tests/test_engine_regression.py replays.

First written from the numpy engine before the whole step was compiled into one kernel
(commit a27a163); again when the customers' draws moved to the counter-based stream of
``sim.engine.streams``; and again when the rules were written once and the two engines
became one (the loops compute in double precision throughout, the Gumbel noise uses the
system logarithm, the Bass set-up's mapping is unchanged): each time a new trajectory,
checked against the original engine by the statistical test of
``tests/test_engine_regression.py``. The test checks that later optimisation changes no
trajectory: same scenario, same seed, same series. Run ``python tests/make_trajectory.py``
again only when the model's behaviour or random stream is meant to change, and say so in
the commit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.model import MarketModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TRAJECTORY = Path(__file__).parent / "data" / "engine_trajectory.csv"
STEPS = 60
SEED = 23

#: (label, scenario file, overrides): together they exercise every phase of a step —
#: arrivals and exits, price responses, points and habit, trust decay and hearsay,
#: adaptive firms, a stored graph and the implicit well-mixed one.
CASES = {
    "headline": ("bribery_vs_trust.toml", {
        "customers.n_initial": 1200, "customers.arrivals_per_step": 4,
        "customers.exit_probability": 0.004, "market.price_response": 0.3,
        "customers.habit_probability": 0.8}),
    "adaptive": ("adaptive_firms.toml", {
        "customers.n_initial": 900, "customers.trust_decay": 0.01,
        "customers.wom_expectation_shift": 0.02}),
    "well_mixed": ("bribery_vs_trust.toml", {
        "customers.n_initial": 700, "network.kind": "well_mixed"}),
}


def trajectory() -> pd.DataFrame:
    """Firm series (one row per case, step and firm) with the market series joined on."""
    frames = []
    for label, (name, overrides) in CASES.items():
        scenario = load_scenario(ROOT / "scenarios" / name).with_overrides(
            {**overrides, "run.steps": STEPS})
        model = MarketModel(scenario, seed=SEED)
        for _ in range(STEPS):
            model.step()
        firms = model.firm_timeseries().merge(model.market_timeseries(), on="step",
                                              suffixes=("", "_market"))
        frames.append(firms.assign(case=label))
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    trajectory().to_csv(TRAJECTORY, index=False)
    print(f"wrote {TRAJECTORY}")
