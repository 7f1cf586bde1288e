"""Docking with the reference model: the fast engine and the per-agent
:class:`~sim.verify.reference.ReferenceModel` agree statistically on time-averaged
profit, trust-stage shares and churn rate."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment import replication_seed
from sim.model import MarketModel
from sim.scenario import Scenario, load_scenario
from sim.verify.analytic import HEADLINE, Check
from sim.verify.reference import ReferenceModel

VERIFICATION_DIR = HEADLINE.parent / "verification"
#: Mechanism sets of the equivalence tests: scenario files (small markets: 200 customers,
#: 60 steps), each the headline market with some mechanisms switched off or amplified.
EQUIVALENCE_SCENARIOS: dict[str, Path] = {
    # awareness only through recommendations; no failures, no churn, no deals
    "word_of_mouth": VERIFICATION_DIR / "word_of_mouth.toml",
    # big holes, sensitive customers, frequent complaints; no word of mouth, no deals
    "failures_and_churn": VERIFICATION_DIR / "failures_and_churn.toml",
    # promotions, points, deal dependence; no failures, no word of mouth
    "discounting": VERIFICATION_DIR / "discounting.toml",
    # trust builds fast: behavioural trust's habit, resistance to rivals' promotions,
    # advocacy and discounting of hearsay all come into play
    "trust_ladder": VERIFICATION_DIR / "trust_ladder.toml",
    # the full headline market, made small below
    "headline": HEADLINE,
}


def equivalence_scenario(name: str, n: int = 200, steps: int = 60) -> Scenario:
    """The mechanism set ``name`` of :data:`EQUIVALENCE_SCENARIOS` at ``n`` customers and
    ``steps`` steps (the headline also starts with 30 % aware, as the small sets do)."""
    overrides: dict[str, Any] = {"customers.n_initial": n, "run.steps": steps}
    if name == "headline":
        overrides["customers.initial_awareness"] = 0.3
    return load_scenario(EQUIVALENCE_SCENARIOS[name]).with_overrides(overrides)


def replication_outcomes(model_factory: Callable[[np.random.SeedSequence], Any], steps: int,
                         replications: int, seed: int) -> pd.DataFrame:
    """One row per replication and firm: time-averaged profit, churn rate (churned per
    active customer and step) and trust-stage shares of active customers."""
    rows = []
    for r in range(replications):
        model = model_factory(replication_seed(seed, r))
        for _ in range(steps):
            model.step()
        ts = model.firm_timeseries()
        for firm, df in ts.groupby("firm", sort=True):
            active = df["active_customers"].to_numpy(float)
            row = {"replication": r, "firm": firm, "profit": df["profit"].mean(),
                   "churn_rate": df["churned"].sum() / max(active.sum(), 1.0)}
            for stage in ("none", "cognitive", "emotional", "behavioural"):
                row[f"share_{stage}"] = df[f"stage_{stage}"].sum() / max(active.sum(), 1.0)
            rows.append(row)
    return pd.DataFrame(rows)


OUTCOMES = ("profit", "churn_rate", "share_none", "share_cognitive", "share_emotional",
            "share_behavioural")


def compare_outcomes(fast: pd.DataFrame, reference: pd.DataFrame, label: str,
                     confidence: float = 0.99) -> list[Check]:
    """Welch two-sample comparison per firm and outcome: passed when the difference of
    means lies within the ``confidence`` bound (``measured`` is the difference,
    ``tolerance`` the bound)."""
    rows = []
    z = stats.norm.ppf(0.5 + confidence / 2)
    for (firm, a), (_, b) in zip(fast.groupby("firm"), reference.groupby("firm"), strict=True):
        for outcome in OUTCOMES:
            x, y = a[outcome].to_numpy(float), b[outcome].to_numpy(float)
            se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
            bound = z * se + 1e-12
            diff = float(x.mean() - y.mean())
            rows.append(Check(f"{label}: {firm} {outcome}, fast - reference", 0.0, diff, bound,
                              abs(diff) <= bound))
    return rows


def equivalence(name: str, n: int = 200, steps: int = 60, replications: int = 30,
                seed: int = 6, model: type = MarketModel) -> list[Check]:
    """Fast engine vs :class:`~sim.verify.reference.ReferenceModel` on one mechanism set of
    :data:`EQUIVALENCE_SCENARIOS` at ``n`` customers.

    Both models compute every formula with the same rules (:mod:`sim.rules`), so this
    checks the engine's loops, draws and bookkeeping, not the rules themselves.
    ``model`` is the fast model's class (tests pass a broken one).
    """

    return dock(equivalence_scenario(name, n, steps), steps, replications, seed,
                f"docking {name}", model)


def dock(scenario: Scenario, steps: int, replications: int, seed: int, label: str,
         model: type = MarketModel) -> list[Check]:
    """Fast engine (``model``) vs :class:`~sim.verify.reference.ReferenceModel` on
    ``scenario``: ``replications`` runs of ``steps`` each (seeds from ``seed`` for the fast
    engine, ``seed + 1`` for the reference), compared by :func:`compare_outcomes`."""
    fast = replication_outcomes(lambda s: model(scenario, seed=s), steps,
                                replications, seed)
    reference = replication_outcomes(lambda s: ReferenceModel(scenario, seed=s), steps,
                                     replications, seed + 1)
    return compare_outcomes(fast, reference, label)
