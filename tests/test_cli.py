"""The command line: `trustmarket run` prints the comparison and writes its files."""

from __future__ import annotations

import subprocess
import sys

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
