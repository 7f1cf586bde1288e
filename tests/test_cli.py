"""The command line: `trustmarket run` prints the comparison and writes its files."""

from __future__ import annotations

import platform
import subprocess
import sys

import numba
import numpy as np
import pandas as pd

from sim.cli import main


def test_run_prints_comparison_and_writes_files(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "--replications", "3", "--steps", "80", "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Bargain Barn" in printed and "Trusty Goods" in printed and "95% CI" in printed
    for name in ("summary.csv", "timeseries.csv", "market.csv", "seeds.csv", "crossovers.csv",
                 "profit.png", "trust_ladder.png", "leaky_bucket.png", "provenance.json"):
        assert (out / name).stat().st_size > 0, name
    summary = pd.read_csv(out / "summary.csv")
    for column in ("firm", "strategy", "cumulative_profit_mean", "cumulative_profit_ci_low",
                   "cumulative_profit_ci_high", "npv_mean", "churn_rate"):
        assert column in summary.columns
    assert (summary["cumulative_profit_ci_low"] <= summary["cumulative_profit_mean"]).all()
    assert (summary["cumulative_profit_mean"] <= summary["cumulative_profit_ci_high"]).all()
    ts = pd.read_csv(out / "timeseries.csv")
    assert ts.groupby(["replication", "firm"]).size().eq(80).all()
    seeds = pd.read_csv(out / "seeds.csv")
    assert seeds["replication"].tolist() == [0, 1, 2]


def test_seed_option_changes_results(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out, seed in ((a, "1"), (b, "2")):
        assert main(["run", "-r", "1", "--steps", "30", "--seed", seed, "--out", str(out),
                     "-q"]) == 0
    assert not pd.read_csv(a / "timeseries.csv")["profit"].equals(
        pd.read_csv(b / "timeseries.csv")["profit"])


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "sim.cli", "--help"], capture_output=True,
                            text=True, check=True)
    assert "run" in result.stdout and "validate" in result.stdout


