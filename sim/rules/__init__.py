"""The rules: every customer formula of the model, once, as a small pure scalar function.

One module per concept; each function's docstring names the seed idea it implements, its
formula and units. They are plain Python that numba can compile: the engine
(:mod:`sim.engine`) inlines them into its loops, the per-agent reference model
(:mod:`sim.verify.reference`) calls them as Python, and :func:`elementwise` gives their
array form. Changing a rule means editing one function here (or, for an experiment,
:func:`replaced`). Imports nothing of ``sim`` but its own modules; no rule knows a
strategy's name.
"""

from __future__ import annotations

import contextlib
import functools
import types
from collections.abc import Callable, Iterator
from typing import Any

from sim.rules import (
    awareness,
    choice,
    churn,
    economics,
    needs,
    occasions,
    pricing,
    satisfaction,
    trust,
    value,
    word_of_mouth,
)

#: The rule modules, in the order docs/model.md presents them.
MODULES: tuple[types.ModuleType, ...] = (
    needs, value, awareness, word_of_mouth, occasions, pricing, choice, satisfaction, trust,
    churn, economics)


def _defined_in(module: types.ModuleType) -> dict[str, Callable[..., Any]]:
    return {name: f for name, f in vars(module).items()
            if isinstance(f, types.FunctionType) and f.__module__ == module.__name__
            and not name.startswith("_")}


#: Every rule as written in its module's source: name -> function (names are unique).
RULES: dict[str, Callable[..., Any]] = {
    name: f for module in MODULES for name, f in _defined_in(module).items()}
_HOME = {name: module for module in MODULES for name in _defined_in(module)}


def rulebook() -> dict[str, Callable[..., Any]]:
    """The rules in force now: :data:`RULES`, with any replacement made since (by
    :func:`replaced` or by assigning a module attribute, e.g. in a test)."""
    return {name: getattr(_HOME[name], name) for name in RULES}


@contextlib.contextmanager
def replaced(**rules: Callable[..., Any]) -> Iterator[None]:
    """Use other functions for some rules inside the ``with`` block, e.g.
    ``with replaced(update_trust=my_update_trust): results = run(scenario)``.

    Models built inside the block use the replacements (the engine compiles a version
    with them inlined, once per set of replacements); the previous rules come back on
    exit. A replacement must take the same arguments as the rule and be numba-compatible
    Python. Replacements live in this process: run replications with ``workers=1``.
    """
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise KeyError(f"no rule named {', '.join(unknown)}; rules: {', '.join(RULES)}")
    before = {name: getattr(_HOME[name], name) for name in rules}
    try:
        for name, function in rules.items():
            setattr(_HOME[name], name, function)
        yield
    finally:
        for name, function in before.items():
            setattr(_HOME[name], name, function)


@functools.cache
def elementwise(rule: Callable[..., Any]) -> Callable[..., Any]:
    """The array form of a rule: the same function broadcast over numpy arrays (a numba
    ufunc compiled on first use for the argument types), for notebooks and tests.

    Example: ``elementwise(trust.update_trust)(np.linspace(0, 1, 5), 0.05, 0.08, 0.03,
    0.08, 0.7)``.
    """
    import numba

    return numba.vectorize(cache=False)(rule)
