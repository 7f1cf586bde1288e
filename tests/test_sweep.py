"""Sweeps: validation, identical results on Dask and in one process, kill and resume,
Sobol indices of a known function through the whole pipeline, flat memory.

Runtime ~35 s on 2 cores (two Dask LocalCluster starts, a killed subprocess sweep).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from sim.scenario import ScenarioError
from sim.sweep import store
from sim.sweep.analyze import analyze
from sim.sweep.execute import run_sweep
from sim.sweep.spec import load_sweep
from sim.sweep.testfunctions import ISHIGAMI_S1, ISHIGAMI_ST

HEADLINE = Path(__file__).resolve().parent.parent / "scenarios" / "bribery_vs_trust.toml"
ROOT = HEADLINE.parent.parent


def _write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


NOISY = """
[sweep]
evaluator = "sim.sweep.testfunctions:noisy_sum"
design = "lhs"
samples = {samples}
replications = {replications}
seed = 5
[[sweep.parameters]]
path = "a"
range = [0.0, 1.0]
"""


def market_sweep(tmp_path: Path, steps: int = 30, name: str = "sweep.toml",
                 replications: int = 2) -> Path:
    return _write(tmp_path, f"""
[sweep]
base = "{HEADLINE}"
design = "grid"
replications = {replications}
seed = 99
difference = ["Trusty Goods", "Bargain Barn"]
overrides = {{ "customers.n_initial" = 300, "run.steps" = {steps} }}

[[sweep.parameters]]
path = "firms.0.levers.discount_depth"
values = [0.0, 0.2, 0.4]

[[sweep.parameters]]
path = "network.kind"
choices = ["watts_strogatz", "erdos_renyi"]
""", name)


def test_every_problem_is_named_by_path(tmp_path):
    path = _write(tmp_path, f"""
[sweep]
base = "{HEADLINE}"
design = "sobl"
replications = 0
colour = 3
[[sweep.parameters]]
path = "customers.wom_rech"
values = [1, 2]
[[sweep.parameters]]
path = "customers.wom_rate_satisfied"
range = [0.5, 1.5]
[[sweep.parameters]]
path = "network.kind"
choices = ["ring"]
[[sweep.parameters]]
path = "customers.trust_gain"
range = [0.2, 0.1]
""")
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    text = str(err.value)
    assert text.startswith(f"{path}: 7 problem(s) in sweep file")
    for fragment in ("sweep.colour", "did you mean 'sobol'", "sweep.replications = 0",
                     "did you mean 'wom_reach'", "sweep.parameters[1] (customers.wom_rate_"
                     "satisfied) = 1.5", "'ring'", "sweep.parameters[3].range"):
        assert fragment in text, fragment
    assert len(err.value.problems) == 7


def test_example_sweeps_validate():
    for path in sorted((ROOT / "scenarios" / "sweeps").glob("*.toml")):
        spec = load_sweep(path)
        assert spec.difference == ("Trusty Goods", "Bargain Barn")
    assert len(list((ROOT / "scenarios" / "sweeps").glob("*.toml"))) >= 3


def test_distributions_map_the_unit_cube_inside_their_range(tmp_path):
    """LHS over a normal and a loguniform range: every value inside its range; the normal
    one centred (mean within 0.02 of the midpoint) and narrower than uniform (sd of a 95 %
    normal truncated to the range: 0.222 of the width, uniform 0.289, tolerance 0.01);
    loguniform's median at the geometric mean (within 10 %)."""
    spec = load_sweep(_write(tmp_path, NOISY.format(samples=2000, replications=1).replace(
        'range = [0.0, 1.0]', 'range = [0.0, 1.0]\ndistribution = "normal"') + """
[[sweep.parameters]]
path = "b"
range = [0.01, 100.0]
distribution = "loguniform"
"""))
    from sim.sweep.design import points

    table = points(spec)
    a, b = table["a"], table["b"]
    assert a.between(0, 1).all() and b.between(0.01, 100).all()
    assert abs(a.mean() - 0.5) < 0.02
    assert a.std() == pytest.approx(0.222, abs=0.01)
    assert b.median() == pytest.approx(1.0, rel=0.1)


def test_dask_local_cluster_and_one_process_give_identical_results(tmp_path):
    spec = load_sweep(market_sweep(tmp_path))
    run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    run_sweep(spec, tmp_path / "dask", workers=2, progress=False)  # LocalCluster, 2 processes
    serial, dask = store.load_runs(tmp_path / "serial"), store.load_runs(tmp_path / "dask")
    assert len(serial) == 6 * 2
    pd.testing.assert_frame_equal(serial, dask)
    assert serial["cumulative_profit_difference"].nunique() == len(serial)


def test_a_running_scheduler_by_address_gives_the_same_results(tmp_path):
    """``--scheduler ADDRESS`` path: a cluster started elsewhere, reached by its address;
    batches of cheap runs grow past one run, and the seeds, not the batching, decide."""
    from dask.distributed import LocalCluster

    spec = load_sweep(_write(tmp_path, NOISY.format(samples=40, replications=25)))
    run_sweep(spec, tmp_path / "serial", workers=1, progress=False)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster:
        run_sweep(spec, tmp_path / "remote", scheduler=cluster.scheduler_address,
                  progress=False)
    serial, remote = store.load_runs(tmp_path / "serial"), store.load_runs(tmp_path / "remote")
    assert len(serial) == 1000
    pd.testing.assert_frame_equal(serial, remote)
    assert len(store.run_files(tmp_path / "remote")) < 100, "runs should travel in batches"


