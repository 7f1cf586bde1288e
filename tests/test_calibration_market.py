"""Calibrating the market itself: a log the model simulates from known customer parameters
is calibrated back by ``trustmarket calibrate``, and the calibrated scenario runs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.market import MarketError, MarketSimulator
from sim.calibration.scenario_file import scenario_toml
from sim.cli import main
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
CDNOW = ROOT / "scenarios" / "cdnow.toml"
#: The truth the log is simulated from.
TRUTH = {"customers.purchase_probability": 0.12, "customers.occasion_rate_shape": 1.0,
         "customers.dropout_probability": 0.15, "customers.dropout_concentration": 5.0,
         "customers.spend_median": 20.0, "customers.spend_sigma": 0.5}
CALIBRATION_STEPS, HOLDOUT_STEPS = 26, 13
START = pd.Timestamp("2020-01-06")


def weekly_base() -> Scenario:
    """The CDNOW base scenario at weekly steps (its per-step rates a week's again)."""
    return load_scenario(CDNOW).with_overrides({
        "market.steps_per_year": 52, "market.full_tenure_steps": 52, "run.steps": 78,
        "customers.trust_decay": 0.002, "customers.need_drift": 0.004,
        "customers.wom_memory": 13})


def write_base(directory: Path) -> Path:
    path = directory / "weekly_base.toml"
    path.write_text(scenario_toml(weekly_base(), ["the CDNOW base at weekly steps"]),
                    encoding="utf-8")
    return path


def simulated_log(path: Path, customers_per_week: int = 100, weeks: int = 8,
                  seed: int = 7) -> pd.DataFrame:
    """A transaction log of the market's own cohort, written as CSV with dates in the
    middle of each step's week."""
    simulator = MarketSimulator(weekly_base())
    arrivals = np.full(weeks, customers_per_week)
    arrivals = np.concatenate([arrivals, np.zeros(CALIBRATION_STEPS - weeks, int)])
    cohort = simulator.simulate(TRUTH, arrivals, CALIBRATION_STEPS + HOLDOUT_STEPS,
                                np.random.SeedSequence(seed))
    log = pd.DataFrame({"client": [f"id{c:05d}" for c in cohort.customer],
                        "day": [f"{START + pd.Timedelta(days=7 * (s - 1) + 3):%d/%m/%Y}"
                                for s in cohort.step],
                        "value": np.round(cohort.amount, 2)})
    log.to_csv(path, index=False)
    return log


def cohort_market(**overrides):
    """The CDNOW base with only newcomers, every purchase recorded."""
    base = weekly_base()
    return base.with_overrides({"customers.n_initial": 0, "run.record_purchases": True,
                                **overrides})


def test_arrivals_follow_the_schedule_then_the_steady_inflow():
    from sim.model import MarketModel

    s = cohort_market(**{"customers.arrival_schedule": [5, 0, 7], "run.steps": 6,
                         "customers.arrivals_per_step": 2})
    assert s.capacity == 12 + 2 * 3
    assert [s.customers.arrivals_at(k) for k in range(1, 7)] == [5, 0, 7, 2, 2, 2]
    model = MarketModel(s, seed=3)
    for _ in range(6):
        model.step()
    assert model.market_timeseries()["arrivals"].tolist() == [5, 0, 7, 2, 2, 2]


def test_newcomers_arrive_as_first_time_buyers_of_the_named_firm():
    """Every newcomer buys at the named firm in its arrival step, even with a cheaper rival
    everybody knows; without the key, newcomers are potential customers as before."""
    from sim.model import MarketModel

    base = weekly_base().to_dict()
    base["strategies"]["cheap"] = {**base["strategies"]["online_retailer"], "list_price": 0.5}
    base["firms"].append({"name": "Rival", "strategy": "cheap"})
    from sim.scenario import scenario_from_dict

    two = scenario_from_dict(base).with_overrides({
        "customers.n_initial": 0, "customers.arrival_schedule": [40, 40],
        "customers.initial_awareness": 1.0, "run.record_purchases": True, "run.steps": 2,
        "customers.arrivals_buy_from": "CDNOW", "customers.purchase_probability": 0.3})
    model = MarketModel(two, seed=4)
    for _ in range(2):
        model.step()
    table = model.purchase_table()
    first = table.sort_values("step").groupby("customer").head(1)
    assert len(first) == 80
    assert (first["firm"] == "CDNOW").all()
    arrived = np.where(first["customer"] < 40, 1, 2)
    assert (first["step"].to_numpy() == arrived).all()
    potential = two.with_overrides({"customers.arrivals_buy_from": ""})
    model = MarketModel(potential, seed=4)
    for _ in range(2):
        model.step()
    firms = model.purchase_table()["firm"]
    assert len(firms) < 80 and (firms == "Rival").any()  # some wait, most go cheap


def test_the_schedule_and_the_firm_are_validated():
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"customers.arrival_schedule\[1\] = -1: out of "
                                            "range"):
        cohort_market(**{"customers.arrival_schedule": [3, -1]})
    with pytest.raises(ScenarioError, match=re.escape(
            "customers.arrivals_buy_from = 'CDNOWW': no firm of that name; did you mean "
            "'CDNOW'")):
        cohort_market(**{"customers.arrivals_buy_from": "CDNOWW"})


def test_the_reference_model_also_makes_newcomers_buy_on_arrival():
    from sim.verify.reference import ReferenceModel

    s = cohort_market(**{"customers.arrival_schedule": [30], "run.steps": 1,
                         "customers.arrivals_buy_from": "CDNOW"})
    model = ReferenceModel(s, seed=5)
    model.step()
    assert model.firm_timeseries()["purchases"].iloc[0] == 30


