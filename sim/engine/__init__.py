"""The engine: the compiled customer step — its loops, its counter-based random stream,
the state arrays it works on, memory placement, the same loops as Python for the steps run
while it compiles — and no formulas of its own (those are :mod:`sim.rules`, inlined into
the loops). Imports the rules and the scenario schema;
the market model (:mod:`sim.model`) drives it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from sim.engine import jit, step
from sim.rules import RULES, rulebook

log = logging.getLogger("trustmarket")


def say(message: str) -> None:
    """Tell the user ``message`` at INFO on the ``trustmarket`` logger, or where nothing
    would show that (logging unconfigured) as a line of a notebook cell's output, or of a
    script's standard error."""
    if log.hasHandlers():
        log.info(message)
    else:
        in_notebook = "ipykernel" in sys.modules  # there stderr reads as a warning
        print(message, file=sys.stdout if in_notebook else sys.stderr, flush=True)


def entry_points() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The engine's two calls for the rules in force (:func:`sim.rules.rulebook`):
    ``customer_step(workspace, step, arrivals_from, arrivals)`` and
    ``arrive_initial(workspace, count)``. Says so (logger ``trustmarket``, level INFO)
    when they will compile before they can run (:func:`say`)."""
    book = rulebook()
    if book != RULES:
        replaced = ", ".join(name for name in book if book[name] is not RULES[name])
        say(f"compiling the simulation engine with replaced rules ({replaced})")
    elif jit.needs_compiling():
        say(jit.COMPILE_NOTICE)
    space = jit.engine_for(book)[step.__name__]
    return space["customer_step"], space["arrive_initial"]


def python_entry_points() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The same two calls run as Python, with the rules in force: what a market steps with
    while the compiled engine is built in another process (:mod:`sim.engine.interpreted`)."""
    from sim.engine import interpreted

    return interpreted.entry_points(rulebook())


__all__ = ["entry_points", "jit", "python_entry_points", "say"]
