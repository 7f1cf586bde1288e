"""Scenario discovery: safe expressions, derived sweep paths, PRIM boxes against known
answers, the CART view, the sweep pipeline end to end, the ``discover`` command, and the
headline's conditions sweep (slow)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.scenario import ScenarioError
from sim.sweep.boxes import find_boxes
from sim.sweep.discovery import discover, discover_cases, format_discovery, write_discovery
from sim.sweep.execute import run_sweep
from sim.sweep.expression import ExpressionError, parse
from sim.sweep.spec import load_sweep
from sim.sweep.testfunctions import KNOWN_BOX
from sim.sweep.trees import classification_tree, feature_scores

#: How far a found limit may sit from the known one, as a share of the parameter's range
#: (PRIM peels 5 % of the cases at a time and the labels carry 2 % noise).
TOLERANCE = 0.06

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


# --------------------------------------------------------------------------- expressions
def test_expression_evaluates_conditions_element_wise():
    e = parse("cumulative_profit_difference < 0 and `npv[Bargain Barn]` >= 1e3")
    assert e.is_condition
    assert e.names == ("cumulative_profit_difference", "npv[Bargain Barn]")
    got = e.evaluate({"cumulative_profit_difference": np.array([-1.0, 2.0, -3.0]),
                      "npv[Bargain Barn]": np.array([2000.0, 3000.0, 5.0])})
    assert got.tolist() == [True, False, False]
    assert parse("0 < a <= 2").evaluate({"a": np.array([0.0, 1.0, 2.0, 3.0])}).tolist() == [
        False, True, True, False]
    assert parse("not (a > 1 or a < -1)").evaluate({"a": np.array([0.5, 2.0])}).tolist() == [
        True, False]


def test_expression_arithmetic_and_bracketed_names():
    e = parse("round(customers.n_initial * customers.exit_probability)")
    assert not e.is_condition
    assert e.evaluate({"customers.n_initial": 1000, "customers.exit_probability": 0.0234}) == 23
    d = parse("cumulative_profit[Trusty Goods] - cumulative_profit[Bargain Barn] < -1.5e-3")
    assert d.names == ("cumulative_profit[Trusty Goods]", "cumulative_profit[Bargain Barn]")
    assert bool(d.evaluate({"cumulative_profit[Trusty Goods]": 1.0,
                            "cumulative_profit[Bargain Barn]": 2.0}))


@pytest.mark.parametrize("text", ["__import__('os').system('ls')", "a.b.c()", "open('x')",
                                  "lambda: 1", "a < 0 & b > 1", "a if b else c",
                                  "[a for a in b]", "a <", "", "'text' == a"])
def test_expression_rejects_anything_but_the_grammar(text):
    with pytest.raises(ExpressionError):
        parse(text)


def test_unknown_name_is_named_with_a_suggestion():
    with pytest.raises(ExpressionError, match=r"unknown outcome 'cumulative_profit_diference' "
                       r"\(did you mean 'cumulative_profit_difference'\?\)"):
        parse("cumulative_profit_diference < 0").check_names(
            ["cumulative_profit_difference", "npv_difference"], "outcome")


# --------------------------------------------------------------------------- derived paths
def _sweep_file(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_derived_path_follows_the_point(tmp_path):
    base = SCENARIOS / "bribery_vs_trust.toml"
    spec = load_sweep(_sweep_file(tmp_path, f"""
        [sweep]
        base = "{base}"
        design = "grid"
        overrides = {{ "customers.n_initial" = 400 }}
        [sweep.derived]
        "customers.arrivals_per_step" = "round(customers.n_initial * customers.exit_probability)"
        [[sweep.parameters]]
        path = "customers.exit_probability"
        values = [0.0, 0.0125, 0.02]
        """))
    got = [spec.point_overrides({"customers.exit_probability": p})["customers.arrivals_per_step"]
           for p in (0.0, 0.0125, 0.02)]
    assert got == [0, 5, 8] and all(isinstance(v, int) for v in got)


def test_bad_derived_paths_are_reported_together(tmp_path):
    base = SCENARIOS / "bribery_vs_trust.toml"
    path = _sweep_file(tmp_path, f"""
        [sweep]
        base = "{base}"
        [sweep.derived]
        "customers.wom_reach" = "2"
        "customers.arrivals_per_step" = "no_such.path * 2"
        "customers.n_initial" = "open('x')"
        [[sweep.parameters]]
        path = "customers.wom_reach"
        values = [1.0, 2.0]
        """)
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    text = str(err.value)
    assert "also a sweep parameter" in text and "no_such.path" in text and "Call" in text


# --------------------------------------------------------------------------- PRIM boxes
def _cases(n: int = 600, seed: int = 3, noise: float = 0.02) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 4)), columns=["x1", "x2", "x3", "x4"])
    inside = np.ones(n, dtype=bool)
    for name, (lo, hi) in KNOWN_BOX.items():
        inside &= (x[name] >= lo).to_numpy() & (x[name] <= hi).to_numpy()
    return x, inside ^ (rng.uniform(size=n) < noise)


def _assert_known_box(box, ranges=None):
    assert set(box.restricted) == set(KNOWN_BOX)
    for name, (lo, hi) in KNOWN_BOX.items():
        r = box.limits.loc[name]
        span = 1.0 if ranges is None else ranges[name][1] - ranges[name][0]
        if lo > 0:
            assert r["restricts_low"] and abs(r["low"] - lo) <= TOLERANCE * span, (name, r)
        if hi < 1:
            assert r["restricts_high"] and abs(r["high"] - hi) <= TOLERANCE * span, (name, r)
        assert all(q < 0.05 for q in (r["qp_low"], r["qp_high"]) if np.isfinite(q))


def test_prim_finds_the_known_box_and_nothing_else():
    x, y = _cases()
    boxes = find_boxes(x, y)
    assert len(boxes) >= 1
    _assert_known_box(boxes[0])
    assert boxes[0].coverage >= 0.85 and boxes[0].density >= 0.8
    # the noise cases outside the box form no box of their own
    assert all(b.density >= 0.8 for b in boxes)


def test_prim_covers_two_disjoint_boxes():
    rng = np.random.default_rng(6)
    x = pd.DataFrame(rng.uniform(0, 1, (800, 4)), columns=["a", "b", "c", "d"])
    y = (((x.a > 0.6) & (x.b > 0.5)) | ((x.c < 0.3) & (x.d < 0.4))).to_numpy()
    boxes = find_boxes(x, y)
    assert [set(b.restricted) for b in boxes] == [{"a", "b"}, {"c", "d"}]
    assert boxes[0].limits.loc["a", "restricts_low"] and boxes[1].limits.loc["c", "restricts_high"]
    assert sum(b.coverage for b in boxes) > 0.9
    assert all(b.density >= 0.8 for b in boxes)


def test_prim_restricts_a_categorical_parameter():
    rng = np.random.default_rng(9)
    x = pd.DataFrame({"a": rng.uniform(0, 1, 600),
                      "kind": pd.Categorical(rng.choice(["p", "q", "r"], 600))})
    y = ((x.kind == "r") & (x.a > 0.5)).to_numpy()
    box = find_boxes(x, y)[0]
    assert box.limits.loc["kind", "low"] == frozenset({"r"})
    assert abs(box.limits.loc["a", "low"] - 0.5) <= TOLERANCE
    assert box.contains(x).sum() == box.n


def test_nothing_to_discover_is_a_clear_error():
    x, _ = _cases(100)
    with pytest.raises(ValueError, match="holds in 0 of 100"):
        find_boxes(x, np.zeros(100, dtype=bool))


def test_cart_and_feature_scores_point_at_the_box():
    x, y = _cases()
    tree = classification_tree(x, y, max_depth=2)
    best = tree.leaves.iloc[0]
    assert best["predicts"] and best["density"] > 0.9
    assert "x1 >" in best["rule"] and "x2 <=" in best["rule"]
    assert tree.accuracy > 0.9
    scores = feature_scores(x, y)
    assert set(scores.index[:2]) == {"x1", "x2"}
    assert scores.sum() == pytest.approx(1.0)


def test_discovery_report_and_files(tmp_path):
    x, y = _cases()
    d = discover_cases(x, y, {c: (0.0, 1.0) for c in x.columns}, "y > 0.5")
    text = format_discovery(d)
    assert "box 1:" in text and "x1 >" in text and "x2 <" in text
    assert d.region_sentence().startswith("y > 0.5 holds when ")
    written = write_discovery(d, tmp_path)
    names = {p.name for p in written}
    assert {"boxes.csv", "trajectory.csv", "tree_leaves.csv", "feature_scores.csv",
            "peeling.png", "box_limits.png", "scatter_box1.png"} <= names
    boxes = pd.read_csv(tmp_path / "boxes.csv")
    assert set(boxes["parameter"]) == set(KNOWN_BOX)


# --------------------------------------------------------------------------- a sweep, end to end
@pytest.fixture(scope="module")
def box_sweep(tmp_path_factory):
    """A Latin-hypercube sweep of the known-box test function, run into a store."""
    folder = tmp_path_factory.mktemp("box_sweep")
    spec = load_sweep(_sweep_file(folder, """
        [sweep]
        evaluator = "sim.sweep.testfunctions:known_box"
        design = "lhs"
        samples = 500
        replications = 1
        seed = 4
        [[sweep.parameters]]
        path = "x1"
        range = [0.0, 1.0]
        [[sweep.parameters]]
        path = "x2"
        range = [0.0, 1.0]
        [[sweep.parameters]]
        path = "x3"
        range = [-1.0, 1.0]
        """))
    out = folder / "runs"
    run_sweep(spec, out, workers=1, progress=False)
    return out


def test_discover_on_a_sweep_store_finds_the_known_box(box_sweep):
    d = discover(box_sweep, "y > 0.5")
    assert len(d.y) == 500 and d.per == "point"
    _assert_known_box(d.boxes[0], d.ranges)
    assert d.ranges["x3"] == (-1.0, 1.0)


def test_cli_discover_prints_and_writes(box_sweep, tmp_path, capsys):
    assert main(["discover", str(box_sweep), "--where", "y > 0.5", "--out",
                 str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "box 1: coverage" in out and "Feature scores" in out
    assert (tmp_path / "peeling.png").exists() and (tmp_path / "boxes.csv").exists()


def test_cli_discover_names_an_unknown_outcome(box_sweep, capsys):
    assert main(["discover", str(box_sweep), "--where", "z > 0.5"]) == 2
    err = capsys.readouterr().err
    assert "unknown outcome 'z'" in err and "Known outcomes: y" in err
    assert main(["discover", str(box_sweep), "--where", "y + 1"]) == 2
    assert "is not a condition" in capsys.readouterr().err


# --------------------------------------------------------------------------- the headline
@pytest.mark.slow
def test_headline_fails_at_high_price_sensitivity(tmp_path):
    """On a reduced sweep of the headline (price sensitivity over the conditions sweep's
    range, ten years, 500 customers, 40 points x 3 replications: PRIM's greedy peeling
    sticks on single noisy points near the boundary), the region where the discounter
    out-earns the trust builder is high price sensitivity: at the default 1.0 the trust
    builder leads, at 2.0 the discounter does."""
    base = SCENARIOS / "bribery_vs_trust.toml"
    conditions = load_sweep(SCENARIOS / "sweeps" / "conditions.toml")
    low, high = next(p.range for p in conditions.parameters
                     if p.path == "customers.price_sensitivity")
    spec = load_sweep(_sweep_file(tmp_path, f"""
        [sweep]
        base = "{base}"
        design = "lhs"
        samples = 40
        replications = 3
        seed = 5
        difference = ["Trusty Goods", "Bargain Barn"]
        overrides = {{ "customers.n_initial" = 500 }}
        [[sweep.parameters]]
        path = "customers.price_sensitivity"
        range = [{low}, {high}]
        """))
    out = tmp_path / "runs"
    run_sweep(spec, out, workers=1, progress=False)
    d = discover(out, "cumulative_profit_difference < 0")
    box = d.boxes[0]
    r = box.limits.loc["customers.price_sensitivity"]
    assert r["restricts_low"] and not r["restricts_high"]
    assert 1.0 < r["low"] < 2.0
    assert box.density >= 0.8
