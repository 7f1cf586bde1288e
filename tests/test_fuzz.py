"""Hostile and careless inputs (issue 19): property-based mutations of every shipped
scenario and sweep file — wrong types, NaN and infinities, huge and negative numbers,
renamed and missing keys, deep nesting — each end in a valid scenario or in a
ScenarioError that names the key, never in another exception.

Validation only (nothing is simulated); a fixed hypothesis profile (derandomised,
bounded examples, no deadline) keeps the test reproducible and well under a minute.
"""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, scenario_from_dict
from sim.sweep.spec import SweepSpec, sweep_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted([*(ROOT / "scenarios").glob("*.toml"),
                    *(ROOT / "scenarios" / "verification").glob("*.toml")])
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
PARSED = {p: tomllib.loads(p.read_text()) for p in [*SCENARIOS, *SWEEPS]}

def fuzz(examples: int) -> settings:
    """The fixed profile: derandomised, ``examples`` examples, no deadline, no database."""
    return settings(derandomize=True, deadline=None, database=None, max_examples=examples,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def key_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and list indices) into parsed TOML, tables and lists included."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += key_paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += key_paths(v, (*prefix, i))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


REPLACEMENTS = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 10**18, -(10**18), -1,
                     -1.5, 0, 0.0, 1e-320, True, False, "", " ", "nan", "x" * 5000, [], {},
                     [math.nan], [1, "a"], {"a": 1}, None]),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.lists(st.integers(), max_size=5))


@st.composite
def mutations(draw, files: list[Path]) -> tuple[Path, dict, tuple, str]:
    """A shipped file's data with one mutation: (file, data, mutated path, kind)."""
    path = draw(st.sampled_from(files))
    data = copy.deepcopy(PARSED[path])
    where = draw(st.sampled_from(key_paths(data)))
    parent, last = _parent(data, where), where[-1]
    kind = draw(st.sampled_from(["replace", "replace", "replace", "delete", "rename",
                                 "nest"]))
    if kind == "replace":
        value = draw(REPLACEMENTS)
        parent[last] = None if value is None else value
        if value is None:  # TOML has no null: a missing value instead
            kind = "delete"
    if kind == "delete":
        if isinstance(parent, list):
            parent.pop(last)
        else:
            parent.pop(last)
    elif kind == "rename":
        if isinstance(parent, dict):
            parent[f"{last}{draw(st.sampled_from(['_', 'x', 's']))}"] = parent.pop(last)
        else:
            parent.append(copy.deepcopy(parent[last]))
    elif kind == "nest":
        value = parent[last]
        for _ in range(draw(st.integers(20, 400))):
            value = [value] if draw(st.booleans()) else {"k": value}
        parent[last] = value
    return path, data, where, kind


def _assert_clear(exc: ScenarioError, where: tuple) -> None:
    """The error names the mutated key (one of its names) and lists its problems."""
    text = str(exc)
    assert exc.problems, text
    names = [str(k) for k in where if isinstance(k, str)]
    assert any(name[:60] in text for name in names) or not names, (where, text)


@fuzz(400)
@given(mutations(SCENARIOS))
def test_mutated_scenarios_are_valid_or_a_clear_error(case):
    path, data, where, kind = case
    try:
        scenario = scenario_from_dict(data, source=str(path))
    except ScenarioError as exc:
        _assert_clear(exc, where)
    else:
        assert isinstance(scenario, Scenario)
        assert kind in ("replace", "delete", "rename"), "nested values cannot validate"


@fuzz(120)
@given(mutations(SWEEPS))
def test_mutated_sweep_files_are_valid_or_a_clear_error(case):
    path, data, where, _kind = case
    try:
        spec = sweep_from_dict(data, path, path.read_text())
    except ScenarioError as exc:
        _assert_clear(exc, where)
    else:
        assert isinstance(spec, SweepSpec)


@pytest.mark.parametrize("path", SCENARIOS + SWEEPS, ids=lambda p: p.name)
def test_every_shipped_file_is_fuzzed_and_valid(path):
    assert key_paths(PARSED[path])
    if path in SWEEPS:
        assert isinstance(sweep_from_dict(PARSED[path], path, path.read_text()), SweepSpec)
    else:
        assert isinstance(scenario_from_dict(PARSED[path], source=str(path)), Scenario)
