"""The claims library and the compare command: verdict rules, intervals, the pipeline.

The pipeline tests run two cheap claims at a tenth of the customers with three
replications, and the CLI on one claim in quick mode; the module takes about 20 s.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.claims import QUICK, SCENARIO_DIR, ClaimRunner, Size
from sim.claims.ablation import ablate
from sim.claims.assumptions import ASSUMPTIONS, default_value
from sim.claims.economics import winning_and_keeping
from sim.claims.profit import tactical_ingredients
from sim.claims.report import (
    CLAIMS,
    evaluate_claims,
    format_table,
    summary_finding,
    write_report,
)
from sim.claims.runner import (
    by_firm,
    discounter_and_builder,
    hole_plugging,
    ranked_firms,
    sized_sweep,
)
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
    inside_share,
    proportion_ci,
    replications_needed,
    share_finding,
    t_interval_at,
    within,
)
from sim.cli import main
from sim.experiment.compare import crossings, side_by_side
from sim.sweep.store import load_runs

FAKE = Claim("fake", "a test claim", "no seed", (), lambda c, r: ClaimResult([]))


def test_rules_compute_verdicts_from_the_numbers():
    assert above(0)(1.0, 0.1, 2.0) == "holds"
    assert above(0)(1.0, -0.1, 2.0) == "inconclusive"
    assert above(0)(-1.0, -2.0, -0.1) == "fails"
    assert below(0)(-1.0, -2.0, -0.1) == "holds"
    assert below(0)(-1.0, -2.0, 0.1) == "inconclusive"
    assert below(0)(1.0, 0.5, 2.0) == "fails"
    assert above(0)(np.nan, np.nan, np.nan) == "fails"


def test_range_rule_needs_the_estimate_and_most_of_the_interval_inside():
    rule = within(25, 85)
    assert rule(37, 17.8, 56.1) == "holds"          # 81 % of the interval inside
    assert rule(20, 5, 26) == "fails"               # merely touching the range no longer holds
    assert rule(30, -40, 100) == "inconclusive"     # 60 of 140 inside: too wide to tell
    assert rule(90, 10, 170) == "inconclusive"      # covers the whole range
    assert rule(95, 88, 102) == "fails"             # wholly outside
    assert rule(60, 0, 120) == "holds"              # exactly half inside, estimate inside
    assert within(0.65, 0.85)(0.5, 0.4, 0.66) == "fails"
    assert inside_share(0, 10, 5, 20) == pytest.approx(0.5)
    assert inside_share(3, 3, 0, 5) == 1.0 and inside_share(6, 6, 0, 5) == 0.0


@pytest.mark.parametrize("rule", [above(0), below(0), within(25, 85), within(-1, 1)])
@pytest.mark.parametrize("mean,sd", [(0.5, 2.0), (-3.0, 5.0), (30.0, 40.0), (80.0, 30.0),
                                     (20.0, 10.0), (0.0, 1.0)])
def test_fewer_replications_can_only_make_a_verdict_inconclusive(rule, mean, sd):
    """As replications grow at a fixed mean and s.d., the verdict is inconclusive at first
    and then one decisive verdict for good: a narrower interval never turns a holding or
    failing test into its opposite, so a wider one cannot make either easier."""
    at = t_interval_at(mean, sd)
    verdicts = [rule(mean, *at(n)) for n in range(2, 400)]
    decisive = [v for v in verdicts if v != "inconclusive"]
    assert len(set(decisive)) <= 1
    if decisive:
        first = verdicts.index(decisive[0])
        assert all(v != "inconclusive" for v in verdicts[first:])


def test_replications_needed_is_the_first_decisive_count():
    rule = above(0)
    mean, sd = 1.0, 3.0
    at = t_interval_at(mean, sd)
    brute = next(n for n in range(5, 10_000) if rule(mean, *at(n)) != "inconclusive")
    assert replications_needed(rule, mean, at, 4) == brute
    assert replications_needed(rule, 0.0, t_interval_at(0.0, sd), 4) == math.inf
    f = finding(FAKE, "m", [1.0, -2.0, 4.0, 0.5], rule, "c")
    assert f.verdict == "inconclusive" and f.replications == 4
    sd4 = float(np.std([1.0, -2.0, 4.0, 0.5], ddof=1))
    at4 = t_interval_at(f.value, sd4)
    assert f.replications_needed == next(n for n in range(5, 10_000)
                                         if rule(f.value, *at4(n)) != "inconclusive")
    assert math.isnan(finding(FAKE, "m", [1.0, 1.1, 0.9], rule, "c").replications_needed)


def test_share_findings_get_replications_needed_too():
    f = share_finding(FAKE, "share", 3, 10, below(0.5), "c")
    assert f.verdict == "inconclusive" and f.replications_needed > 10
    lo, hi = proportion_ci(0.3 * f.replications_needed, int(f.replications_needed))[1:]
    assert below(0.5)(0.3, lo, hi) == "holds"


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
    assert combine(["fails", "inconclusive"]) == "fails"
    assert combine(["inconclusive", "inconclusive"]) == "inconclusive"
    assert combine(["holds", "inconclusive"]) == "conditional"
    rows = [finding(FAKE, "a", [1, 1.1, 0.9], above(0), "long horizon"),
            finding(FAKE, "b", [-1, -1.1, -0.9], above(0), "short horizon")]
    s = summary_finding(FAKE, rows)
    assert s.verdict == "conditional"
    assert s.value == 0.5
    assert "holds: long horizon" in s.conditions and "fails: short horizon" in s.conditions
    rows.append(finding(FAKE, "c", [1, -1, 2], above(0), "few runs"))
    assert "inconclusive: few runs" in summary_finding(FAKE, rows).conditions


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
    assert (table["replications"] >= 0).all()
    assert "Verdict rules" in (tmp_path / "claims.md").read_text()
    assert "Built into the model" in (tmp_path / "claims.md").read_text()
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
    row = Finding("k", "s", "m", 1.0, 0.5, 1.5, "holds", "c", above(0), 4).as_row()
    assert list(row) == list(CSV_COLUMNS) and row["replications"] == 4
    assert "inconclusive" in row["rule"]


# --------------------------------------------------------------------------- sweeps in claims
def _tiny_sweep_dir(tmp_path):
    folder = tmp_path / "scenarios" / "sweeps"
    folder.mkdir(parents=True)
    (folder / "tiny.toml").write_text(
        '[sweep]\nevaluator = "sim.sweep.testfunctions:known_box"\ndesign = "lhs"\n'
        'samples = 40\nreplications = 2\nseed = 1\n'
        '[[sweep.parameters]]\npath = "x1"\nrange = [0.0, 1.0]\n'
        '[[sweep.parameters]]\npath = "x2"\nrange = [0.0, 1.0]\n')
    return tmp_path / "scenarios"


def test_sized_sweep_writes_the_size_into_the_sweep_text(tmp_path):
    path = _tiny_sweep_dir(tmp_path) / "sweeps" / "tiny.toml"
    spec = sized_sweep(path, Size(sweep_samples=12, sweep_replications=1))
    assert (spec.samples, spec.replications) == (12, 1)
    assert "samples = 12" in spec.text and spec.digest != sized_sweep(path, Size()).digest
    shipped = sized_sweep(SCENARIO_DIR / "sweeps" / "conditions.toml", QUICK)
    assert (shipped.samples, shipped.replications) == (QUICK.sweep_samples,
                                                         QUICK.sweep_replications)


def test_the_headlines_sweeps_are_shipped_and_labelled():
    """Both conditions sweeps load, state the outcome the report asks about, and every
    swept parameter has a name for the report's sentences; the headline-market sweep
    varies exactly price sensitivity and the horizon."""
    from sim.claims.conditions import LABELS, OUTCOME, SWEEPS
    from sim.sweep.spec import load_sweep

    for name, _title, _prefix in SWEEPS:
        spec = load_sweep(SCENARIO_DIR / "sweeps" / f"{name}.toml")
        assert OUTCOME in spec.text
        assert {p.path for p in spec.parameters} <= set(LABELS)
    market = load_sweep(SCENARIO_DIR / "sweeps" / "conditions_market.toml")
    assert [p.path for p in market.parameters] == ["customers.price_sensitivity", "run.steps"]


def test_runner_sweep_runs_once_and_reuses_a_finished_sweep(tmp_path):
    scenarios = _tiny_sweep_dir(tmp_path)
    size = Size(sweep_samples=10, sweep_replications=1)
    first = ClaimRunner(scenarios, size, sweep_dir=tmp_path / "out")
    out = first.sweep("tiny")
    assert out.name == "tiny_quick" and len(load_runs(out)) == 10
    messages = []
    again = ClaimRunner(scenarios, size, sweep_dir=tmp_path / "out", log=messages.append)
    assert again.sweep("tiny") == out
    assert "0 run(s) now, 10 already" in messages[0]
    full = ClaimRunner(scenarios, Size(), sweep_dir=tmp_path / "out").sweep("tiny")
    assert full.name == "tiny" and len(load_runs(full)) == 80


# --------------------------------------------------------------------------- economics
@pytest.fixture(scope="module")
def tiny_bucket():
    return ClaimRunner(size=Size(customer_share=0.1, replications=2)).results("leaky_bucket")


def test_winning_and_keeping_costs_follow_their_definitions(tiny_bucket):
    table = winning_and_keeping(tiny_bucket).set_index(["replication", "firm"])
    ts = tiny_bucket.timeseries
    one = ts[(ts["replication"] == 0) & (ts["firm"] == ts["firm"].iloc[0])]
    firm = one["firm"].iloc[0]
    win = one["acquisition_cost"].sum() / one["new_customers"].sum()
    kept_years = (one["active_customers"] - one["new_customers"]).clip(lower=0).sum() / 52
    keep = one[["service_cost", "recovery_cost", "points_cost"]].to_numpy().sum() / kept_years
    assert table.loc[(0, firm), "winning_cost"] == pytest.approx(win)
    assert table.loc[(0, firm), "keeping_cost"] == pytest.approx(keep)
    assert table.loc[(0, firm), "ratio"] == pytest.approx(win / keep)
    # the plugging firm spends more per customer kept than the pouring one
    leaky, plugged = ranked_firms(tiny_bucket.scenario, hole_plugging)
    assert (table.xs(plugged, level="firm")["keeping_cost"]
            > table.xs(leaky, level="firm")["keeping_cost"]).all()


def test_assumptions_name_real_parameters_and_appear_in_the_report(small_report):
    for a in ASSUMPTIONS:
        for path in a.parameters:
            default_value(path)  # raises KeyError for a parameter the schema lacks
    text = format_table(small_report)
    assert "Built into the model" in text and "Mela" in text and "Verdict rules" in text


# --------------------------------------------------------------------------- ablations
def test_ablation_changes_are_paired_by_replication():
    runner = ClaimRunner(size=Size(customer_share=0.05, replications=3))
    base = runner.results("tactical_discount")
    s = base.scenario
    briber, builder = discounter_and_builder(s)

    def lead(r):
        npv = by_firm(r, "npv")
        return npv[briber] - npv[builder]

    ingredients = [i for i in tactical_ingredients(s, runner.scenario("bribery_vs_trust"))
                   if "time preference" in i.name or "advertising" in i.name]
    assert ingredients[0].removed == {"market.annual_discount_rate": 0.08}
    rows, table = ablate(FAKE, runner, "tactical_discount", base, ingredients, lead, "lead")
    assert len(rows) == 2 * len(ingredients) and len(table) == len(ingredients)
    without = lead(runner.results("tactical_discount", ingredients[1].removed))
    change = (without - lead(base)).to_numpy()
    assert rows[3].value == pytest.approx(change.mean())
    assert table.loc[1, "change_mean"] == pytest.approx(change.mean())
    assert rows[3].rule == below(0) and rows[2].rule == above(0)


# ------------------------------------------------------------- the headline's conditions
@pytest.mark.slow
def test_headline_reports_the_region_where_it_fails(tmp_path):
    """The headline claim runs the shipped conditions sweeps (here 100 points of one
    replication each, the --quick size) and reports, for each, the region where the
    discounter out-earns the trust builder with coverage and density, computed from this
    run — or that no box reaches the density (the wide sweep at this size may not); in the
    headline's own market the region is high price sensitivity."""
    runner = ClaimRunner(size=Size(customer_share=0.1, replications=3, sweep_samples=100,
                                   sweep_replications=1), sweep_dir=tmp_path)
    report = evaluate_claims(runner, ["trust_beats_bribery"])
    result = report.results["trust_beats_bribery"]
    wide, market = result.notes[:2]
    assert wide.startswith("Scenario discovery over the conditions sweep")
    assert ("bribery out-earns trust when " in wide
            or "bribery out-earns trust: no box reaches density" in wide)
    assert "bribery out-earns trust when price sensitivity > " in market
    sweep_rows = [f for f in result.findings if "sweep's points" in f.metric]
    market_rows = [f for f in sweep_rows if "conditions_market sweep" in f.metric]
    assert len(market_rows) == 2 and len(sweep_rows) in (2, 4)
    for inside, outside in zip(sweep_rows[::2], sweep_rows[1::2], strict=True):
        assert "bribery out-earns trust when " in inside.conditions
        assert "coverage" in inside.conditions and "density" in inside.conditions
        assert inside.value < 0 < outside.value
    assert "price sensitivity > " in market_rows[0].conditions
    assert {"discovery_peeling", "discovery_box_limits", "market_discovery_peeling",
            "market_discovery_box_limits"} <= set(result.figures)
    assert (tmp_path / "conditions_quick" / "discovery" / "boxes.csv").exists()
    assert (tmp_path / "conditions_market_quick" / "discovery" / "boxes.csv").exists()
