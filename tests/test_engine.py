"""The engine: one set of loops, compiled or run as Python with the same results; rules
written once and seen by the compiled step when they change; clear errors at its edges."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.rules.trust
from sim.engine import jit
from sim.model import MarketModel
from sim.rules import RULES, replaced, rulebook
from sim.verify.mechanisms import trust_ladder_check

ROOT = Path(__file__).resolve().parent.parent

#: Run a small market for STEPS steps and print its series as JSON (in a subprocess, so
#: that NUMBA_DISABLE_JIT can take effect before numba is imported).
SCRIPT = """
import json, sys
import numpy as np
from sim.model import MarketModel
from sim.scenario import load_scenario
overrides = json.loads(sys.argv[1])
s = load_scenario("scenarios/bribery_vs_trust.toml").with_overrides(overrides)
m = MarketModel(s, seed=7)
for _ in range(s.run.steps):
    m.step()
print(json.dumps({"firms": m.firm_timeseries().to_json(), "market": m.market_timeseries().to_json(),
                  "trust": m.state.trust.tolist(), "need": m.state.need.tolist()}))
"""


def _run_in_subprocess(overrides: dict, jit_enabled: bool) -> dict:
    env = {**os.environ, "NUMBA_DISABLE_JIT": "0" if jit_enabled else "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(overrides)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize("overrides", [
    {"customers.arrivals_per_step": 2, "customers.exit_probability": 0.01,
     "customers.lapse_probability": 0.02, "customers.lapse_rate_shape": 0.8,
     "market.price_response": 0.3, "firms.0.levers.points_rate": 0.1},
    {"network.kind": "well_mixed", "customers.occasion_rate_shape": 0.5,
     "customers.dropout_probability": 0.05, "customers.dropout_concentration": 4.0,
     "customers.habit_probability": 1.0, "customers.trust_gain": 0.2,
     "customers.frequency_growth": 1.5},
], ids=["headline-with-turnover", "well-mixed-heterogeneous"])
def test_compiled_and_python_runs_give_the_same_trajectory(overrides):
    """NUMBA_DISABLE_JIT=1 runs the very same loops as Python: same draws, same
    arithmetic (double precision throughout), the same numbers to the last bit."""
    small = {"customers.n_initial": 250, "run.steps": 25, "customers.initial_awareness": 0.3,
             **overrides}
    compiled, python = (_run_in_subprocess(small, flag) for flag in (True, False))
    for table in ("firms", "market"):
        a, b = (pd.read_json(io.StringIO(x[table])) for x in (compiled, python))
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert compiled["trust"] == python["trust"] and compiled["need"] == python["need"]
    assert pd.read_json(io.StringIO(compiled["firms"]))["purchases"].sum() > 0


def test_stepping_past_the_sized_market_is_a_clear_error(small):
    """Arrivals fill rows reserved for run.steps steps; a step beyond them must not write
    past the arrays (the compiled loops do not check bounds)."""
    scenario = small.with_overrides({"customers.arrivals_per_step": 3, "run.steps": 4})
    model = MarketModel(scenario, seed=1)
    for _ in range(4):
        model.step()
    with pytest.raises(RuntimeError, match="sized for"):
        model.step()


def test_levers_changed_between_steps_reach_the_compiled_step(small):
    """The app moves levers between steps: from the next step on the market differs from
    a twin whose levers stayed, and not before."""
    scenario = small.with_overrides({"customers.n_initial": 800})
    changed, twin = MarketModel(scenario, seed=5), MarketModel(scenario, seed=5)
    for model in (changed, twin):
        for _ in range(5):
            model.step()
    changed.firms[1].set_lever("advertising", 0.5)
    changed.refresh_levers()
    for model in (changed, twin):
        for _ in range(3):
            model.step()
    a, b = (m.firm_timeseries() for m in (changed, twin))
    early = a["step"] <= 5
    pd.testing.assert_frame_equal(a[early], b[early])
    assert (a[~early & (a["firm"] == a["firm"].iloc[1])]["aware"].to_numpy()
            > b[~early & (b["firm"] == b["firm"].iloc[1])]["aware"].to_numpy()).all()


def _flipped_trust_update(trust, signal, band, gain, loss, tolerance):
    """The trust rule with the sign of the experience flipped (calling the rule as written
    under its own name, as docs/model.md shows)."""
    return update_trust(trust, -signal, band, gain, loss, tolerance)


update_trust = original_update_trust = RULES["update_trust"]


def _trajectory(scenario, steps: int = 20) -> pd.DataFrame:
    model = MarketModel(scenario, seed=3)
    for _ in range(steps):
        model.step()
    return model.firm_timeseries()


def _same_trust_update(trust, signal, band, gain, loss, tolerance):
    """The trust rule as written, under another function (a replacement that changes
    nothing)."""
    return update_trust(trust, signal, band, gain, loss, tolerance)


def test_a_replaced_rule_relinks_only_the_loops_that_call_it(small):
    """Replacing the trust update recompiles the loops it is inlined into (and those that
    call them), not the others; and a replacement that changes nothing runs exactly the
    default trajectory."""
    from sim.engine import experience as experience_module
    from sim.engine import presence, shop, step, talk

    book = {**RULES, "update_trust": _same_trust_update}
    spaces = jit.engine_for(book)
    assert spaces[step.__name__]["customer_step"] is not step.customer_step
    assert spaces[experience_module.__name__]["experience"] is not experience_module.experience
    for module, name in ((talk, "speak"), (presence, "arrive"), (shop, "choose")):
        assert spaces[module.__name__][name] is getattr(module, name), name
    before = _trajectory(small)
    with replaced(update_trust=_same_trust_update):
        pd.testing.assert_frame_equal(_trajectory(small), before)


@pytest.mark.slow
def test_a_replaced_rule_changes_the_compiled_engine_and_fails_the_docking(small, monkeypatch):
    """Editing one function changes what the default engine runs: assigning a flipped trust
    rule to its module (as a test or a notebook would) gives another trajectory, and the
    trust-ladder docking fails; restoring the rule restores the original trajectory."""
    before = _trajectory(small)
    assert all(row.passed for row in trust_ladder_check())
    monkeypatch.setattr(sim.rules.trust, "update_trust", _flipped_trust_update)
    assert rulebook()["update_trust"] is _flipped_trust_update
    flipped = _trajectory(small)
    assert not flipped["mean_trust"].equals(before["mean_trust"])
    assert np.nanmean(flipped["mean_trust"]) < np.nanmean(before["mean_trust"])
    assert not all(row.passed for row in trust_ladder_check())
    monkeypatch.undo()
    pd.testing.assert_frame_equal(_trajectory(small), before)


def _never_on_promotion(step, period, duration):
    return False


def _no_discount(list_price, depth):
    return list_price


def _no_failures(base, lever, mitigation):
    return 0.0


def _free_relationships(training, service, personalisation, training_cost, service_cost,
                        personalisation_cost):
    return 0.0


@pytest.mark.parametrize("rule, replacement", [
    ("promotion_active", _never_on_promotion), ("promotion_price", _no_discount),
    ("failure_probability", _no_failures), ("relationship_spend", _free_relationships)])
def test_a_replaced_rule_the_firms_apply_in_python_changes_the_default_engine(
        small, rule, replacement):
    """Rules the market applies around the compiled step (prices, failure chances, the
    cost of relationships) follow a replacement too: the trajectory changes, and comes
    back when the rule does."""
    before = _trajectory(small)
    with replaced(**{rule: replacement}):
        changed = _trajectory(small)
    assert not changed.equals(before), rule
    pd.testing.assert_frame_equal(_trajectory(small), before)


def test_no_module_beyond_the_rules_and_the_engine_binds_a_rule_by_name():
    """A replacement reaches a caller only if the caller looks the rule up in its module
    when it calls it (``pricing.promotion_price(...)``): the engine relinks the names it
    imports (:func:`sim.engine.jit.link`), every other module must not import a rule."""
    import ast

    bound = []
    for path in (ROOT / "sim").rglob("*.py"):
        if path.relative_to(ROOT / "sim").parts[0] in ("rules", "engine"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim.rules."):
                bound += [f"{path.relative_to(ROOT)}: {alias.name}" for alias in node.names
                          if alias.name in RULES]
    assert not bound, bound


def test_replaced_is_a_context_that_restores_and_checks_names():
    with replaced(update_trust=_flipped_trust_update):
        assert sim.rules.trust.update_trust is _flipped_trust_update
    assert sim.rules.trust.update_trust is original_update_trust
    with pytest.raises(KeyError, match="no rule named"), replaced(no_such_rule=abs):
        pass


def test_every_rule_is_used_by_the_engine_and_by_the_reference_model():
    """No dead rules: each one is called from the compiled loops or the market model (its
    population and firms) and from the per-agent reference model (whose firms are the
    market model's own agents)."""
    def calls(path: Path) -> str:  # the code, without its imports
        return "\n".join(line for line in path.read_text().splitlines()
                         if not line.lstrip().startswith(("from ", "import ")))

    engine = "".join(calls(p) for p in (ROOT / "sim").rglob("*.py")
                     if {"engine", "model"} & set(p.parts))
    reference = "".join(calls(ROOT / "sim" / "verify" / name)
                        for name in ("reference.py", "customer.py"))
    def reached(code: str) -> set[str]:  # called, or handed on (elementwise(rule)), or
        found = {n for n in RULES if re.search(rf"\b{n}\b\s*[()]", code)}
        while True:  # ... called by a rule that is
            more = {n for r in found for n in RULES[r].__code__.co_names if n in RULES}
            if more <= found:
                return found
            found |= more

    assert not set(RULES) - reached(engine), "rules the engine never calls"
    # promotion_active: the firms' schedule, in the Firm agents both models share.
    assert not set(RULES) - reached(reference) - {"promotion_active"}, (
        "rules the reference model never calls")


def test_the_cache_key_covers_every_rule_and_loop():
    """numba keys its cache on a file's timestamp only; the engine's cache folder is
    named after the content of every rule and loop, so an edited rule compiles afresh."""
    covered = {p.name for p in jit.SOURCES}
    assert {p.name for p in (ROOT / "sim" / "rules").glob("*.py")} <= covered
    assert {p.name for p in (ROOT / "sim" / "engine").glob("*.py")} <= covered
    assert jit.source_hash() in str(jit.cache_dir())


@pytest.mark.slow
def test_the_first_run_says_it_is_compiling_and_later_runs_do_not(tmp_path):
    """With an empty cache the command line says it is compiling (one line, in the
    background: a two-step run ends before the compile does, which goes on and fills the
    cache), and a run after that, loading from the cache, does not."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "sim.cli", "run", "--steps", "2", "-r", "1", "--quiet",
               "--out", str(tmp_path / "out")]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=900)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stderr.count("compiling the simulation engine in the background") == 1
    deadline = time.monotonic() + 900
    while not list(tmp_path.glob("trustmarket-*/compiled")) and time.monotonic() < deadline:
        time.sleep(1)
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "compiling" not in second.stderr
    assert np.isfinite(pd.read_csv(tmp_path / "out" / "summary.csv")["npv_mean"]).all()


_GAIN = 2.0
_AS_WRITTEN = RULES["update_trust"]


def _scaled_trust_update(trust, signal, band, gain, loss, tolerance):
    return min(1.0, _AS_WRITTEN(trust, signal, band, gain, loss, tolerance) * _GAIN)


def test_a_replacement_is_cached_under_a_hash_of_its_code_and_the_values_it_reads():
    """A relinked engine is cached on disk in a folder named after the replacement: the
    same code and constants give the same folder, a changed constant (numba compiles
    globals in as constants) another, and a value without stable text no cache at all."""
    global _GAIN
    book = {**RULES, "update_trust": _scaled_trust_update}
    first = jit.replacement_hash(book)
    assert first is not None and first == jit.replacement_hash(dict(book))
    assert jit.replacement_hash(RULES) != first
    try:
        _GAIN = 3.0
        assert jit.replacement_hash(book) != first
        _GAIN = object()
        assert jit.replacement_hash(book) is None
    finally:
        _GAIN = 2.0


RELINKED_RUN = """
import resource, sys
from sim.model import MarketModel
from sim.rules import RULES, replaced
from sim.scenario import HEADLINE
rule = RULES["update_trust"]
def halved(trust, signal, band, gain, loss, tolerance):
    return rule(trust, signal, band, gain * 0.5, loss, tolerance)
with replaced(update_trust=halved):
    m = MarketModel(HEADLINE, seed=1, **{"customers.n_initial": 200, "run.steps": 3})
    for _ in range(3):
        m.step()
r = resource.getrusage(resource.RUSAGE_SELF)
print(r.ru_utime + r.ru_stime, float(m.firm_timeseries()["cumulative_profit"].sum()))
"""


@pytest.mark.slow
def test_a_replaced_rule_compiles_once_and_later_processes_load_it(tmp_path):
    """The notebooks' path: a second process with the same replacement loads the relinked
    engine from the cache (a fraction of the compile's processor time), same results."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", RELINKED_RUN], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=1800)
        assert out.returncode == 0, out.stderr[-2000:]
        runs.append([float(x) for x in out.stdout.split()])
    (compile_cpu, first), (load_cpu, second) = runs
    assert first == second
    assert load_cpu < compile_cpu / 3
    assert any("-replaced-" in p.name for p in tmp_path.iterdir())
