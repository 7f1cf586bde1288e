"""The benchmark script's measurement runs and writes its columns (no speed asserted).

Runtime ~2 s (one 2,000-customer model, a few steps).
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"
REQUIRED = ["n", "firms", "customer_steps_per_s", "peak_rss_mb", "startup_s",
            "ratio_vs_reference"]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_measure_writes_positive_figures(bench, tmp_path):
    row = bench.measure(2000, firms=2, steps=3, warmup=1, seed=3)
    assert row["n"] == 2000 and row["firms"] == 2
    for key in ("customer_steps_per_s", "t_step_s", "first_step_s", "peak_rss_mb",
                "startup_s", "graph_s", "state_bytes_per_customer"):
        assert row[key] > 0, key
    # 2,000 customers, all present, over 3 timed steps.
    assert row["customer_steps_per_s"] * row["t_step_s"] * 3 == pytest.approx(6000)
    path = tmp_path / "bench.csv"
    bench.add_scaling([row])
    bench.write_csv([row], path)
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    assert set(REQUIRED) <= set(rows[0])
    assert int(rows[0]["n"]) == 2000
    assert float(rows[0]["customer_steps_per_s"]) > 0
    assert rows[0]["ratio_vs_reference"] == ""           # only measured with the reference


def test_four_firms_are_distinct_copies(bench):
    from sim.scenario import load_scenario

    s = load_scenario(bench.HEADLINE).with_overrides(bench.overrides_for(500, 4))
    assert s.customers.n_initial == 500
    assert len(s.firms) == 4
    assert len({f.name for f in s.firms}) == 4
    assert len({f.position for f in s.firms}) == 4
    assert [f.strategy for f in s.firms] == [f.strategy for f in s.firms[:2]] * 2


def test_reference_ratio_is_the_median_of_turns_taken_with_the_reference(bench):
    row = bench.measure_with_reference(2000, firms=2, steps=2, warmup=0, seed=3, repeats=3)
    assert bench.reference_model_class() is not None
    ratio = row["ratio_vs_reference"]
    assert ratio == pytest.approx(row["customer_steps_per_s"]
                                  / row["reference_customer_steps_per_s"])
    low, high = (float(x) for x in row["ratio_range"].split("x")[0].split("-"))
    assert low - 0.5 <= ratio <= high + 0.5
    assert row["ratio_range"].endswith("of 3")


def test_scaling_is_the_median_of_back_to_back_pairs(bench):
    """Each extra pair is a 100k then a 1M point; the 1M row reports the middle ratio."""
    small, big = bench.SCALING_SIZES
    rows = [{"n": small, "firms": 2, "t_step_s": 1.0}, {"n": big, "firms": 2, "t_step_s": 13.0},
            {"n": small, "firms": 4, "t_step_s": 1.0}]  # 4 firms: no 1M point, no pairs
    times = iter([2.0, 22.0, 1.0, 11.5])  # pairs' ratios: 11.0 and 11.5
    calls = []

    def measure_point(n, firms):
        calls.append((n, firms))
        return {"n": n, "firms": firms, "t_step_s": next(times)}

    bench.repeat_scaling(rows, 3, measure_point)
    assert calls == [(small, 2), (big, 2), (small, 2), (big, 2)]
    assert rows[1]["step_time_ratio"] == pytest.approx(11.5)      # of 11.0, 11.5, 13.0
    assert rows[1]["scaling_range"] == "11.0-13.0 of 3"
    assert "scaling_range" not in rows[2]

    rows[1].pop("scaling_range")
    bench.repeat_scaling(rows, 1, measure_point)                   # the table's pair alone
    assert rows[1]["step_time_ratio"] == pytest.approx(13.0)
    assert rows[1]["scaling_range"] == "13.0-13.0 of 1"
