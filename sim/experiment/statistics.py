"""Statistics over replications: means with confidence intervals, crossover steps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

CROSSOVER_COLUMNS = ["leader", "challenger", "crossed", "replications", "crossover_step_mean",
                     "crossover_step_ci_low", "crossover_step_ci_high"]


def pairwise_crossovers(table: pd.DataFrame, by: str,
                        confidence: float = 0.95) -> pd.DataFrame:
    """For each ordered pair of curves named in column ``by`` (leader, challenger): the step
    from which the challenger's cumulative profit stays above the leader's, per replication
    (paired by replication index, over the steps both reach), as mean and CI.

    ``table`` is long: ``replication``, ``step``, ``by`` and ``cumulative_profit``. Only
    pairs in which the challenger overtakes in at least one replication are listed;
    ``crossed`` counts those replications.
    """
    wide = table.pivot_table(index=["replication", "step"], columns=by,
                             values="cumulative_profit").dropna()
    names = list(dict.fromkeys(table[by]))
    rows = []
    for leader in names:
        for challenger in names:
            if leader == challenger:
                continue
            steps = [crossover_step((g[challenger] - g[leader]).to_numpy(),
                                    g.index.get_level_values("step"))
                     for _, g in wide.groupby(level="replication")]
            crossed = np.array([s for s in steps if s is not None], dtype=float)
            if crossed.size == 0:
                continue
            mean, low, high = mean_ci(crossed, confidence)
            rows.append(dict(zip(CROSSOVER_COLUMNS, (leader, challenger, crossed.size,
                                                     len(steps), mean, low, high),
                                 strict=True)))
    return pd.DataFrame(rows, columns=CROSSOVER_COLUMNS)


def crossover_step(diff: np.ndarray, steps: Sequence[int]) -> int | None:
    """First step from which ``diff`` (challenger minus leader) stays positive, provided it
    was not positive at some earlier step; ``None`` if the challenger never overtakes."""
    diff = np.asarray(diff)
    if diff.size == 0 or diff[-1] <= 0:
        return None
    behind = np.flatnonzero(diff <= 0)
    if behind.size == 0:
        return None  # ahead from the start: nothing was overtaken
    return int(steps[behind[-1] + 1])


def mean_of_defined(values: np.ndarray) -> float:
    """Mean over the replications where a metric is defined (NaN, without numpy's
    empty-slice warning, where it never is: e.g. the share of satisfied churners of a
    firm nobody left)."""
    defined = values[~np.isnan(values)]
    return float(defined.mean()) if defined.size else float("nan")


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a Student-t confidence interval (the interval is the mean itself for n=1)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if values.size < 2:
        return (mean, mean, mean)
    half = stats.t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(
        values.size)
    return (mean, float(mean - half), float(mean + half))
