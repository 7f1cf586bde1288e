"""Docking with analytic results (the checks of ``trustmarket verify``, fixed seeds).

Bass diffusion at n = 10,000 (max gap <= 0.02 to the discrete recursion with yearly steps
and to the continuous curve with weekly steps, <= 0.01 to the recursion the model's rules
imply, each with its standard error), also at strong word of mouth; leaky-bucket steady
state A/d and lifetime value m(1+i)/(1+i-r) within 2 %; word-of-mouth reach within 3 %;
single mechanisms against their closed forms; corner cases. Each check can fail: some
tests feed it a wrong expectation or a broken rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import verify
from sim.cli import main
from sim.verify import analytic, reference_docking, suite


def test_reference_curves_are_bass():
    f = verify.bass_recursion(0.03, 0.38, 10)
    assert f[5] == pytest.approx(0.370, abs=5e-4) and f[9] == pytest.approx(0.783, abs=5e-4)
    c = verify.bass_curve(0.03, 0.38, np.array([6.0, 10.0]))
    np.testing.assert_allclose(c, [0.439, 0.813], atol=5e-4)


@pytest.mark.parametrize("pair", [(0.03, 0.38), pytest.param((0.1, 1.0), marks=pytest.mark.slow)])
def test_bass_diffusion(pair):
    rows = verify.bass_checks(n=10_000, pairs=[pair])
    assert len(rows) == 4
    for r in rows:
        assert r.passed, r
        assert r.measured <= 0.02 and np.isfinite(r.standard_error)


def test_the_model_recursion_is_bass_where_the_awareness_chance_stays_below_one():
    """With weak word of mouth the cap never binds and the model's recursion is Bass's;
    with strong word of mouth and few, long steps it departs (the cap binds)."""
    weak = verify.bass_market(0.03, 0.38, 10_000, 10, 1)
    # (the model's messages come from the other n - 1 people: a 1e-4 relative difference)
    np.testing.assert_allclose(verify.model_recursion(weak, 10),
                               verify.bass_recursion(0.03, 0.38, 10), atol=2e-4)
    strong = verify.bass_market(0.1, 1.0, 10_000, 10, 1).with_overrides(
        {"customers.wom_reach": 5.0, "customers.wom_persuasion": 0.2})
    gap = np.abs(verify.model_recursion(strong, 10) - verify.bass_recursion(0.1, 1.0, 10))
    assert gap.max() > 0.01


def test_bass_check_detects_a_wrong_q():
    """Simulating q = 0.38 against the curve of q = 0.5 must fail the 0.02 tolerance."""
    sim_curve, _ = analytic._adoption(verify.bass_market(0.03, 0.38, 10_000, 10, 1), 4, 1)
    assert np.max(np.abs(sim_curve - verify.bass_recursion(0.03, 0.5, 10))) > 0.02


def test_single_mechanisms_follow_their_closed_forms():
    rows = verify.mechanism_checks()
    assert len(rows) >= 6
    assert all(r.passed for r in rows), [r.check for r in rows if not r.passed]


def test_leaky_bucket_steady_state():
    check = verify.bucket_check(replications=2)
    assert check.passed, check
    wrong = verify.Check.within("d misread", 50 / 0.03, check.measured, 0.02, relative=True)
    assert not wrong.passed


def test_customer_lifetime_value():
    check = verify.clv_check()
    assert check.passed, check
    assert abs(check.measured - check.expected) <= 0.02 * check.expected


def test_word_of_mouth_reach():
    rows = verify.reach_checks()
    assert [r.expected for r in rows] == [4.0, 3.0, 5.0]
    assert all(r.passed for r in rows), rows


@pytest.mark.parametrize("check", verify.corner_cases(), ids=lambda c: c.check[13:40])
def test_corner_cases(check):
    assert check.passed, check.check


def test_verify_command_writes_table_and_figure(tmp_path, monkeypatch):
    # The docking comparisons have their own tests (test_reference.py); here the command's
    # table, files and exit code, with one failing row injected to see the exit code move.
    def fake_equivalence(name, **kwargs):
        return [verify.Check(f"docking {name}", 0.0, 0.0, 1.0, True)]

    monkeypatch.setattr(suite, "equivalence", fake_equivalence)
    assert main(["verify", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "verify.csv")
    assert list(table.columns) == ["check", "expected", "measured", "tolerance", "passed",
                                   "standard_error"]
    assert table["passed"].all() and len(table) > 15
    assert (tmp_path / "bass.png").stat().st_size > 10_000

    monkeypatch.setattr(suite, "equivalence", lambda name, **kw: [
        verify.Check(f"docking {name}", 0.0, 1.0, 0.1, False)])
    assert main(["verify", "--quick", "--quiet", "--out", str(tmp_path / "bad")]) == 1


def _market_only(scenario) -> dict:
    """What the model reads of a scenario: everything but names and the strategy table
    (the firms' levers are resolved already)."""
    d = scenario.to_dict()
    for key in ("name", "description", "strategies"):
        d.pop(key, None)
    for firm in d["firms"]:
        firm.pop("strategy", None)
    return d


@pytest.mark.parametrize("file, built", [
    ("bass.toml", lambda: verify.bass_market(0.03, 0.38, 10_000, 520, 52)),
    ("leaky_bucket_steady_state.toml", lambda: verify.bucket_market(50, 0.02, 600)),
    ("lifetime_value.toml", lambda: verify.clv_market(20_000, 0.8, 1.0, 0.6, 0.1)),
])
def test_set_up_files_are_the_checks_set_ups(file, built):
    """The scenario files are the readable, runnable statement of the analytic checks'
    default set-ups; they must not drift from what the checks build."""
    from sim.scenario import load_scenario

    on_file = load_scenario(reference_docking.VERIFICATION_DIR / file)
    assert _market_only(on_file) == _market_only(built())
