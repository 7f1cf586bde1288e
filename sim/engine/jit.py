"""How the engine is compiled: numba on its loops, the rules inlined into them, and a disk
cache that a change to any rule or loop invalidates.

Every loop of the engine is marked with :func:`kernel`; each engine module ends with
``link(globals())``, which binds the rules it imported from :mod:`sim.rules` to
numba-inlined versions and compiles its kernels, cached on disk (compiled once per
machine, loaded in ~1 s afterwards). numba's own cache keys a function by its file's
timestamp only, so a loop calling a rule that was edited would load stale machine code:
here the cache lives in a folder named after a hash of the sources of ``sim/rules`` and
``sim/engine`` (and the compiled accounts), so any edit compiles afresh.

Rules replaced at run time (:func:`sim.rules.replaced`, or a test assigning a rule
module's attribute) are seen by :func:`engine_for`, which links a copy of every kernel to
the rules in force, compiled in memory. With ``NUMBA_DISABLE_JIT=1`` nothing is compiled:
the same loops and rules run as Python, the debuggable path.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

# Before numba is imported: numba colours each of the thousands of error messages its
# type inference makes and discards while compiling, a good second of the first run.
os.environ.setdefault("NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING", "1")

import numba

import sim.rules as rules

#: Whether loops are compiled (``NUMBA_DISABLE_JIT=1`` runs them as Python).
COMPILED = not numba.config.DISABLE_JIT
#: How kernels are compiled: numpy's error model (a division by zero gives inf or nan
#: without a check before every division).
OPTIONS = {"error_model": "numpy"}
_SIM = Path(__file__).resolve().parent.parent
#: Sources whose compiled code the cache holds: a change to any of them invalidates it.
SOURCES = (*sorted((_SIM / "rules").glob("*.py")), *sorted((_SIM / "engine").glob("*.py")),
           _SIM / "model" / "accounts.py")
#: The compiled kernels: qualified module name -> kernel name -> numba options.
_KERNELS: dict[str, dict[str, dict[str, Any]]] = {}


def source_hash() -> str:
    """Hash of :data:`SOURCES` (their bytes) and the Python and numba versions."""
    h = hashlib.sha256(f"{sys.version_info[:2]} {numba.__version__}".encode())
    for path in SOURCES:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@functools.cache
def cache_dir() -> Path:
    """Where compiled kernels are kept: ``$NUMBA_CACHE_DIR`` (or the user's cache folder)
    / ``trustmarket-<source hash>``."""
    base = os.environ.get("NUMBA_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(
        Path.home() / ".cache")
    return Path(base) / f"trustmarket-{source_hash()}"


@contextlib.contextmanager
def _cache_location() -> Iterator[None]:
    """numba places the caches of functions decorated inside this block in :func:`cache_dir`
    (its locator reads ``config.CACHE_DIR`` when a function is decorated)."""
    before = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(cache_dir())
    try:
        yield
    finally:
        numba.config.CACHE_DIR = before


def kernel(function: Callable[..., Any] | None = None, *, inline: bool = False,
           entry: bool = False) -> Any:
    """Mark a loop of the engine for compilation by its module's :func:`link`:
    ``@kernel`` (called from compiled code only), ``@kernel(entry=True)`` (also called
    from Python) or ``@kernel(inline=True)`` (a small helper, inlined where called)."""
    def mark(f: Callable[..., Any]) -> Callable[..., Any]:
        _KERNELS.setdefault(f.__module__, {})[f.__name__] = _options(inline, entry)
        return f
    return mark(function) if function is not None else mark


def _options(inline: bool, entry: bool) -> dict[str, Any]:
    """numba's options for a kernel: inlined helpers are compiled into their callers;
    the others are cached, and only entry points get a wrapper callable from Python
    (building one costs a good share of a function's compile time)."""
    if inline:
        return {"inline": "always", **OPTIONS}
    return {"cache": True, "no_cpython_wrapper": not entry, **OPTIONS}


def link(namespace: dict[str, Any]) -> None:
    """Compile an engine module: bind its imported rules to inlined versions of the rules
    as written (:data:`sim.rules.RULES`) and compile its kernels, cached on disk. Called
    once, at the end of the module, with its ``globals()``."""
    if not COMPILED:
        return
    for name in list(namespace):
        if rules.RULES.get(name) is namespace[name]:
            namespace[name] = inlined(rules.RULES[name], _default_book())
    with _cache_location():
        for name, options in _KERNELS.get(namespace["__name__"], {}).items():
            namespace[name] = numba.njit(**options)(namespace[name])


@functools.cache
def _default_book() -> tuple[tuple[str, Callable[..., Any]], ...]:
    return tuple(rules.RULES.items())


@functools.cache
def inlined(rule: Callable[..., Any],
            book: tuple[tuple[str, Callable[..., Any]], ...]) -> Callable[..., Any]:
    """``rule`` as a numba function inlined where it is called. The rules it calls are
    taken from ``book`` (name, function pairs), and any other plain Python function it
    calls (a replacement's own helper) is compiled the same way."""
    rules_in_book = dict(book)
    linked = dict(rule.__globals__)
    for name in rule.__code__.co_names:
        function = rules_in_book.get(name, linked.get(name))
        if isinstance(function, types.FunctionType) and function is not rule:
            linked[name] = inlined(function, book)
    copy = types.FunctionType(rule.__code__, linked, rule.__name__, rule.__defaults__,
                              rule.__closure__)
    return numba.njit(inline="always", **OPTIONS)(copy)


def engine_for(book: Mapping[str, Callable[..., Any]]) -> dict[str, dict[str, Any]]:
    """The engine's modules' namespaces for a set of rules: the modules themselves when
    ``book`` is :data:`sim.rules.RULES`, else copies of every kernel linked to ``book``
    (compiled in memory on first use, not cached)."""
    if dict(book) == rules.RULES:
        return {name: vars(sys.modules[name]) for name in _KERNELS}
    return _relinked(tuple(book.items()))


@functools.cache
def _relinked(book: tuple[tuple[str, Callable[..., Any]], ...]) -> dict[str, dict[str, Any]]:
    rule_names = dict(book)
    spaces = {name: dict(vars(sys.modules[name])) for name in _KERNELS}
    originals = {}  # the default kernel (or its Python function) -> its relinked copy
    for module, space in spaces.items():
        for name, options in _KERNELS[module].items():
            default = space[name]
            function = getattr(default, "py_func", default)
            copy = types.FunctionType(function.__code__, space, function.__name__,
                                      function.__defaults__, function.__closure__)
            in_memory = {k: v for k, v in options.items() if k != "cache"}
            space[name] = numba.njit(**in_memory)(copy) if COMPILED else copy
            originals[id(default)] = space[name]
    for space in spaces.values():
        for name, value in list(space.items()):
            if name in rule_names and callable(value) and not isinstance(value, type):
                function = rule_names[name]
                space[name] = inlined(function, book) if COMPILED else function
            elif id(value) in originals:
                space[name] = originals[id(value)]
    return spaces


# ------------------------------------------------------------------ first-run notice
_MARKER = "compiled"


def needs_compiling() -> bool:
    """Whether the next model built in this process compiles the engine (no compiled
    kernels in :func:`cache_dir` for these sources yet)."""
    return COMPILED and not (cache_dir() / _MARKER).exists()


def mark_compiled() -> None:
    """Note in :func:`cache_dir` that the kernels are compiled there."""
    if COMPILED:
        with contextlib.suppress(OSError):
            (cache_dir() / _MARKER).touch()


#: What the command line and the app say while the engine compiles.
COMPILE_NOTICE = ("compiling the simulation engine (first run only, about 10-20 s; later "
                  "runs load it from the cache)")
