"""The engine's loops as plain Python in a process where numba compiles them: what a
market steps with while the compiled engine is still being built (the first run on an
empty cache, :mod:`sim.model.compile_ahead`).

Every compiled function of the engine is swapped for the Python function it was compiled
from, each reading a copy of its module's namespace in which the same swap is made, and
every inlined rule for the rule in force. The loops are the ones ``NUMBA_DISABLE_JIT=1``
runs, so the trajectory is the compiled one.
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

from numba.core.dispatcher import Dispatcher

from sim.engine import jit, prefetch, step


def entry_points(book: Mapping[str, Callable[..., Any]]
                 ) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``customer_step`` and ``arrive_initial`` (as :func:`sim.engine.entry_points`) run
    as Python, with the rules of ``book``; they take the workspace built by
    ``workspace(..., compiled=False)``."""
    space = _spaces(tuple(book.items()))[step.__name__]
    return space["customer_step"], space["arrive_initial"]


@functools.cache
def _spaces(book: tuple[tuple[str, Callable[..., Any]], ...]) -> dict[str, dict[str, Any]]:
    rules_in_force = dict(book)
    names = {name for name in sys.modules if name.startswith("sim.engine.")}
    names |= set(jit.kernel_modules())
    spaces = {name: dict(vars(sys.modules[name])) for name in sorted(names)}
    swaps = {id(prefetch.prefetch): prefetch.no_prefetch}

    def plain(name: str, value: Any) -> Any:
        if name in rules_in_force and isinstance(value, Dispatcher):
            return rules_in_force[name]  # a rule inlined by jit.link
        if id(value) in swaps:
            return swaps[id(value)]
        if isinstance(value, Dispatcher):
            f = value.py_func
            home = spaces.get(f.__module__, f.__globals__)
            swaps[id(value)] = types.FunctionType(f.__code__, home, f.__name__,
                                                  f.__defaults__, f.__closure__)
            return swaps[id(value)]
        return value

    for space in spaces.values():
        for name, value in list(space.items()):
            space[name] = plain(name, value)
    return spaces