def test_the_market_simulator_keeps_the_cohort_and_its_firm():
    simulator = MarketSimulator(weekly_base())
    arrivals = np.array([50, 30, 0, 0, 0, 0])
    cohort = simulator.simulate(TRUTH, arrivals, 10, np.random.SeedSequence(1))
    assert cohort.n_customers == 80  # every newcomer buys on arrival
    assert np.bincount(cohort.first_step)[1:3].tolist() == [50, 30]
    again = simulator.simulate(TRUTH, arrivals, 10, np.random.SeedSequence(1))
    assert np.array_equal(again.step, cohort.step) and np.allclose(again.amount, cohort.amount)
    with pytest.raises(MarketError, match="no such firm"):
        MarketSimulator(weekly_base(), firm="Tower Records")


@pytest.mark.parametrize("weighting", ["log", "model"])
def test_a_log_simulated_by_the_market_is_calibrated_back(tmp_path, weighting):
    """Parameter recovery: every true value inside its 95 % interval; purchase chance
    within 20 % and the shape and mean dropout within a factor 1.6 of the truth (with
    either weighting of the final fit)."""
    log = simulated_log(tmp_path / "log.csv")
    out = tmp_path / "out"
    last = START + pd.Timedelta(days=7 * CALIBRATION_STEPS - 1)
    holdout = last + pd.Timedelta(days=7 * HOLDOUT_STEPS)
    code = main(["calibrate", str(tmp_path / "log.csv"), "--scenario", str(write_base(tmp_path)),
                 "--calibration-start", f"{START:%Y-%m-%d}",
                 "--calibration-end", f"{last:%Y-%m-%d}", "--holdout-end",
                 f"{holdout:%Y-%m-%d}", "--customer-column", "client", "--date-column", "day",
                 "--amount-column", "value", "--dayfirst", "--out", str(out),
                 "--replications", "4", "--draws", "10", "--weighting", weighting, "--quiet"])
    assert code == 0
    estimates = pd.read_csv(out / "estimates.csv").set_index("parameter")
    for key, value in TRUTH.items():
        low, high = estimates.loc[key, ["ci_low", "ci_high"]]
        assert low <= value <= high, (key, value, low, high)
    got = estimates["estimate"]
    assert got["customers.purchase_probability"] == pytest.approx(0.12, rel=0.2)
    for key in ("customers.occasion_rate_shape", "customers.dropout_probability"):
        assert 1 / 1.6 < got[key] / TRUTH[key] < 1.6
    summary = json.loads((out / "summary.json").read_text())
    assert summary["goodness_of_fit"]["p_value"] > 0.01
    assert summary["weighting"] == weighting
    calibrated = tomllib.loads((out / "calibrated.toml").read_text())
    assert calibrated["customers"]["purchase_probability"] == pytest.approx(
        got["customers.purchase_probability"])
    assert main(["validate", str(out / "calibrated.toml")]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "calibrate" and manifest["exit_code"] == 0
    assert {"calibrated.toml", "estimates.csv", "summary.json"} <= set(manifest["files"])
    tracking = pd.read_csv(out / "tracking.csv")
    assert len(tracking) == CALIBRATION_STEPS + HOLDOUT_STEPS
    assert tracking["actual"].sum() == pytest.approx(
        len(log) - log["client"].nunique())  # every repeat purchase of the log is tracked


def test_a_run_s_recorded_purchases_are_a_log_the_calibration_reads_back(tmp_path):
    """The research loop from the command line: ``trustmarket run`` of a two-firm market
    with ``run.record_purchases`` writes purchases.parquet; one firm's purchases, dated,
    are calibrated with that market as the base. Its customers all have the scenario's
    purchase chance 0.5 a week: inside the interval, and the holdout forecast's predictive
    interval holds the holdout's actual repeats."""
    base = load_scenario(ROOT / "scenarios" / "bribery_vs_trust.toml").with_overrides({
        "run.steps": 52, "run.replications": 1, "run.record_purchases": True,
        "customers.n_initial": 300})
    scenario = tmp_path / "market.toml"
    scenario.write_text(scenario_toml(base), encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    bought = pd.read_parquet(tmp_path / "run" / "purchases.parquet")
    bought = bought[bought["firm"] == "Trusty Goods"]
    log = pd.DataFrame({"customer": bought["customer"], "amount": bought["revenue"],
                        "date": START + pd.to_timedelta(7 * (bought["step"] - 1), "D")})
    log.to_csv(tmp_path / "log.csv", index=False)
    out = tmp_path / "calibration"
    last = START + pd.Timedelta(days=7 * 39 - 1)
    code = main(["calibrate", str(tmp_path / "log.csv"), "--scenario", str(scenario),
                 "--firm", "Trusty Goods", "--calibration-start", f"{START:%Y-%m-%d}",
                 "--calibration-end", f"{last:%Y-%m-%d}",
                 "--holdout-end", f"{last + pd.Timedelta(days=7 * 13):%Y-%m-%d}",
                 "--scale", "1", "--replications", "10", "--draws", "20", "--quiet",
                 "--out", str(out)])
    assert code == 0
    estimates = pd.read_csv(out / "estimates.csv").set_index("parameter")
    low, high = estimates.loc["customers.purchase_probability", ["ci_low", "ci_high"]]
    assert low <= 0.5 <= high
    holdout = json.loads((out / "summary.json").read_text())["holdout"]
    assert holdout["interval_low"] <= holdout["actual"] <= holdout["interval_high"]
