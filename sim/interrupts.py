"""Ctrl-C that ends long work cleanly: noticed once, at the top, whatever it broke (imports
nothing of ``sim``: any layer may use it).

A Ctrl-C arrives as ``KeyboardInterrupt`` wherever the main thread happens to be — inside
numba's loading of compiled code, a Dask future, pickling — and the code there may turn
it into another exception, chained to the first. :class:`catch_interrupts` counts the
signal itself, so the command line can tell an interrupted command from a failed one
whatever exception comes out (:func:`received`), and print one line instead of a
traceback. Worker processes ignore Ctrl-C (:func:`ignore_interrupts`): their parent
stops them, so they print nothing of their own.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

_count = 0


def received() -> int:
    """How many Ctrl-C (SIGINT) arrived inside :func:`catch_interrupts` so far."""
    return _count


def _handler(signum: int, frame: Any) -> None:
    global _count
    _count += 1
    raise KeyboardInterrupt


@contextlib.contextmanager
def catch_interrupts() -> Iterator[None]:
    """Count every SIGINT during the block (then raise ``KeyboardInterrupt`` as usual);
    outside the main thread, do nothing."""
    global _count
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _handler)
    _count = 0
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_interrupts() -> None:
    """Make this process ignore Ctrl-C (the initializer of worker processes, whose
    parent stops them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while the block starts child processes: they inherit it (their
    parent stops them on Ctrl-C, so they print nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_pool(pool: Any) -> None:
    """Stop a ``concurrent.futures.ProcessPoolExecutor`` now: cancel what has not
    started, end the worker processes (they ignore Ctrl-C) and do not wait for them."""
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
