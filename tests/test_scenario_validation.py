"""Bad input gets a clear error: every malformed file is rejected, naming the key and the
problem, and nothing is written to the output directory."""

from __future__ import annotations

import json
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


# --------------------------------------------------------------------------- limits (issue 19)
SMALL = """
[run]
steps = 10
replications = 1
[customers]
n_initial = {n}
[network]
{network}
[strategies.bribery]
discount_depth = 0.2
[strategies.trust]
training = 0.8
[[firms]]
name = {first}
strategy = "bribery"
[[firms]]
name = "B"
strategy = "trust"
"""


def _scenario_file(tmp_path, n=50, network='kind = "watts_strogatz"\nmean_degree = 4',
                   first="A", extra="", name="s.toml"):
    path = tmp_path / name
    path.write_text(SMALL.format(n=n, network=network, first=json.dumps(first)) + extra)
    return path


@pytest.mark.parametrize(("key", "value"), [
    ("market.unit_cost", 1e308), ("market.recovery_cost", 1e9), ("market.contact_cost", 101.0),
    ("customers.price_sensitivity", 1e12), ("customers.loss_aversion", 1e6),
    ("customers.wom_reach", 1e9), ("customers.spend_median", 1e300),
    ("strategies.bribery.list_price", 1e308), ("run.customer_snapshot_every", 10**12)])
def test_money_and_rates_have_finite_realistic_bounds(headline, key, value):
    with pytest.raises(ScenarioError) as info:
        headline.with_overrides({key: value})
    assert key in str(info.value) and "out of range" in str(info.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("key", ["market.unit_cost", "customers.trust_gain",
                                 "firms.0.levers.discount_depth", "firms.0.position"])
def test_nan_and_inf_are_refused_with_the_key_named(headline, key, value):
    with pytest.raises(ScenarioError) as info:
        headline.with_overrides({key: value})
    assert "finite" in str(info.value)
    assert key.split(".")[-1] in str(info.value)


def test_nan_inside_a_list_names_the_element(tmp_path):
    path = _scenario_file(tmp_path, extra="")
    text = path.read_text().replace("n_initial = 50", "n_initial = 50\n"
                                    "stage_thresholds = [0.3, nan, 0.8]")
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"customers\.stage_thresholds\[1\] = nan"):
        load_scenario(path)


@pytest.mark.parametrize(("name", "fragment"), [
    ("", "non-empty name"), ("   ", "non-empty name"), (" A", "spaces around"),
    ("nan", "missing value"), ("NA", "missing value"), ("a\nb", "line break"),
    ("x" * 101, "at most 100")])
def test_firm_names_must_be_visible_and_read_back_as_themselves(tmp_path, name, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario_file(tmp_path, first=name))
    assert "firms[0].name" in str(info.value) and fragment in str(info.value)


def test_firm_names_are_unique_after_stripping(headline):
    data = headline.to_dict()
    data["firms"][1]["name"] = data["firms"][0]["name"]
    with pytest.raises(ScenarioError, match=r"firms\.name.*unique"):
        scenario_from_dict(data)


def test_a_large_file_is_refused_before_it_is_read(tmp_path):
    """The issue's 50 MB TOML (validated for 234 s at ~1 GB): refused from its size alone
    (a sparse file: nothing is written or read)."""
    path = _scenario_file(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(50_000_000)
    with pytest.raises(ScenarioError, match="50,000,000 bytes"):
        load_scenario(path)
    assert main(["validate", str(path)]) == 1


@pytest.mark.parametrize("nested", ["a = " + "[" * 5000 + "]" * 5000,
                                    "a = " + "{b = " * 3000 + "1" + "}" * 3000,
                                    "[" + ".".join(["t"] * 40) + "]\nx = 1"])
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(tmp_path, nested, capsys):
    path = tmp_path / "deep.toml"
    path.write_text(nested + "\n")
    with pytest.raises(ScenarioError, match="nested"):
        load_scenario(path)
    assert main(["validate", str(path)]) == 1
    assert "nested" in capsys.readouterr().err


def test_a_device_is_not_read_as_a_scenario():
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario("/dev/zero")


def _graph_scenario(tmp_path, graph_name, graph_text, n):
    (tmp_path / graph_name).write_text(graph_text)
    return load_scenario(_scenario_file(
        tmp_path, n=n, network=f'kind = "file"\npath = "{graph_name}"\nmean_degree = 0'))


def test_an_edge_list_with_a_weight_column_is_refused(tmp_path):
    scenario = _graph_scenario(tmp_path, "w.edgelist", "0 1\n1 2 0.5\n2 0\n", 3)
    with pytest.raises(ScenarioError) as info:
        check_graph_file(scenario)
    assert "line 2 has 3 columns" in str(info.value) and "no edge weights" in str(info.value)
    assert main(["run", scenario.source, "--out", str(tmp_path / "out"), "-q"]) == 2
    assert not (tmp_path / "out").exists()


def test_an_edge_list_line_with_one_label_is_refused(tmp_path):
    scenario = _graph_scenario(tmp_path, "one.edgelist", "# ring\n0 1\n1 2\n2\n", 3)
    with pytest.raises(ScenarioError, match="line 4 has one node label"):
        check_graph_file(scenario)


GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  {key}
  <graph edgedefault="{default}">
    <node id="a"/><node id="b"/><node id="c"/>
    <edge source="a" target="b">{data}</edge><edge source="b" target="a">{data}</edge>
    <edge source="b" target="c">{data}</edge>
  </graph>
</graphml>
"""


def test_a_directed_graphml_is_used_as_undirected_with_a_note(tmp_path, capsys):
    from sim.network import build_graph

    scenario = _graph_scenario(tmp_path, "d.graphml",
                               GRAPHML.format(key="", default="directed", data=""), 3)
    notes = check_graph_file(scenario)
    assert len(notes) == 1 and "directed (3 arcs)" in notes[0] and "2 links" in notes[0]
    assert build_graph(scenario, seed=1).degree.tolist() == [1, 2, 1]
    assert main(["validate", scenario.source]) == 0
    assert "used as undirected" in capsys.readouterr().err


def test_a_weighted_graphml_is_refused(tmp_path):
    key = '<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
    scenario = _graph_scenario(tmp_path, "w.graphml", GRAPHML.format(
        key=key, default="undirected", data='<data key="w">2.0</data>'), 3)
    with pytest.raises(ScenarioError, match="carry weights"):
        check_graph_file(scenario)


def test_error_messages_stay_readable_for_huge_values_and_many_problems(headline):
    data = headline.to_dict()
    data["description"] = 5
    data["customers"].update({f"k{i}": "x" * 10_000 for i in range(100)})
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    text = str(info.value)
    assert len(info.value.problems) == 101
    assert "... and 61 more" in text and "x" * 200 not in text and "(10002 characters)" in text


@pytest.mark.parametrize(("overrides", "named"), [
    ({"customers.arrival_schedule": [30_000_000, 30_000_000]}, "customers.arrival_schedule"),
    ({"customers.arrivals_per_step": 200_000, "run.steps": 300}, "customers.arrivals_per_step"),
])
def test_a_market_too_large_names_what_makes_it_so(headline, overrides, named):
    with pytest.raises(ScenarioError) as err:
        headline.with_overrides(overrides)
    text = str(err.value)
    assert named in text and "customers over the run" in text and "50000000" in text
