"""Intervals that are possible (issue 19): no CI from one replication, bounded quantities
inside their bounds, each crossover printed once in the direction that happened."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiment.compare import crossover_lines, format_comparison
from sim.experiment.statistics import bootstrap_mean_ci, mean_ci, pairwise_crossovers


@pytest.mark.parametrize("interval", [mean_ci, bootstrap_mean_ci])
def test_fewer_than_two_values_give_no_interval(interval):
    mean, low, high = interval(np.array([6.0]))
    assert mean == 6.0 and np.isnan(low) and np.isnan(high)
    assert all(np.isnan(interval(np.array([]))))


def test_bootstrap_interval_stays_within_the_values_and_is_reproducible():
    """The issue: `at step 46 [95% CI -240, 331]` — a t-interval of skewed crossover steps
    reaching below step 0. The percentile bootstrap cannot leave [min, max]."""
    steps = np.array([10, 12, 11, 9, 13, 10, 11, 12, 400, 10.0])
    t_low = mean_ci(steps)[1]
    mean, low, high = bootstrap_mean_ci(steps)
    assert t_low < 0 < low and 9 <= low <= mean <= high <= 400
    assert bootstrap_mean_ci(steps) == (mean, low, high)
    # coverage of the mean of a skewed bounded law, 400 samples of 20: near 95 %
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(400):
        draw = rng.exponential(10.0, size=20)
        _, lo, hi = bootstrap_mean_ci(draw)
        hits += lo <= 10.0 <= hi
    assert 0.85 <= hits / 400 <= 0.99


def _series(cross_at: dict[int, tuple[str, int]], steps: int = 20) -> pd.DataFrame:
    """Two curves per replication; in replication r the curve cross_at[r][0] starts behind
    and overtakes the other at step cross_at[r][1]."""
    rows = []
    for rep, (winner, at) in cross_at.items():
        loser = "B" if winner == "A" else "A"
        for step in range(1, steps + 1):
            ahead = step >= at
            rows += [{"replication": rep, "step": step, "series": winner,
                      "cumulative_profit": 10.0 * step + (5 if ahead else -5)},
                     {"replication": rep, "step": step, "series": loser,
                      "cumulative_profit": 10.0 * step}]
    return pd.DataFrame(rows)


def test_crossover_intervals_respect_the_steps():
    cross = pairwise_crossovers(_series({r: ("B", 2 + (r == 0) * 17) for r in range(6)}),
                                "series")
    row = cross.iloc[0]
    assert 2 <= row["crossover_step_ci_low"] <= row["crossover_step_ci_high"] <= 20


def test_compare_prints_each_crossover_once_in_the_direction_that_happened():
    """The issue: `compare` printed both directions of each crossover."""
    series = _series({0: ("B", 5), 1: ("B", 6), 2: ("B", 7), 3: ("A", 4)})
    cross = pairwise_crossovers(series, "series")
    assert len(cross) == 2  # the table keeps both directions
    lines = crossover_lines(cross)
    assert len(lines) == 1
    assert lines[0].startswith("B overtakes A in 3/4 replications, at step 6 [95% CI ")
    assert lines[0].endswith("; A overtakes B in 1/4")
    one = pairwise_crossovers(_series({0: ("B", 5)}), "series")
    assert crossover_lines(one) == ["B overtakes A in 1/1 replications, at step 5 [95% CI n/a]"]


def test_comparison_table_prints_na_for_one_replication():
    table = pd.DataFrame([{"series": "x", "step": 10, "replications": 1,
                           "cumulative_profit_mean": 5.0, "cumulative_profit_ci_low": np.nan,
                           "cumulative_profit_ci_high": np.nan, "npv_mean": 4.0,
                           "npv_ci_low": np.nan, "npv_ci_high": np.nan}])
    text = format_comparison(table, pairwise_crossovers(_series({0: ("B", 5)}), "series"))
    assert "5 [n/a]" in text and "4 [n/a]" in text and "nan" not in text
