"""Derived sweep parameters: scenario paths set at every point from an expression of the
point's parameters and the base scenario's values.

Some doubts are about two settings that move together. Customer turnover, for one, is
people leaving the market *and* as many arriving — a stationary population — so a sweep
varies ``customers.exit_probability`` and derives the arrivals::

    [sweep]
    derived = { "customers.arrivals_per_step" =
                "round(customers.n_initial * customers.exit_probability)" }

A derived path is not a dimension of the design (the analysis and scenario discovery
never treat it as one); its value is written next to the parameters in every run row.
Expressions are parsed safely (:mod:`sim.sweep.expression`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.scenario import Problem, Scenario, ScenarioError
from sim.sweep.expression import ExpressionError, parse


def value_at(scenario: Scenario, path: str) -> Any:
    """The scenario's value at a dotted path (``customers.n_initial``,
    ``firms.0.levers.discount_depth``, ``firms.Trusty Goods.levers.service``)."""
    node: Any = scenario.to_dict()
    for key in path.split("."):
        if isinstance(node, list):
            if key.isdigit():
                node = node[int(key)]
            else:
                named = [item for item in node if isinstance(item, dict)
                         and item.get("name") == key]
                if not named:
                    raise KeyError(path)
                node = named[0]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(path)
    return node


def derive(derived: Mapping[str, str], params: Mapping[str, Any],
           base: Scenario | None) -> dict[str, Any]:
    """The derived paths' values at a point (``params``: the point's parameters)."""
    out: dict[str, Any] = {}
    for path, text in derived.items():
        expression = parse(text)
        values = {name: params[name] if name in params else value_at(base, name)
                  for name in expression.names}
        out[path] = _plain(expression.evaluate(values), base, path)
    return out


def _plain(value: Any, base: Scenario | None, path: str) -> Any:
    """A Python scalar; whole numbers become ``int`` where the base holds an integer."""
    value = value.item() if hasattr(value, "item") else value
    try:
        whole = base is not None and isinstance(value_at(base, path), int)
    except (KeyError, IndexError):
        whole = False
    if whole and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def check_derived(raw: Any, parameters: Sequence[Any], base: Scenario | None,
                  problems: list[Problem]) -> dict[str, str]:
    """Validate a sweep's ``derived`` table; append every problem; return it as a dict.

    Each expression must parse, use only the sweep's parameters and (with a base scenario)
    its paths, and give a valid scenario with every parameter at its low end and at its
    high end.
    """
    if not isinstance(raw, Mapping):
        problems.append(Problem("sweep.derived", raw, "a table of scenario paths and "
                                "expressions, e.g. { \"customers.arrivals_per_step\" = "
                                "\"round(customers.n_initial * customers.exit_probability)\" }"))
        return {}
    varied = {p.path for p in parameters}
    good: dict[str, str] = {}
    for path, text in raw.items():
        where = f"sweep.derived.{path}"
        if path in varied:
            problems.append(Problem(where, text, "this path is also a sweep parameter"))
            continue
        try:
            expression = parse(text)
        except ExpressionError as exc:
            problems.append(Problem(where, text, str(exc)))
            continue
        unknown = [n for n in expression.names if n not in varied and not _resolves(base, n)]
        if unknown:
            problems.append(Problem(where, text, f"unknown name(s) {', '.join(unknown)}: "
                                    "use sweep parameters or base scenario paths"))
            continue
        good[path] = text
    if base is not None and good and len(good) == len(raw):
        for end in (0.0, 1.0):
            point = {p.path: p.from_unit(end) for p in parameters}
            try:
                base.with_overrides({**point, **derive(good, point, base)})
            except ScenarioError as exc:
                problems += [Problem(f"sweep.derived (every parameter at its "
                                     f"{'low' if end == 0 else 'high'} end) {q.path}",
                                     q.value, q.message) for q in exc.problems]
            except (ArithmeticError, ValueError, TypeError) as exc:
                problems.append(Problem("sweep.derived", dict(good), f"cannot be evaluated: "
                                        f"{exc}"))
    return good


def _resolves(base: Scenario | None, path: str) -> bool:
    if base is None:
        return False
    try:
        value_at(base, path)
    except (KeyError, IndexError):
        return False
    return True
