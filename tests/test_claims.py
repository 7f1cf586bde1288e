"""The claims library and the compare command: verdict rules, intervals, the pipeline.

The pipeline tests run two cheap claims at a tenth of the customers with three
replications, and the CLI on one claim in quick mode; the module takes about 20 s.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.claims import ClaimRunner, Size
from sim.claims.report import CLAIMS, evaluate_claims, summary_finding, write_report
from sim.claims.verdicts import (
    CSV_COLUMNS,
    VERDICTS,
    Claim,
    ClaimResult,
    Finding,
    above,
    below,
    combine,
    difference_ci,
    finding,
    overlaps,
    proportion_ci,
)
from sim.cli import main
from sim.experiment.compare import crossings, side_by_side

FAKE = Claim("fake", "a test claim", "no seed", (), lambda c, r: ClaimResult([]))


def test_rules_compute_verdicts_from_the_numbers():
    assert above(0)(1.0, 0.1, 2.0) == "holds"
    assert above(0)(1.0, -0.1, 2.0) == "fails"
    assert below(0)(-1.0, -2.0, -0.1) == "holds"
    assert below(0)(-1.0, -2.0, 0.1) == "fails"
    assert overlaps(0.65, 0.85)(0.5, 0.4, 0.66) == "holds"
    assert overlaps(0.65, 0.85)(0.5, 0.4, 0.6) == "fails"
    assert above(0)(np.nan, np.nan, np.nan) == "fails"


def test_finding_verdict_follows_the_values_not_the_claim():
    up = finding(FAKE, "m", [1.0, 1.2, 0.9, 1.1], above(0), "c")
    down = finding(FAKE, "m", [-1.0, -1.2, -0.9, -1.1], above(0), "c")
    assert (up.verdict, down.verdict) == ("holds", "fails")
    assert up.ci_low < up.value < up.ci_high
    assert up.value == pytest.approx(1.05)


def test_combine_and_the_claims_own_row():
    assert combine(["holds", "holds"]) == "holds"
    assert combine(["fails", "fails"]) == "fails"
    assert combine(["holds", "fails"]) == "conditional"
    rows = [finding(FAKE, "a", [1, 1.1, 0.9], above(0), "long horizon"),
            finding(FAKE, "b", [-1, -1.1, -0.9], above(0), "short horizon")]
    s = summary_finding(FAKE, rows)
    assert s.verdict == "conditional"
    assert s.value == 0.5
    assert "holds: long horizon" in s.conditions and "fails: short horizon" in s.conditions


def test_wilson_and_newcombe_intervals_match_published_values():
    # Newcombe (1998), table II, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    d, lo, hi = difference_ci(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=5e-4)
    # Wilson interval of 0/10 (Newcombe 1998, table I): 0 to 0.2775.
    p, lo, hi = proportion_ci(0, 10)
    assert (p, lo) == (0.0, pytest.approx(0.0, abs=1e-12))
    assert hi == pytest.approx(0.2775, abs=5e-4)


def test_claim_keys_are_unique_and_name_their_scenarios():
    keys = [c.key for c in CLAIMS]
    assert len(keys) == len(set(keys)) >= 11
    assert all(c.scenarios and c.source for c in CLAIMS)


@pytest.fixture(scope="module")
def small_report():
    runner = ClaimRunner(size=Size(customer_share=0.1, replications=3))
    return evaluate_claims(runner, ["price_war", "leaky_bucket"])


def test_pipeline_writes_csv_with_the_interface_columns(small_report, tmp_path):
    written = write_report(small_report, tmp_path)
    table = pd.read_csv(tmp_path / "claims.csv")
    assert list(table.columns[:7]) == ["claim", "source", "metric", "value", "ci_low",
                                       "ci_high", "verdict"]
    assert list(table.columns) == list(CSV_COLUMNS)
    assert set(table["claim"]) == {"price_war", "leaky_bucket"}
    assert set(table["verdict"]) <= set(VERDICTS)
    md = (tmp_path / "claims.md").read_text()
    assert "## price_war" in md and "![" in md
    assert all(p.exists() for p in written)


def test_pipeline_verdicts_are_recomputed_from_the_rows(small_report):
    for key, result in small_report.results.items():
        for f in result.findings:
            assert f.rule is not None
            assert f.verdict == f.rule(f.value, f.ci_low, f.ci_high), f.metric
            assert math.isfinite(f.value)
        claim = next(c for c in CLAIMS if c.key == key)
        assert summary_finding(claim, result.findings).verdict == combine(
            [f.verdict for f in result.findings])


def test_pipeline_price_war_direction(small_report):
    first = small_report.results["price_war"].findings[0]
    assert first.value < 0    # answering each other's promotions costs combined profit


def test_unknown_claim_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown claim"):
        evaluate_claims(ClaimRunner(), ["no_such_claim"])


def test_cli_claims_quick_on_one_claim(tmp_path, capsys):
    assert main(["claims", "--quick", "--only", "satisfied_but_gone", "--out", str(tmp_path),
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "satisfied_but_gone" in out
    table = pd.read_csv(tmp_path / "claims.csv")
    assert len(table) == 2 and table["verdict"].iloc[-1] in VERDICTS


def _series(offset_at: int) -> pd.DataFrame:
    """Two synthetic curves per replication: B starts behind A and overtakes at a step."""
    rows = []
    for rep in range(4):
        for step in range(1, 11):
            a = 10.0 * step
            b = a - 5 if step < offset_at + rep % 2 else a + 5
            rows += [{"replication": rep, "step": step, "series": "A", "cumulative_profit": a,
                      "npv": a},
                     {"replication": rep, "step": step, "series": "B", "cumulative_profit": b,
                      "npv": b}]
    return pd.DataFrame(rows)


def test_compare_crossings_find_the_overtaking_step():
    cross = crossings(_series(5))
    row = cross[(cross["leader"] == "A") & (cross["challenger"] == "B")].iloc[0]
    assert row["crossed"] == 4
    assert row["crossover_step_mean"] == pytest.approx(5.5)   # steps 5, 6, 5, 6
    assert row["crossover_step_ci_low"] < 5.5 < row["crossover_step_ci_high"]
    assert cross[(cross["leader"] == "B")].empty               # A never overtakes B


def test_compare_side_by_side_reports_means_and_intervals():
    table = side_by_side(_series(5)).set_index("series")
    assert table.loc["A", "cumulative_profit_mean"] == pytest.approx(100)
    assert table.loc["B", "cumulative_profit_mean"] == pytest.approx(105)
    assert table.loc["A", "step"] == 10


def test_cli_compare_runs_two_scenarios(tmp_path, capsys):
    from sim.claims import SCENARIO_DIR

    a, b = SCENARIO_DIR / "tactical_discount.toml", SCENARIO_DIR / "price_war.toml"
    assert main(["compare", str(a), str(b), "-r", "2", "--steps", "8", "--out",
                 str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "tactical_discount" in out and "price_war" in out
    table = pd.read_csv(tmp_path / "compare.csv")
    assert set(table["series"]) == {"tactical_discount", "price_war"}
    assert (table["cumulative_profit_ci_low"] <= table["cumulative_profit_mean"]).all()


def test_fake_finding_row_shape():
    row = Finding("k", "s", "m", 1.0, 0.5, 1.5, "holds", "c", above(0)).as_row()
    assert list(row)[:8] == list(CSV_COLUMNS) and "rule" in row
