"""``trustmarket calibrate``: bad input stops before any simulation with a clear error;
the calibrated scenario is written as TOML that reads back as the same scenario."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim.calibration.scenario_file import scenario_toml
from sim.cli import main
from sim.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "leaky_bucket.toml"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_every_shipped_scenario_is_written_back_as_the_same_scenario(path):
    scenario = load_scenario(path)
    text = scenario_toml(scenario, ["calibrated from a log", "second line"])
    assert text.startswith("# calibrated from a log\n# second line\n")
    assert scenario_from_dict(tomllib.loads(text), source=str(path)) == scenario


def test_written_toml_quotes_keys_and_strings_that_need_it():
    scenario = load_scenario(SCENARIO)
    data = scenario.to_dict()
    data["strategies"]["deep discount"] = data["strategies"].pop("pour")
    for firm in data["firms"]:
        if firm["strategy"] == "pour":
            firm["strategy"] = "deep discount"
    data["description"] = 'a "quoted" \\ description\nover two lines'
    odd = scenario_from_dict(data)
    text = scenario_toml(odd)
    assert '[strategies."deep discount"]' in text
    assert scenario_from_dict(tomllib.loads(text)) == odd


def run(args: list[str], capsys) -> tuple[int, str]:
    code = main(["calibrate", *args])
    return code, capsys.readouterr().err


def write_log(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "log.csv"
    path.write_text("customer,date,amount\n" + body, encoding="utf-8")
    return path


GOOD_ROWS = "".join(f"c{i},1997-01-0{1 + i % 7},{10 + i}\n" for i in range(40))


def test_a_log_with_a_missing_column_is_refused_naming_it(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS)
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--amount-column", "dollars", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "column 'dollars' (the amount) not found" in err
    assert not (tmp_path / "out").exists()  # nothing written before the input is good


def test_bad_rows_are_all_reported_with_column_and_row(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS + "x,1997-02-30,5\ny,1997-01-02,-3\n")
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--date-format", "%Y-%m-%d", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "2 problem(s) in transaction log" in err
    assert "column 'date'" in err and "row 41 (line 42 of the file): '1997-02-30'" in err
    assert "column 'amount': negative amount" in err and "row 42 (line 43" in err


@pytest.mark.parametrize("option, value, message", [
    ("--scale", "0", "argument --scale: must be at least 1, got 0"),
    ("--max-rounds", "0", "argument --max-rounds: must be at least 1, got 0"),
    ("--workers", "two", "argument --workers/-w: not a whole number: 'two'"),
    ("--replications", "1", "argument --replications: must be at least 2, got 1"),
    ("--draws", "-1", "argument --draws: must be at least 0, got -1"),
    ("--design-points", "7", "--design-points 7: a quadratic surface in 4 parameters has 15 "
                             "coefficients"),
])
def test_impossible_fit_settings_are_refused_before_any_work(tmp_path, capsys, option, value,
                                                              message):
    """The issue's rule for bad input: a clear error, exit 2, nothing written — where a
    zero was quietly taken as one and a small design failed after its first round."""
    log = write_log(tmp_path, GOOD_ROWS)
    args = [str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
            "--out", str(tmp_path / "out"), option, value]
    if option == "--design-points":
        code, err = run(args, capsys)
    else:
        with pytest.raises(SystemExit) as exit_info:
            main(["calibrate", *args])
        code, err = exit_info.value.code, capsys.readouterr().err
    assert code == 2
    assert message in err
    assert not (tmp_path / "out").exists()


def test_transactions_before_the_calibration_start_are_refused(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS + "early,1996-12-20,5\n")
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-start",
                     "1997-01-01", "--calibration-end", "1997-01-28", "--out",
                     str(tmp_path / "out")], capsys)
    assert code == 2
    assert "customer 'early' on 1996-12-20" in err and "before the calibration start" in err


def test_periods_must_be_whole_steps_and_the_cohort_large_enough(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS)
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-30",
                     "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "whole number of steps: end it on 1997-01-28 (4 steps)" in err
    tiny = write_log(tmp_path, "a,1997-01-01,1\nb,1997-01-02,2\n")
    code, err = run([str(tiny), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "only 2 customer(s) make their first purchase" in err


def test_a_log_without_repeats_or_without_a_holdout_is_refused(tmp_path, capsys):
    """Nothing to fit when nobody buys again; nothing to compare with when the log ends at
    the calibration end but a holdout is asked for. Both stop before any simulation."""
    out = tmp_path / "out"
    log = write_log(tmp_path, GOOD_ROWS + "c1,1997-03-01,5\n")  # a repeat after the period
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--out", str(out)], capsys)
    assert code == 2 and "none of the cohort's 40 customers buys again" in err
    assert "1997-01-01..1997-01-28" in err and not out.exists()
    repeats = "".join(f"c{i},1997-01-2{i % 8},7\n" for i in range(40))
    log = write_log(tmp_path, GOOD_ROWS + repeats)
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--holdout-end", "1997-02-25", "--out", str(out)], capsys)
    assert code == 2 and "no transaction after the calibration end 1997-01-28" in err
    assert "the last is on 1997-01-27" in err and not out.exists()


def test_a_bad_scenario_is_reported_as_a_scenario_error(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS)
    bad = tmp_path / "bad.toml"
    bad.write_text("[customers]\npurchase_probability = 2\n", encoding="utf-8")
    code, err = run([str(log), "--scenario", str(bad), "--calibration-end", "1997-01-28",
                     "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "purchase_probability" in err


def test_unknown_statistic_families_are_refused_before_the_log_is_read(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS + "x,not a date,5\n")  # would be a log error
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--fit-statistics", "repeat counts,frequency", "--out",
                     str(tmp_path / "out")], capsys)
    assert code == 2
    assert "unknown family 'frequency'" in err and "weekly repeats, repeat counts" in err
    assert "transaction log" not in err


def test_an_unusable_out_folder_is_refused_before_the_log_is_read(tmp_path, capsys):
    log = write_log(tmp_path, GOOD_ROWS + "x,not a date,5\n")  # would be a log error
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "manifest.json").write_text('{"command": "run", "files": {}}', encoding="utf-8")
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--out", str(taken)], capsys)
    assert code == 2 and "holds the output of `trustmarket run`" in err
    assert "transaction log" not in err and sorted(p.name for p in taken.iterdir()) == [
        "manifest.json"]
    a_file = tmp_path / "results.txt"
    a_file.write_text("mine", encoding="utf-8")
    code, err = run([str(log), "--scenario", str(SCENARIO), "--calibration-end", "1997-01-28",
                     "--out", str(a_file)], capsys)
    assert code == 2 and "is an existing file, not a folder" in err
    assert a_file.read_text(encoding="utf-8") == "mine"


def _small_log(tmp_path: Path) -> Path:
    """A log of the stand-in process over 12 weekly steps from 1997-01-03."""
    import numpy as np

    from sim.calibration.simulators import ProcessSimulator

    values = {"customers.purchase_probability": 0.2, "customers.occasion_rate_shape": 1.0,
              "customers.dropout_probability": 0.2, "customers.dropout_concentration": 4.0}
    cohort = ProcessSimulator().simulate(values, np.array([20] * 4 + [0] * 8), 12,
                                         np.random.SeedSequence(3))
    days = np.datetime64("1997-01-03") + 7 * (cohort.step - 1)  # the first day of each step
    return write_log(tmp_path, "".join(f"c{c},{d},{a:.2f}\n" for c, d, a in
                                       zip(cohort.customer, days, cohort.amount, strict=True)))


def _calibrate_small(log: Path, out: Path, *more: str, holdout_end: str = "1997-03-27") -> int:
    return main(["calibrate", str(log), "--scenario", str(SCENARIO), "--calibration-end",
                 "1997-02-27", "--holdout-end", holdout_end, "--simulator", "process",
                 "--scale", "1", "--replications", "2", "--max-rounds", "1", "--quiet",
                 "--out", str(out), *more])


def test_without_draws_the_holdout_has_no_predictive_interval(tmp_path, capsys):
    """``--draws 0`` forecasts the expectation only: no interval is invented from it."""
    import json

    out = tmp_path / "out"
    code = _calibrate_small(_small_log(tmp_path), out, "--draws", "0")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "no predictive interval without draws" in captured.out
    holdout = json.loads((out / "summary.json").read_text(encoding="utf-8"))["holdout"]
    assert holdout["interval_low"] is None and holdout["forecast"] > 0


def test_a_refused_second_run_leaves_the_first_run_s_files(tmp_path, capsys):
    log, out = _small_log(tmp_path), tmp_path / "out"
    assert _calibrate_small(log, out, "--draws", "2") == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert _calibrate_small(log, out, "--draws", "2") == 2  # without --resume
    assert "already holds a calibration; pass --resume" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert "calibrated.toml" in before and "manifest.json" in before


def test_a_log_that_stops_before_the_holdout_ends_is_warned_about(tmp_path, capsys):
    code = _calibrate_small(_small_log(tmp_path), tmp_path / "out", "--draws", "2",
                            holdout_end="1997-04-24")
    err = capsys.readouterr().err
    assert code == 0 and "warning: the log's last transaction is on 1997-03-21" in err
    assert "before the end of the periods (1997-04-24)" in err


def test_a_calibration_too_big_for_the_machine_is_refused_before_any_work(tmp_path, capsys,
                                                                        monkeypatch):
    from sim.scenario import resources

    log, out = _small_log(tmp_path), tmp_path / "out"
    monkeypatch.setattr(resources, "available_memory", lambda: 400 * resources.MiB)
    code = main(["calibrate", str(log), "--scenario", str(SCENARIO), "--calibration-end",
                 "1997-02-27", "--scale", "2000", "--workers", "2", "--quiet", "--out",
                 str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "the calibration's largest simulated markets (2 at once, 160,000" in err
    assert "lower --scale or --workers, or pass --allow-large" in err and not out.exists()


def test_a_worker_that_dies_is_reported_not_a_broken_pool():
    import os

    from sim.calibration.parallel import WorkerLostError, run_jobs

    with pytest.raises(WorkerLostError, match="killed for lack of memory"):
        list(run_jobs(os._exit, [(0, (3,)), (1, (3,))], workers=2))
