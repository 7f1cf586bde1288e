"""Bad input gets a clear error: every malformed file is rejected, naming the key and the
problem, and nothing is written to the output directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.network import check_graph_file
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict

BAD = Path(__file__).parent / "bad_scenarios"

#: file -> fragments the error message must contain (key path and problem).
EXPECTED = {
    "unknown_key": ["customers.wom_reech", "unknown key", "did you mean 'wom_reach'"],
    "wrong_type": ["customers.n_initial", "'many'", "expected integer"],
    "out_of_range": ["customers.purchase_probability", "1.5", "0 <= x <= 1"],
    "missing_firms": ["firms", "required key is missing"],
    "unknown_strategy": ["firms[0].strategy", "'bribry'", "did you mean 'bribery'"],
    "duplicate_firm_names": ["firms.name", "'A'", "unique"],
    "bad_thresholds": ["customers.stage_thresholds", "strictly increasing"],
    "duration_exceeds_period": ["strategies.bribery.discount_duration", "must not exceed"],
    "bad_network_kind": ["network.kind", "'small_world'", "one of 'watts_strogatz'"],
    "odd_watts_strogatz_degree": ["network.mean_degree", "5", "even"],
    "missing_graph_file": ["network.path", "no_such_graph.edgelist", "not found"],
    "not_toml": ["not_toml.toml", "not valid TOML", "line 14"],
    "negative_price": ["strategies.bribery.list_price", "-1.0", "0 < x <= 100"],
    "bool_as_number": ["customers.n_initial", "True", "expected integer"],
    "thresholds_wrong_length": ["customers.stage_thresholds", "exactly 3 values"],
    "firm_lever_typo": ["firms[0].levers.discont_depth", "did you mean 'discount_depth'"],
    "unknown_adaptive_alternative": ["firms[0].adaptive.alternatives", "'honesty'",
                                     "no [strategies.honesty]"],
    "several_problems": ["run.steps", "customers.n_initial", "customers.wom_reach",
                         "3 problem(s)"],
}
#: Files that load but whose graph cannot be used: caught by validate and by run.
GRAPH_PROBLEMS = {
    "unreadable_graph": ["network.path", "unreadable_graph.graphml", "cannot read graphml",
                         "1 problem(s) in graph file"],
    "graph_size_mismatch": ["network.path", "has 10 nodes", "50 customers",
                            "1 problem(s) in graph file"],
}


def test_there_are_at_least_twelve_malformed_files():
    assert len(EXPECTED) + len(GRAPH_PROBLEMS) >= 12
    assert {p.stem for p in BAD.glob("*.toml")} == set(EXPECTED) | set(GRAPH_PROBLEMS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_is_rejected_with_key_and_problem(name):
    path = BAD / f"{name}.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "problem(s) in scenario" in message
    for fragment in EXPECTED[name]:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


@pytest.mark.parametrize("name", sorted(GRAPH_PROBLEMS))
def test_unusable_graph_file_is_rejected(name):
    scenario = load_scenario(BAD / f"{name}.toml")
    with pytest.raises(ScenarioError) as info:
        check_graph_file(scenario)
    for fragment in GRAPH_PROBLEMS[name]:
        assert fragment in str(info.value)


@pytest.mark.parametrize("name", sorted(EXPECTED | GRAPH_PROBLEMS))
def test_run_writes_nothing_for_bad_input(name, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(BAD / f"{name}.toml"), "--out", str(out), "--quiet"])
    assert code == 2
    assert not out.exists()
    assert "error:" in capsys.readouterr().err


def test_validate_reports_every_file_and_fails(capsys):
    good = Path(__file__).parent.parent / "scenarios" / "bribery_vs_trust.toml"
    code = main(["validate", str(good), str(BAD / "unknown_key.toml"),
                 str(BAD / "unreadable_graph.toml")])
    captured = capsys.readouterr()
    assert code == 1
    assert "bribery_vs_trust.toml: ok" in captured.out
    assert "wom_reech" in captured.err and "cannot read graphml" in captured.err


def test_valid_file_passes_validate():
    good = Path(__file__).parent.parent / "scenarios" / "bribery_vs_trust.toml"
    assert main(["validate", str(good)]) == 0


def test_unreadable_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "missing.toml")


def test_overrides_are_revalidated(headline):
    with pytest.raises(ScenarioError, match=r"customers\.wom_reach"):
        headline.with_overrides({"customers.wom_reach": -1})
    with pytest.raises(ScenarioError, match="unknown key"):
        headline.with_overrides({"customers.no_such_parameter": 1})
    moved = headline.with_overrides({"firms.Trusty Goods.levers.training": 0.1})
    assert moved.firms[1].levers.training == 0.1
    assert headline.firms[1].levers.training == 0.8  # frozen original untouched


def test_round_trip_through_dict(headline):
    again = scenario_from_dict(headline.to_dict(), source=headline.source)
    assert again == headline
    assert again.digest() == headline.digest()


def test_firm_overrides_strategy_levers(headline):
    data = headline.to_dict()
    data["firms"][0]["levers"] = {"discount_depth": 0.35}
    data["strategies"]["bribery"]["discount_depth"] = 0.2
    s = scenario_from_dict(data)
    assert s.firms[0].levers.discount_depth == 0.35


def test_strategy_override_reaches_the_firms_that_use_it(headline):
    moved = headline.with_overrides({"strategies.trust.training": 0.2})
    assert moved.strategies["trust"].training == 0.2
    assert [f.levers.training for f in moved.firms] == [
        headline.firms[0].levers.training, 0.2]
