"""Statistics over replications: means with confidence intervals, crossover steps.

An interval is only given where it can be estimated: with fewer than two replications it
is NaN (printed "n/a"), never the zero-width interval of a single value. Bounded
quantities (a crossover step lies between the first and the last step) get percentile
bootstrap intervals, which stay inside the range the values can take.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

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
            mean, low, high = bootstrap_mean_ci(crossed, confidence)
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


def _finite(values: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float] | None]:
    """The finite values, and the result when there are too few for an interval: all NaN
    for none, the mean with NaN bounds for one."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return values, (np.nan, np.nan, np.nan)
    if values.size < 2:
        return values, (float(values[0]), np.nan, np.nan)
    return values, None


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a Student-t confidence interval; NaN bounds with fewer than two finite
    values (one replication says nothing about the spread)."""
    values, early = _finite(values)
    if early is not None:
        return early
    from scipy import stats  # here: importing scipy.stats is ~0.5 s of a sweep worker's start

    mean = float(values.mean())
    half = stats.t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(
        values.size)
    return (mean, float(mean - half), float(mean + half))


#: Resamples of a bootstrap interval, and its fixed seed: the same values always give
#: the same interval.
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20261122


def bootstrap_mean_ci(values: np.ndarray,
                      confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean with a percentile-bootstrap confidence interval (fixed seed).

    For quantities with bounds (crossover steps, shares): every resampled mean lies
    between the smallest and the largest value, so the interval never leaves the range
    the quantity can take, as a Student-t interval of skewed values does. NaN bounds
    with fewer than two finite values.

    References
    ----------
    Efron, B. & Tibshirani, R. (1993). *An Introduction to the Bootstrap*, ch. 13.
    """
    values, early = _finite(values)
    if early is not None:
        return early
    mean = float(values.mean())
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    block = max(1, 1_000_000 // values.size)  # resamples drawn at once: bounded memory
    means = np.concatenate([
        values[rng.integers(0, values.size, size=(min(block, BOOTSTRAP_RESAMPLES - done),
                                                  values.size))].mean(axis=1)
        for done in range(0, BOOTSTRAP_RESAMPLES, block)])
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return (mean, float(low), float(high))


def format_interval(low: float, high: float, number: str = ",.0f") -> str:
    """``"[low, high]"`` in the ``number`` format, or ``"[n/a]"`` when the interval could
    not be estimated (fewer than two replications)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "[n/a]"
    return f"[{low:{number}}, {high:{number}}]"
