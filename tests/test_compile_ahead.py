"""The first run on an empty cache: markets step as Python while the engine compiles in
another process, then switch to the compiled engine with the trajectory unchanged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.model import MarketModel, compile_ahead
from sim.rules import replaced, trust

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ROOT / "scenarios" / "bribery_vs_trust.toml"
SMALL = {"customers.n_initial": 500, "customers.arrivals_per_step": 4, "run.steps": 24}


def _run(monkeypatch: pytest.MonkeyPatch, python_steps: int, steps: int = 24):
    """A market whose background compile 'finishes' after ``python_steps`` steps."""
    polls = iter([True] * python_steps)
    monkeypatch.setattr(compile_ahead, "running", lambda: next(polls, False))
    monkeypatch.setattr(compile_ahead, "steps_as_python", lambda: python_steps > 0)
    model = MarketModel(HEADLINE, seed=7, overrides=SMALL)
    tables, modes = [], []
    for _ in range(steps):
        model.step()
        tables.append(model.firm_table.copy())
        modes.append(model.runs_as_python)
    monkeypatch.undo()
    return model, np.array(tables), modes


@pytest.mark.parametrize("python_steps", [1, 9])
def test_switching_to_the_compiled_engine_keeps_the_trajectory(monkeypatch, python_steps):
    compiled, compiled_tables, _ = _run(monkeypatch, 0)
    tiered, tiered_tables, modes = _run(monkeypatch, python_steps)
    # the first python_steps steps ran as Python (the switch comes at a step's start)
    assert modes[:python_steps - 1] == [True] * (python_steps - 1)
    assert not any(modes[python_steps:])
    np.testing.assert_array_equal(tiered_tables, compiled_tables)
    assert tiered.market_timeseries().equals(compiled.market_timeseries())
    for name in ("trust", "expectation", "presence", "firm", "reference_price", "need"):
        np.testing.assert_array_equal(getattr(tiered.state, name),
                                      getattr(compiled.state, name), err_msg=name)


def test_a_market_that_steps_as_python_throughout_matches_too(monkeypatch):
    _, compiled_tables, _ = _run(monkeypatch, 0, steps=6)
    _, python_tables, modes = _run(monkeypatch, 100, steps=6)
    assert all(modes)
    np.testing.assert_array_equal(python_tables, compiled_tables)


def test_replaced_rules_compile_here_not_as_python(monkeypatch):
    monkeypatch.setattr(compile_ahead, "running", lambda: True)

    def flipped(*args):
        return trust.update_trust(*args)

    with replaced(update_trust=flipped):
        assert not compile_ahead.steps_as_python()
    assert compile_ahead.steps_as_python()


def test_nothing_starts_when_the_engine_is_cached():
    MarketModel(HEADLINE, seed=1, overrides=SMALL).step()  # compiled and cached by now
    assert not compile_ahead.start()
    assert not compile_ahead.running()


def test_a_failed_background_compile_is_reported_and_compiled_here(monkeypatch, caplog):
    monkeypatch.setattr(compile_ahead, "_failed", False)
    monkeypatch.setattr(compile_ahead, "_WARM_UP", "import sys; sys.exit('no compiler here')")
    monkeypatch.setattr(compile_ahead.jit, "needs_compiling", lambda: True)
    monkeypatch.setattr(compile_ahead.os, "cpu_count", lambda: 2)
    with caplog.at_level(logging.INFO, logger="trustmarket"):
        assert compile_ahead.start()
        compile_ahead.wait()
    assert not compile_ahead.running()
    messages = [r.getMessage() for r in caplog.records]
    assert any("in the background" in m for m in messages)
    assert any("background compile failed" in m and "no compiler here" in m for m in messages)
    assert not compile_ahead.start()  # not retried: the next model compiles here


def test_one_core_compiles_here(monkeypatch):
    monkeypatch.setattr(compile_ahead.jit, "needs_compiling", lambda: True)
    monkeypatch.setattr(compile_ahead.os, "cpu_count", lambda: 1)
    assert not compile_ahead.start()


SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from sim.model import MarketModel, compile_ahead
    over = {"customers.n_initial": 300, "run.steps": 100_000}
    started = compile_ahead.start()
    model = MarketModel(sys.argv[1], seed=5, overrides=over)
    modes, at_least = [], int(sys.argv[2])
    while compile_ahead.running() or model.runs_as_python or len(modes) < at_least:
        model.step(); modes.append(model.runs_as_python)
    for _ in range(3):
        model.step(); modes.append(model.runs_as_python)
    print(json.dumps({"started": started, "modes": modes,
                      "table": model.firm_timeseries().drop(columns="strategy")
                                    .select_dtypes("number").to_numpy().tolist()}))
""")


