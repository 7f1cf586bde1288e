"""The sweep benchmark's own arithmetic: exclusive phase timing, customer-steps, medians
(no speed asserted). Runtime < 1 s."""

from __future__ import annotations

import runpy
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "sweep_bench.py"


@pytest.fixture(scope="module")
def bench():
    """The script's functions (run as a module, not as ``__main__``)."""
    return SimpleNamespace(**runpy.run_path(str(BENCH), run_name="sweep_bench_under_test"))


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_phase_is_timed_without_the_phases_inside_it(bench):
    clock = bench.PhaseClock()
    inner = clock.wrap(lambda: _busy(0.03), "inner")
    outer = clock.wrap(lambda: (_busy(0.02), inner()), "outer")
    outer()
    assert clock.totals["inner"] >= 0.03
    assert 0.02 <= clock.totals["outer"] < 0.03 + 0.01
    assert clock.totals["inner"] + clock.totals["outer"] >= 0.05


def test_customer_steps_count_arrivals_step_by_step(bench):
    from sim.scenario import load_scenario

    headline = Path(__file__).resolve().parent.parent / "scenarios" / "bribery_vs_trust.toml"
    s = load_scenario(headline).with_overrides({"customers.n_initial": 100,
                                                "customers.arrivals_per_step": 2,
                                                "run.steps": 3})
    assert bench.customer_steps_per_run(s) == 100 * 3 + 2 * (1 + 2 + 3)


def test_median_row_and_labels(bench, tmp_path):
    rows = [{"sweep": "sobol", "wall_s": w, "runs_per_s": 10 / w} for w in (3.0, 1.0, 2.0)]
    row = bench.median_row(rows)
    assert row["wall_s"] == 2.0 and row["repeats"] == 3 and row["wall_range_s"] == "1-3"
    assert bench._tree(f"before={tmp_path}") == ("before", tmp_path.resolve())
