"""Ablations: where a scenario says which ingredients make a claim hold, remove each one
alone and measure what it did.

An ingredient is a set of overrides that takes it out of the scenario (a short horizon
back to the headline's ten years, say). Each ablated run uses the same root seed as the
full scenario, so replication *r* of both shares its seed and the effect of removing an
ingredient is a paired difference per replication, summarised as a mean with a 95 %
t-interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.claims.runner import ClaimRunner
from sim.claims.verdicts import Claim, Finding, above, below, finding
from sim.experiment import Results, mean_ci


@dataclass(frozen=True)
class Ingredient:
    """One ingredient of a scenario and the overrides that remove it."""

    name: str
    #: What the scenario has, and what removing it sets, in words.
    present: str
    absent: str
    removed: Mapping[str, Any]


def ablate(claim: Claim, runner: ClaimRunner, scenario: str, base: Results,
           ingredients: Sequence[Ingredient], metric: Callable[[Results], pd.Series],
           label: str, minimum_replications: int = 1) -> tuple[list[Finding], pd.DataFrame]:
    """Remove each ingredient alone; return two findings per ingredient and a table.

    For each ingredient: ``label`` (a per-replication metric where > 0 means the claim
    holds) with the ingredient removed, judged ``above(0)`` (does the claim survive
    without it?), and the paired change of the metric when it is removed, judged
    ``below(0)`` (did the ingredient help?). The table has one row per ingredient: the
    metric's and the change's mean and 95 % CI.
    """
    full = metric(base)
    rows, table = [], []
    for ing in ingredients:
        res = runner.results(scenario, ing.removed, minimum_replications)
        without = metric(res)
        change = (without - full).dropna()
        cond = f"{scenario} without {ing.name}: {ing.absent} instead of {ing.present}"
        rows.append(finding(claim, f"{label}, without {ing.name}", without.to_numpy(),
                            above(0), cond + " (same seeds)"))
        rows.append(finding(claim, f"change in {label} when {ing.name} is removed (below 0: "
                            "it helped)", change.to_numpy(), below(0), cond + " (paired by "
                            "replication)"))
        m, lo, hi = mean_ci(without.to_numpy(float))
        d, dlo, dhi = mean_ci(change.to_numpy(float))
        table.append({"ingredient": ing.name, "present": ing.present, "absent": ing.absent,
                      "without_mean": m, "without_ci_low": lo, "without_ci_high": hi,
                      "change_mean": d, "change_ci_low": dlo, "change_ci_high": dhi})
    return rows, pd.DataFrame(table)


def ablation_summary(table: pd.DataFrame, full: tuple[float, float, float], label: str) -> str:
    """One sentence per ingredient: the metric without it and the change, with CIs."""
    parts = [f"{label} with every ingredient: {_money(full)}."]
    for r in table.itertuples():
        sign = "helped it" if r.change_ci_high < 0 else (
            "worked against it" if r.change_ci_low > 0 else "made no distinguishable difference")
        parts.append(f"Without {r.ingredient} ({r.absent} instead of {r.present}): "
                     f"{_money((r.without_mean, r.without_ci_low, r.without_ci_high))}, a change "
                     f"of {_money((r.change_mean, r.change_ci_low, r.change_ci_high))}: it "
                     f"{sign}.")
    return " ".join(parts)


def _money(triple: tuple[float, float, float]) -> str:
    m, lo, hi = triple
    if not np.isfinite(m):
        return "-"
    return f"{m:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"
