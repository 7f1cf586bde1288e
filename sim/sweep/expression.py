"""Small, safe expressions over named columns: conditions such as
``cumulative_profit_difference < 0 and npv_difference < 0`` (scenario discovery's
``--where``) and arithmetic such as ``round(customers.n_initial *
customers.exit_probability)`` (a sweep's derived parameters).

Nothing is passed to :func:`eval`: the text is parsed with :mod:`ast` after every name is
replaced by a placeholder, and the tree is walked by an evaluator that knows only numbers,
the comparison, arithmetic and boolean operators and a few functions (:data:`FUNCTIONS`).
Attribute access, indexing, lambdas, comprehensions and calls of anything else are
errors before anything runs.

Names are column or scenario paths as they are written elsewhere: dotted
(``customers.price_sensitivity``), optionally ending in a bracketed firm
(``cumulative_profit[Trusty Goods]``), or any text between backticks
(`` `npv[Bargain Barn]` ``).
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The functions an expression may call.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "min": np.minimum,
    "max": np.maximum,
    "round": np.round,
    "log": np.log,
    "exp": np.exp,
}
_KEYWORDS = {"and", "or", "not", "True", "False"}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
            ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
# a backticked name, or a dotted name with an optional [bracket] (not inside a number)
_NAME = re.compile(r"`([^`]+)`|(?<![\w.\]`])([A-Za-z_][\w.]*(?:\[[^\]]*\])?)")
_PLACEHOLDER = "_name{}_"


class ExpressionError(ValueError):
    """An expression that cannot be parsed, uses something not allowed, or names an
    unknown column."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, the names it uses, and how to evaluate it."""

    text: str
    names: tuple[str, ...]
    tree: ast.Expression
    placeholders: dict[str, str]

    @property
    def is_condition(self) -> bool:
        """Whether the expression is true or false (a comparison, ``and``/``or``/``not``)."""
        body = self.tree.body
        return isinstance(body, (ast.Compare, ast.BoolOp)) or (
            isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not))

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The expression's value with each name looked up in ``values`` (scalars or
        equally long arrays; comparisons and ``and``/``or`` work element-wise)."""
        missing = [n for n in self.names if n not in values]
        if missing:
            raise ExpressionError(f"{self.text!r}: no value for {', '.join(missing)}")
        return _evaluate(self.tree.body, {p: values[n] for p, n in self.placeholders.items()})

    def check_names(self, known: Iterable[str], what: str = "name") -> None:
        """Raise :class:`ExpressionError` naming each name not in ``known`` (with a close
        match when there is one, and the known names)."""
        known = list(known)
        unknown = [n for n in self.names if n not in known]
        if not unknown:
            return
        parts = []
        for name in unknown:
            hint = difflib.get_close_matches(name, known, n=1)
            parts.append(f"unknown {what} {name!r}" + (f" (did you mean {hint[0]!r}?)"
                                                      if hint else ""))
        raise ExpressionError(f"{self.text!r}: " + "; ".join(parts)
                              + f". Known {what}s: {', '.join(known)}")


def parse(text: str) -> Expression:
    """Parse ``text``; raise :class:`ExpressionError` if it is not a safe expression."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"an expression is needed, got {text!r}")
    placeholders: dict[str, str] = {}
    by_name: dict[str, str] = {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1) if match.group(1) is not None else match.group(2)
        after = text[match.end():].lstrip()
        if match.group(2) is not None and (name in _KEYWORDS or (
                name in FUNCTIONS and after.startswith("("))):
            return name
        if name not in by_name:
            by_name[name] = _PLACEHOLDER.format(len(by_name))
            placeholders[by_name[name]] = name
        return by_name[name]

    source = _NAME.sub(substitute, text)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not a valid expression ({exc.msg}); write e.g. "
                              "\"cumulative_profit_difference < 0 and run.steps > 100\"") from exc
    _check(tree.body, text)
    return Expression(text, tuple(placeholders.values()), tree, placeholders)


def _check(node: ast.AST, text: str) -> None:
    """Walk the tree; anything outside the allowed grammar is an error."""
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
        _check(node.operand, text)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        for value in (node.left, *node.comparators):
            _check(value, text)
    elif (isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool))) or (
            isinstance(node, ast.Name) and node.id.startswith("_name")):
        return
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
          and node.func.id in FUNCTIONS and not node.keywords):
        for arg in node.args:
            _check(arg, text)
    else:
        what = type(getattr(node, "op", node)).__name__
        hint = (" (use 'and', 'or', 'not': '&' and '|' bind tighter than comparisons)"
                if what in ("BitAnd", "BitOr", "Invert") else "")
        raise ExpressionError(f"{text!r}: {what} is not allowed{hint}; allowed: numbers, "
                              "names, + - * / **, < <= > >= == !=, and/or/not, "
                              f"{', '.join(FUNCTIONS)}")


def _evaluate(node: ast.AST, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, env), _evaluate(node.right, env))
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, env)
        if isinstance(node.op, ast.Not):
            return np.logical_not(value)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Compare):
        result, left = True, _evaluate(node.left, env)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(right_node, env)
            result = np.logical_and(result, _COMPARE[type(op)](left, right))
            left = right
        return result
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = _evaluate(node.values[0], env)
        for value in node.values[1:]:
            result = combine(result, _evaluate(value, env))
        return result
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(_evaluate(a, env) for a in node.args))
    raise ExpressionError(f"cannot evaluate {ast.dump(node)}")  # pragma: no cover

