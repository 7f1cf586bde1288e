"""Writing a scenario back to TOML, headed by comments saying where its numbers came from.

The calibrated scenario must be a file ``trustmarket run``, ``validate`` and the claims
read like any other; Python's ``tomllib`` only reads, and a writer library would drop the
comments, so this writes the plain tables of :meth:`Scenario.to_dict` itself — scalars,
arrays, nested tables, ``[[firms]]`` — and the result is checked by reading it back.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from sim.scenario import Scenario, scenario_from_dict

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML cannot hold {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_table(v) for v in value)


def _table(lines: list[str], path: list[str], table: Mapping[str, Any], array: bool) -> None:
    """Write one table: its scalars under its header, then its sub-tables."""
    if path:
        header = ".".join(_key(p) for p in path)
        lines += ["", f"[[{header}]]" if array else f"[{header}]"]
    subtables = []
    for name, value in table.items():
        if value is None:
            continue  # an absent optional key
        if _is_table(value) or _is_table_array(value):
            subtables.append((name, value))
        else:
            lines.append(f"{_key(name)} = {_value(value)}")
    for name, value in subtables:
        if _is_table(value):
            _table(lines, [*path, name], value, array=False)
        else:
            for item in value:
                _table(lines, [*path, name], item, array=True)


def scenario_toml(scenario: Scenario, header: Sequence[str] = ()) -> str:
    """The scenario as TOML text, with ``header`` lines as comments at the top; reading it
    back gives an equal scenario (checked before returning).

    Raises
    ------
    ValueError
        If the text would not read back as the same scenario (a bug, not a user error).
    """
    lines = [f"# {line}".rstrip() for line in header]
    _table(lines, [], scenario.to_dict(), array=False)
    text = "\n".join(lines).lstrip("\n") + "\n"
    again = scenario_from_dict(tomllib.loads(text), source=scenario.source)
    if again != scenario:
        raise ValueError("the written scenario does not read back as the same scenario")
    return text