@pytest.mark.slow
def test_a_real_background_compile_on_an_empty_cache(tmp_path):
    """A fresh process on an empty cache: steps as Python at once, switches when the
    child has compiled, and its trajectory is the compiled one (compared with a run that
    loads the cache the child left)."""
    import json

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", SCRIPT, str(HEADLINE), "0"], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True, timeout=900)
    cold = json.loads(first.stdout.strip().splitlines()[-1])
    assert cold["started"]
    assert cold["modes"][0] and not cold["modes"][-1]
    steps = len(cold["modes"]) - 3
    second = subprocess.run([sys.executable, "-c", SCRIPT, str(HEADLINE), str(steps)],
                            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
                            timeout=900)
    warm = json.loads(second.stdout.strip().splitlines()[-1])
    assert not warm["started"] and not any(warm["modes"])
    np.testing.assert_array_equal(np.array(cold["table"]), np.array(warm["table"]))


def test_a_compile_another_run_left_going_is_waited_for_not_repeated(monkeypatch, tmp_path):
    """A run that ended before its background compile leaves it going; the next run
    steps as Python until that compile is done instead of starting another."""
    monkeypatch.setattr(compile_ahead, "_failed", False)
    monkeypatch.setattr(compile_ahead.jit, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(compile_ahead.os, "cpu_count", lambda: 2)
    compiled = {"yet": False}
    monkeypatch.setattr(compile_ahead.jit, "needs_compiling", lambda: not compiled["yet"])

    def no_second_compile(*args, **kwargs):
        raise AssertionError("a second compile was started")

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setattr(compile_ahead.subprocess, "Popen", no_second_compile)
    try:
        (tmp_path / compile_ahead.PID_FILE).write_text(str(other.pid))
        assert compile_ahead.start() and compile_ahead.running()
        assert compile_ahead.steps_as_python()
        compiled["yet"] = True  # the other process's compile marked the cache
        assert not compile_ahead.running()
    finally:
        other.kill()
        other.wait()
    compiled["yet"] = False
    assert compile_ahead._compiling_elsewhere() is None  # its process is gone
    os.utime(tmp_path / compile_ahead.PID_FILE, (0, 0))
    assert compile_ahead._compiling_elsewhere() is None  # and a stale file is ignored


def test_a_notebook_is_told_of_a_compile_too(capsys, caplog, monkeypatch):
    """With logging unconfigured the engine's notice goes to a script's standard error or
    a notebook cell's output; where a handler listens (the command line, caplog) it is
    logged."""
    from sim import engine

    logger = logging.getLogger("trustmarket")
    monkeypatch.setattr(logger, "propagate", False)
    monkeypatch.setattr(logger, "handlers", [])
    engine.say("compiling the simulation engine (test)")
    assert capsys.readouterr().err == "compiling the simulation engine (test)\n"
    monkeypatch.setitem(sys.modules, "ipykernel", object())  # a notebook: the cell's output
    engine.say("compiling the simulation engine (notebook)")
    assert capsys.readouterr() == ("compiling the simulation engine (notebook)\n", "")
    monkeypatch.delitem(sys.modules, "ipykernel")
    monkeypatch.setattr(logger, "propagate", True)
    with caplog.at_level(logging.INFO, logger="trustmarket"):
        engine.say("compiling the simulation engine (logged)")
    assert "compiling the simulation engine (logged)" in caplog.text
    assert capsys.readouterr().err == ""
