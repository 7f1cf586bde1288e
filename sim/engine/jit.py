"""How the engine is compiled: numba on its loops (marked :func:`kernel`), the rules
inlined into them (:func:`link`), cached on disk in a folder named after a hash of every
rule and loop — numba's own cache looks at a file's timestamp only and would load stale
code after a rule is edited. Rules replaced at run time get a freshly linked copy
(:func:`engine_for`); ``NUMBA_DISABLE_JIT=1`` runs the same loops as Python.
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
#: numpy's error model: a division by zero gives inf or nan, with no check before each.
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
    """``$NUMBA_CACHE_DIR`` (or the user's cache folder) / ``trustmarket-<source hash>``."""
    base = os.environ.get("NUMBA_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(
        Path.home() / ".cache")
    return Path(base) / f"trustmarket-{source_hash()}"


@contextlib.contextmanager
def _cache_location() -> Iterator[None]:
    """Functions decorated inside this block cache in :func:`cache_dir`."""
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


def kernel_modules() -> tuple[str, ...]:
    """The modules whose loops are marked :func:`kernel`, by qualified name."""
    return tuple(_KERNELS)


def _options(inline: bool, entry: bool) -> dict[str, Any]:
    """Only entry points get a wrapper callable from Python (a good share of a
    function's compile time)."""
    if inline:
        return {"inline": "always", **OPTIONS}
    return {"cache": True, "no_cpython_wrapper": not entry, **OPTIONS}


def link(namespace: dict[str, Any]) -> None:
    """Compile an engine module (called at its end with ``globals()``): its imported rules
    become inlined versions of :data:`sim.rules.RULES`, its kernels cached compilations."""
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
    """``rule`` as a numba function inlined where it is called. Another rule it calls is
    the one in force in ``book`` (name, function pairs); any other plain Python function
    it calls (a replacement's helper, or the rule as written that it wraps) is compiled
    the same way."""
    rules_in_book = dict(book)
    linked = dict(rule.__globals__)
    for name in rule.__code__.co_names:
        value = linked.get(name)
        if value in rules.MODULES:
            raise ValueError(
                f"{rule.__qualname__} uses the module {value.__name__}: call the rules as "
                "written through sim.rules.RULES[name] (while a rule is replaced, its "
                "module's attribute is the replacement)")
        if name in rules.RULES and value is rules.RULES[name] and rules_in_book[name] is not rule:
            value = rules_in_book[name]  # a rule calling another follows its replacement
        if isinstance(value, types.FunctionType) and value is not rule:
            linked[name] = inlined(value, book)
    copy = types.FunctionType(rule.__code__, linked, rule.__name__, rule.__defaults__,
                              rule.__closure__)
    return numba.njit(inline="always", **OPTIONS)(copy)


def engine_for(book: Mapping[str, Callable[..., Any]]) -> dict[str, dict[str, Any]]:
    """The engine modules' namespaces for a set of rules: the modules themselves for
    :data:`sim.rules.RULES`, else copies of every kernel linked to ``book``, cached on
    disk under a hash of the replacements (:func:`replacement_hash`) when they can be
    hashed, else compiled in memory."""
    if dict(book) == rules.RULES:
        return {name: vars(sys.modules[name]) for name in _KERNELS}
    return _relinked(tuple(book.items()))


def replacement_hash(book: Mapping[str, Callable[..., Any]]) -> str | None:
    """Hash of the rules in ``book`` that differ from :data:`sim.rules.RULES`: their code,
    defaults, closure values and the globals they read (numba compiles those in as
    constants), recursively through the Python functions they call; None when a value
    has no stable text (then the relinked engine is not cached)."""
    h = hashlib.sha256(source_hash().encode())
    seen: set[int] = set()

    def code(c: types.CodeType) -> None:
        h.update(c.co_code)
        h.update(repr((c.co_names, c.co_varnames, c.co_argcount)).encode())
        for const in c.co_consts:
            code(const) if isinstance(const, types.CodeType) else value(const)

    def value(v: Any) -> None:
        if isinstance(v, types.FunctionType):
            if id(v) not in seen:
                seen.add(id(v))
                function(v)
        elif isinstance(v, (bool, int, float, complex, str, bytes, type(None))) or (
                isinstance(v, tuple) and all(isinstance(x, (bool, int, float, str)) for x in v)):
            h.update(repr(v).encode())
        elif isinstance(v, types.ModuleType) or getattr(v, "__module__", "").startswith(
                ("numba", "numpy", "math")):
            h.update(getattr(v, "__name__", repr(type(v))).encode())
        else:
            raise TypeError(v)

    def function(f: types.FunctionType) -> None:
        code(f.__code__)
        for v in (*(f.__defaults__ or ()), *(c.cell_contents for c in f.__closure__ or ())):
            value(v)
        for name in f.__code__.co_names:
            if name in f.__globals__:
                h.update(name.encode())
                value(f.__globals__[name])

    try:
        for name, rule in sorted(book.items()):
            if rules.RULES.get(name) is not rule:
                h.update(name.encode())
                function(rule)
    except (TypeError, AttributeError, ValueError):
        return None
    return h.hexdigest()[:16]


@functools.cache
def _relinked(book: tuple[tuple[str, Callable[..., Any]], ...]) -> dict[str, dict[str, Any]]:
    key = replacement_hash(dict(book))
    if key is None:
        return _relink(book, cache=None)
    folder = cache_dir().with_name(f"{cache_dir().name}-replaced-{key}")
    before = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(folder)
    try:
        return _relink(book, cache=folder)
    finally:
        numba.config.CACHE_DIR = before


def _relink(book: tuple[tuple[str, Callable[..., Any]], ...],
            cache: Path | None) -> dict[str, dict[str, Any]]:
    """Copies of the engine's namespaces in which the kernels that call a replaced rule
    (directly, or through another rule or kernel) are compiled afresh with the rules of
    ``book`` inlined; every other kernel is the default one, compiled once."""
    rule_names = dict(book)
    spaces = {name: dict(vars(sys.modules[name])) for name in _KERNELS}
    affected_rules = _rules_calling(
        {name for name, f in book if rules.RULES.get(name) is not f}, rule_names)
    originals = {}  # a default kernel that must change (or its Python function) -> its copy
    for module, name in _kernels_calling(affected_rules, spaces):
        space = spaces[module]
        default = space[name]
        function = getattr(default, "py_func", default)
        copy = types.FunctionType(function.__code__, space, function.__name__,
                                  function.__defaults__, function.__closure__)
        options = _KERNELS[module][name]
        chosen = options if cache else {k: v for k, v in options.items() if k != "cache"}
        space[name] = numba.njit(**chosen)(copy) if COMPILED else copy
        originals[id(default)] = space[name]
    for space in spaces.values():
        for name, value in list(space.items()):
            if name in affected_rules and callable(value) and not isinstance(value, type):
                function = rule_names[name]
                space[name] = inlined(function, book) if COMPILED else function
            elif id(value) in originals:
                space[name] = originals[id(value)]
    return spaces


def _names(code: types.CodeType) -> set[str]:
    """The global names a function's code (and code nested in it) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _rules_calling(replaced: set[str], book: Mapping[str, Callable[..., Any]]) -> set[str]:
    """``replaced`` and every rule that calls one of them, directly or through others."""
    affected = set(replaced)
    while True:
        more = {name for name, f in book.items() if name not in affected
                and _names(getattr(f, "py_func", f).__code__) & affected}
        if not more:
            return affected
        affected |= more


def _kernels_calling(affected_rules: set[str],
                     spaces: Mapping[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """The kernels (module, name) that call an affected rule, or a kernel that does."""
    reads = {}  # each kernel: the names its code reads
    for module, kernels in _KERNELS.items():
        for name in kernels:
            value = spaces[module][name]
            reads[module, name] = _names(getattr(value, "py_func", value).__code__)
    affected = {kernel for kernel, names in reads.items() if names & affected_rules}
    while True:
        changed_ids = {id(spaces[m][n]) for m, n in affected}
        more = {(module, name) for (module, name), names in reads.items()
                if (module, name) not in affected
                and any(id(spaces[module].get(r)) in changed_ids for r in names)}
        if not more:
            return sorted(affected)
        affected |= more


_MARKER = "compiled"


def needs_compiling() -> bool:
    """Whether the next model built compiles the engine (nothing cached for these sources)."""
    return COMPILED and not (cache_dir() / _MARKER).exists()


def mark_compiled() -> None:
    """Note in :func:`cache_dir` that the kernels are compiled there."""
    if COMPILED:
        with contextlib.suppress(OSError):
            (cache_dir() / _MARKER).touch()


#: What the command line and the app say while the engine compiles.
COMPILE_NOTICE = ("compiling the simulation engine (first run only, about 30 s; later "
                  "runs load it from the cache)")