def test_killed_sweep_resumes_with_every_run_exactly_once(tmp_path):
    path = market_sweep(tmp_path, steps=60, replications=6)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(out),
           "--workers", "2", "--quiet"]
    log = tmp_path / "sweep.log"  # a file, not a pipe: a full pipe would stall the sweep
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 120
    # wait for a few finished runs (part files appear whole: written to a temp name, renamed)
    while len(store.done_keys(out)) < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    # a real kill of the driver and its Dask workers (one process group): no clean-up runs
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = store.done_keys(out)
    assert 4 <= len(partial) < 36, "the kill should land part-way"

    counts = run_sweep(load_sweep(path), out, workers=1, resume=True, progress=False)
    assert counts == {"total": 36, "done_before": len(partial), "ran": 36 - len(partial)}
    resumed = store.load_runs(out)
    assert not resumed.duplicated(["point", "replication"]).any()
    assert len(resumed) == 36

    run_sweep(load_sweep(path), tmp_path / "whole", workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed, store.load_runs(tmp_path / "whole"))


def test_resume_refuses_a_changed_sweep_and_a_fresh_run_refuses_a_used_directory(tmp_path):
    path = market_sweep(tmp_path, steps=5)
    out = tmp_path / "out"
    run_sweep(load_sweep(path), out, workers=1, progress=False)
    with pytest.raises(store.SweepError, match="--resume"):
        run_sweep(load_sweep(path), out, workers=1, progress=False)
    path.write_text(path.read_text().replace("0.4]", "0.5]"))
    with pytest.raises(store.SweepError, match="different sweep"):
        run_sweep(load_sweep(path), out, workers=1, resume=True, progress=False)


ISHIGAMI = """
[sweep]
evaluator = "sim.sweep.testfunctions:ishigami"
design = "{design}"
samples = {samples}
seed = 3
[[sweep.parameters]]
path = "x1"
range = [-3.141592653589793, 3.141592653589793]
[[sweep.parameters]]
path = "x2"
range = [-3.141592653589793, 3.141592653589793]
[[sweep.parameters]]
path = "x3"
range = [-3.141592653589793, 3.141592653589793]
"""


def test_sobol_indices_of_ishigami_through_the_pipeline(tmp_path):
    """Sampling, runs written to Parquet, reading back, per-point means, SALib analysis:
    the Ishigami indices within 0.05 (Saltelli with 2,048 base samples)."""
    spec = load_sweep(_write(tmp_path, ISHIGAMI.format(design="sobol", samples=2048)))
    run_sweep(spec, tmp_path / "ishigami", workers=1, progress=False)
    result = analyze(tmp_path / "ishigami")
    indices = result["sensitivity"].set_index("parameter")
    assert len(result["runs"]) == 2048 * 5
    for name, s1, st in zip(("x1", "x2", "x3"), ISHIGAMI_S1, ISHIGAMI_ST, strict=True):
        assert indices.loc[name, "S1"] == pytest.approx(s1, abs=0.05), name
        assert indices.loc[name, "ST"] == pytest.approx(st, abs=0.05), name
    assert (tmp_path / "ishigami" / "analysis" / "sensitivity.png").exists()


def test_morris_design_is_analysed(tmp_path):
    spec = load_sweep(_write(tmp_path, ISHIGAMI.format(design="morris", samples=50)))
    run_sweep(spec, tmp_path / "morris", workers=1, progress=False)
    indices = analyze(tmp_path / "morris")["sensitivity"].set_index("parameter")
    # x3 acts only through its interaction with x1: the smallest mean elementary effect.
    assert indices["mu_star"].idxmin() == "x3"
    assert (indices["mu_star"] > 0).all()


def _peak_bytes(tmp_path: Path, samples: int, replications: int, name: str) -> int:
    spec = load_sweep(_write(tmp_path, NOISY.format(samples=samples, replications=replications),
                             f"{name}.toml"))
    tracemalloc.start()
    run_sweep(spec, tmp_path / name, workers=1, progress=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(store.load_runs(tmp_path / name)) == samples * replications
    return peak


def test_memory_stays_flat_as_runs_grow(tmp_path):
    """Results go to disk in bounded batches, so the driver's peak memory does not grow
    with the number of runs. After a warm-up (imports, library caches), going from 4,000
    to 16,000 runs adds less than 20 bytes of peak per extra run — a result row kept in
    memory would cost over 400. More points grow only the design table (~100 bytes a
    point)."""
    _peak_bytes(tmp_path, 50, 10, "warm_up")
    fewer = _peak_bytes(tmp_path, 50, 80, "fewer")
    more = _peak_bytes(tmp_path, 50, 320, "more")
    assert (more - fewer) / (16_000 - 4_000) < 20, (fewer, more)
    many_points = _peak_bytes(tmp_path, 8000, 1, "many_points")
    assert (many_points - fewer) / (8000 - 4000) < 250, (fewer, many_points)


@pytest.mark.parametrize(("edit", "fragment"), [
    ('samples = {samples}', 'samples = 10000000'),
    ('range = [0.0, 1.0]', 'range = [nan, 1.0]'),
    ('range = [0.0, 1.0]', 'range = [-1e308, 1e308]'),
    ('range = [0.0, 1.0]', 'range = [0.0, 1.0]\nlevels = 1000000000000000000'),
    ('seed = 5', 'seed = -3')])
def test_sweep_sizes_and_ranges_are_bounded_before_the_design_is_built(tmp_path, edit,
                                                                        fragment):
    """A typo such as ``levels = 10**18`` would hang building the grid; a NaN or infinite
    range would put NaN into every point. Each is named at load."""
    text = NOISY.replace("lhs", "grid" if "levels" in fragment else "lhs").replace(
        edit, fragment).format(samples=8, replications=2)
    with pytest.raises(ScenarioError) as err:
        load_sweep(_write(tmp_path, text))
    assert "sweep" in str(err.value)
