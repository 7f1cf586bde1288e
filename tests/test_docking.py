"""Docking with analytic results (the checks of ``trustmarket verify``, fixed seeds).

Bass diffusion at n = 10,000 for p = 0.03, q = 0.38 (max gap <= 0.02 to the discrete
recursion with yearly steps and to the continuous curve with weekly steps); leaky-bucket
steady state A/d and lifetime value m(1+i)/(1+i-r) within 2 %; word-of-mouth reach within
3 %; corner cases. Each check can fail: the last tests feed it a wrong expectation.
Runtime ~35 s (2 cores).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import verify
from sim.verify import analytic, reference_docking, suite
from sim.cli import main


def test_reference_curves_are_bass():
    f = verify.bass_recursion(0.03, 0.38, 10)
    assert f[5] == pytest.approx(0.370, abs=5e-4) and f[9] == pytest.approx(0.783, abs=5e-4)
    c = verify.bass_curve(0.03, 0.38, np.array([6.0, 10.0]))
    np.testing.assert_allclose(c, [0.439, 0.813], atol=5e-4)


def test_bass_diffusion():
    rows = verify.bass_checks(n=10_000, pairs=[(0.03, 0.38)])
    assert len(rows) == 2
    for r in rows:
        assert r.passed, r
        assert r.measured <= 0.02


def test_bass_check_detects_a_wrong_q():
    """Simulating q = 0.38 against the curve of q = 0.5 must fail the 0.02 tolerance."""
    sim_curve = analytic._adoption(verify.bass_market(0.03, 0.38, 10_000, 10, 1), 4, 1)
    assert np.max(np.abs(sim_curve - verify.bass_recursion(0.03, 0.5, 10))) > 0.02


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


def test_well_mixed_spread_tells_reach_others_on_average():
    from sim.rules.word_of_mouth import spread_well_mixed

    rng = np.random.default_rng(0)
    speakers = np.arange(0, 1000, 7)
    owner, listener = spread_well_mixed(speakers, 1000, 4.0, rng)
    assert (listener != speakers[owner]).all()
    assert ((listener >= 0) & (listener < 1000)).all()
    assert owner.size / speakers.size == pytest.approx(4.0, rel=0.1)


def test_verify_command_writes_table_and_figure(tmp_path, monkeypatch):
    # The docking comparisons have their own tests (test_reference.py); here the command's
    # table, files and exit code, with one failing row injected to see the exit code move.
    def fake_equivalence(name, **kwargs):
        return [verify.Check(f"docking {name}", 0.0, 0.0, 1.0, True)]

    monkeypatch.setattr(suite, "equivalence", fake_equivalence)
    assert main(["verify", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "verify.csv")
    assert list(table.columns) == ["check", "expected", "measured", "tolerance", "passed"]
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
    ("bass.toml", lambda: verify.bass_market(0.03 / 52, 0.38 / 52, 10_000, 520, 52)),
    ("leaky_bucket_steady_state.toml", lambda: verify.bucket_market(50, 0.02, 600)),
    ("lifetime_value.toml", lambda: verify.clv_market(20_000, 0.8, 1.0, 0.6, 0.1)),
])
def test_set_up_files_are_the_checks_set_ups(file, built):
    """The scenario files are the readable, runnable statement of the analytic checks'
    default set-ups; they must not drift from what the checks build."""
    from sim.scenario import load_scenario

    on_file = load_scenario(reference_docking.VERIFICATION_DIR / file)
    assert _market_only(on_file) == _market_only(built())