def test_bad_option_is_rejected(capsys):
    try:
        main(["run", "--replications", "0"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "must be at least 1" in capsys.readouterr().err


# --------------------------------------------------------------------------- issue 19
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ROOT / "scenarios" / "bribery_vs_trust.toml"


def _no_work(*args, **kwargs):
    raise AssertionError("the command simulated before checking its output folder")


@pytest.mark.parametrize(("command", "patch"), [
    (["run", "-q"], "sim.experiment.run"),
    (["verify", "--quick", "-q"], "sim.verify.cmd_verify"),
    (["claims", "--quick", "-q", "--only", "leaky_bucket"], "sim.claims.cmd_claims"),
    (["compare", str(HEADLINE), "-r", "1"], "sim.experiment.compare.cmd_compare")])
def test_an_out_that_is_a_file_is_refused_before_any_work(tmp_path, capsys, monkeypatch,
                                                          command, patch):
    """The issue: run, verify, claims raised FileExistsError after the whole simulation."""
    monkeypatch.setattr(patch, _no_work)
    target = tmp_path / "taken.txt"
    target.write_text("mine")
    assert main([*command, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is an existing file" in err and "Traceback" not in err
    assert target.read_text() == "mine"


def test_a_reused_folder_keeps_only_this_runs_files_and_a_manifest(tmp_path, capsys):
    """The issue: a stale customers.parquet of an earlier run stayed beside a new
    summary.csv with no notice. Files of other kinds are left alone."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "customers.parquet").write_text("stale")
    (out / "notes.txt").write_text("my notes")
    assert main(["run", "-r", "2", "--steps", "10", "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "removed 1 file(s) of an earlier run there: customers.parquet" in printed
    assert not (out / "customers.parquet").exists()
    assert (out / "notes.txt").read_text() == "my notes"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "run" and manifest["replications"] == 2
    assert set(manifest["files"]) == {"summary.csv", "timeseries.csv", "market.csv",
                                      "seeds.csv", "crossovers.csv", "profit.png",
                                      "trust_ladder.png", "leaky_bucket.png",
                                      "provenance.json"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    versions = manifest["versions"]  # what the numbers depend on besides the seed
    assert versions["python"] == platform.python_version()
    assert versions["numpy"] == np.__version__ and versions["numba"] == numba.__version__
    assert {"trustmarket", "scipy", "mesa"} <= set(versions)


def test_a_folder_of_another_command_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sim.experiment.run", _no_work)
    sweep = tmp_path / "sweep"
    (sweep / "runs").mkdir(parents=True)
    assert main(["run", "-q", "--out", str(sweep)]) == 2
    assert "holds a sweep" in capsys.readouterr().err
    other = tmp_path / "compared"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"command": "compare", "files": {}}))
    assert main(["run", "-q", "--out", str(other)]) == 2
    assert "output of `trustmarket compare`" in capsys.readouterr().err


def _interrupt_after(monkeypatch, finished: int, surface=KeyboardInterrupt):
    """Make the (finished + 1)-th replication receive a real SIGINT, surfacing as
    ``surface`` (numba and Dask turn it into other exceptions, chained to it)."""
    from sim.experiment import replications

    real, calls = replications.run_replication, {"n": 0}

    def replication(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > finished:
            try:
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt as exc:
                if surface is KeyboardInterrupt:
                    raise
                raise surface("while unpickling a compiled function") from exc
        return real(*args, **kwargs)

    monkeypatch.setattr(replications, "run_replication", replication)


def test_ctrl_c_on_run_keeps_the_finished_replications(tmp_path, capsys, monkeypatch):
    """The issue: Ctrl-C on `run -r 300` exited cleanly but threw the finished
    replications away without saying so."""
    _interrupt_after(monkeypatch, 3)
    out = tmp_path / "out"
    assert main(["run", "-r", "300", "--steps", "10", "--out", str(out), "-q"]) == 130
    captured = capsys.readouterr()
    assert "keeping the 3 of 300 replications that finished" in captured.err
    assert "3 replications (of 300)" in captured.out
    assert pd.read_csv(out / "seeds.csv")["replication"].tolist() == [0, 1, 2]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["replications"], manifest["replications_requested"]) == (3, 300)
    assert json.loads((out / "provenance.json").read_text())["replications_requested"] == 300


def test_ctrl_c_surfacing_as_another_error_is_one_line(tmp_path, capsys, monkeypatch):
    _interrupt_after(monkeypatch, 0, surface=RuntimeError)
    assert main(["run", "-r", "3", "--steps", "10", "--out", str(tmp_path / "o"), "-q"]) == 130
    err = capsys.readouterr().err.strip()
    assert err == "interrupted" and not (tmp_path / "o").exists()


def test_one_replication_prints_na_not_a_zero_width_interval(tmp_path, capsys):
    """The issue: `6 [6, 6]` with one replication."""
    assert main(["run", "-r", "1", "--steps", "60", "--out", str(tmp_path), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "[n/a]" in printed
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["cumulative_profit_ci_low"].isna().all()


def test_memory_refusal_is_fast_and_names_the_estimate(tmp_path):
    """The issue: a large degree at 1M customers died in MemoryError allocating 373 GiB;
    now validate and run refuse at once, without importing the model."""
    big = tmp_path / "big.toml"
    big.write_text(HEADLINE.read_text().replace("n_initial = 3000", "n_initial = 1000000")
                   .replace("mean_degree = 10", "mean_degree = 20000"))
    code = ("import sys; from sim.cli import main; code = main(sys.argv[1:]); "
            "print(code, 'sim.model' in sys.modules, 'numba' in sys.modules)")
    for command, expected in ((["validate", str(big)], "1"), (["run", str(big), "-q"], "2")):
        result = subprocess.run([sys.executable, "-c", code, *command], capture_output=True,
                                text=True, cwd=tmp_path,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.stdout.split() == [expected, "False", "False"], result.stderr
        assert "needs about" in result.stderr and "GiB" in result.stderr
        assert "--allow-large" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_validate_prints_the_memory_estimate(capsys):
    assert main(["validate", str(HEADLINE)]) == 0
    assert "a run needs about" in capsys.readouterr().out


def test_app_refuses_a_deeply_nested_file_before_starting(tmp_path, capsys, monkeypatch):
    """The issue: deeply nested TOML raised RecursionError in `validate` and in `app`."""
    monkeypatch.setattr("subprocess.call", _no_work)
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")
    assert main(["app", str(deep)]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "RecursionError" not in err


def test_validate_checks_sweep_files_as_sweeps(tmp_path, capsys):
    """A sweep file is validated as a sweep (its design and size), not as a scenario."""
    shipped = Path(__file__).resolve().parent.parent / "scenarios" / "sweeps"
    assert main(["validate", str(shipped / "sobol_customers.toml")]) == 0
    out = capsys.readouterr().out
    assert "sobol design over 5 parameters, 448 points x 2 replications = 896 runs" in out
    broken = tmp_path / "broken.toml"
    base = shipped.parent / "bribery_vs_trust.toml"
    broken.write_text((shipped / "sobol_customers.toml").read_text().replace(
        'design = "sobol"', 'design = "sobel"').replace(
        'base = "../bribery_vs_trust.toml"', f'base = "{base}"'))
    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "sweep.design" in err and "sobel" in err and "did you mean 'sobol'" in err
