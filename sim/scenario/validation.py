"""Typed, validated parameter records built from plain dictionaries.

Every parameter of a scenario is declared once, with :func:`param`, as a field of a
frozen dataclass: its default, unit, meaning and allowed range live in the field's
metadata. :func:`build` turns a dictionary (parsed TOML) into such a dataclass and
collects *every* problem it meets — unknown keys (with a close-match suggestion),
wrong types, values out of range, inconsistent combinations — instead of stopping at
the first. The same metadata feeds the parameter tables in ``docs/model.md``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = dataclasses.MISSING


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what was found, what is allowed."""

    path: str
    value: Any
    message: str

    def __str__(self) -> str:
        shown = "(missing)" if self.value is _MISSING else shorten(repr(self.value))
        return f"{shorten(self.path) or '<top level>'} = {shown}: {self.message}"


#: Longest value (or key path) an error message repeats; a 1 MB value is not echoed back.
SHOWN_CHARACTERS = 120
#: Most problems an error message lists (the rest are counted): every problem is found,
#: but a file with ten thousand bad values needs the first few to be fixed.
SHOWN_PROBLEMS = 40


def shorten(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else f"{text[:limit - 25]}... ({len(text)} characters)"


class ScenarioError(ValueError):
    """A scenario (file or dictionary), or a file it or a sweep relies on, failed
    validation.

    The message names the source and what it is (``what``: "scenario", "sweep file",
    "graph file"), and for every problem the key path, the offending value and what is
    allowed. ``problems`` holds them as :class:`Problem` records.
    """

    def __init__(self, source: str, problems: Sequence[Problem], what: str = "scenario"):
        self.source = source
        self.what = what
        self.problems = list(problems)
        lines = [f"{source}: {len(self.problems)} problem(s) in {what}"]
        lines += [f"  - {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        if len(self.problems) > SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(self.problems) - SHOWN_PROBLEMS} more")
        super().__init__("\n".join(lines))


def param(
    default: Any = _MISSING,
    *,
    doc: str,
    unit: str = "",
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: Sequence[Any] | None = None,
    length: int | None = None,
    seed_idea: str = "",
) -> Any:
    """Declare a validated parameter field.

    Parameters
    ----------
    default
        Value used when the key is absent; omit to make the key required.
    doc
        What the parameter means (shown in errors and in the docs).
    unit
        Unit of the value, e.g. ``"1/step"`` or ``"money/customer/step"``.
    ge, gt, le, lt
        Inclusive/exclusive bounds for numbers (applied to each element of a tuple).
    choices
        The allowed values, for categorical parameters.
    length
        Required length, for tuple parameters.
    seed_idea
        The idea from the seeds (``shared/MODEL.md``) the parameter implements.
    """
    metadata = {
        "doc": doc,
        "unit": unit,
        "ge": ge,
        "gt": gt,
        "le": le,
        "lt": lt,
        "choices": tuple(choices) if choices is not None else None,
        "length": length,
        "seed_idea": seed_idea,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed; use a tuple")
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: default, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def allowed_text(meta: Mapping[str, Any]) -> str:
    """Describe the allowed values of a field from its metadata, e.g. ``0 <= x <= 1``."""
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    low = f"{meta['ge']} <= " if meta.get("ge") is not None else (
        f"{meta['gt']} < " if meta.get("gt") is not None else "")
    high = f" <= {meta['le']}" if meta.get("le") is not None else (
        f" < {meta['lt']}" if meta.get("lt") is not None else "")
    return f"{low}x{high}" if (low or high) else ""


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (tuple, Sequence):
        args = typing.get_args(tp)
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin in (dict, Mapping):
        return f"table of {_type_name(typing.get_args(tp)[1])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return "table"
    return {float: "number", int: "integer", bool: "true/false", str: "string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _check_number(value: Any, tp: type, meta: Mapping[str, Any], path: str,
                  problems: list[Problem]) -> Any:
    # bool is an int subclass in Python; a TOML `true` is never a valid number here.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(Problem(path, value, f"expected {_type_name(tp)}"))
        return _MISSING
    if tp is int and not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            problems.append(Problem(path, value, "expected a whole number (integer)"))
            return _MISSING
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(path, value, "must be a finite number"))
        return _MISSING
    bad = (
        (meta.get("ge") is not None and value < meta["ge"])
        or (meta.get("gt") is not None and value <= meta["gt"])
        or (meta.get("le") is not None and value > meta["le"])
        or (meta.get("lt") is not None and value >= meta["lt"])
    )
    if bad:
        problems.append(Problem(path, value, f"out of range; allowed: {allowed_text(meta)}"
                                f" ({meta.get('doc', '')})"))
        return _MISSING
    return float(value) if tp is float else value


def _convert(value: Any, tp: Any, meta: Mapping[str, Any], path: str,
             problems: list[Problem]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and len(options) < len(typing.get_args(tp)):
            return None
        return _convert(value, options[0], meta, path, problems)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, path=path, problems=problems)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            problems.append(Problem(path, value, f"expected {_type_name(tp)}"))
            return _MISSING
        if meta.get("length") is not None and len(value) != meta["length"]:
            problems.append(Problem(path, value, f"expected exactly {meta['length']} values"))
            return _MISSING
        item_tp = typing.get_args(tp)[0]
        items = [_convert(v, item_tp, meta, f"{path}[{i}]", problems)
                 for i, v in enumerate(value)]
        return _MISSING if any(i is _MISSING for i in items) else tuple(items)
    if origin is dict:
        if not isinstance(value, Mapping):
            problems.append(Problem(path, value, f"expected {_type_name(tp)}"))
            return _MISSING
        item_tp = typing.get_args(tp)[1]
        out = {k: _convert(v, item_tp, meta, f"{path}.{k}", problems) for k, v in value.items()}
        return _MISSING if any(v is _MISSING for v in out.values()) else out
    if tp in (int, float):
        return _check_number(value, tp, meta, path, problems)
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(Problem(path, value, "expected true or false"))
            return _MISSING
        return value
    if tp is str:
        if not isinstance(value, str):
            problems.append(Problem(path, value, "expected a string"))
            return _MISSING
        if meta.get("choices") and value not in meta["choices"]:
            hint = difflib.get_close_matches(value, meta["choices"], n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(Problem(path, value, f"not allowed; {allowed_text(meta)}{extra}"))
            return _MISSING
        return value
    raise TypeError(f"unsupported parameter type {tp!r} at {path}")


def build(cls: type[T], data: Any, *, path: str = "", problems: list[Problem]) -> Any:
    """Build the dataclass ``cls`` from ``data``, appending every problem to ``problems``.

    Returns the instance, or ``dataclasses.MISSING`` if any of its own fields failed.
    After the fields are built, the class's optional ``check()`` method adds problems
    about combinations of values (each a :class:`Problem` relative to ``path``).
    """
    if not isinstance(data, Mapping):
        problems.append(Problem(path, data, f"expected a table ({cls.__name__})"))
        return _MISSING
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    prefix = f"{path}." if path else ""
    for key in data:
        if key not in fields:
            hint = difflib.get_close_matches(str(key), list(fields), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(Problem(f"{prefix}{key}", data[key],
                                    f"unknown key{extra} (allowed: {', '.join(fields)})"))
    values: dict[str, Any] = {}
    failed = False
    for name, field in fields.items():
        if name in data:
            value = _convert(data[name], hints[name], field.metadata, f"{prefix}{name}", problems)
        elif field.default is not _MISSING:
            value = field.default
        elif field.default_factory is not _MISSING:
            value = field.default_factory()
        else:
            problems.append(Problem(f"{prefix}{name}", _MISSING,
                                    f"required key is missing ({field.metadata.get('doc', '')})"))
            value = _MISSING
        failed |= value is _MISSING
        values[name] = value
    if failed:
        return _MISSING
    instance = cls(**values)
    check = getattr(instance, "check", None)
    if check is not None:
        for p in check():
            problems.append(Problem(f"{prefix}{p.path}" if p.path else path, p.value, p.message))
    return instance


def to_plain(value: Any) -> Any:
    """Turn a built record back into plain dicts/lists (the inverse of :func:`build`)."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [to_plain(v) for v in value]
    return value


def parameter_table(cls: type) -> list[dict[str, Any]]:
    """List the fields of a parameter record (name, default, unit, allowed, meaning)."""
    rows = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not _MISSING else (
            "(required)" if f.default_factory is _MISSING else "(table)")
        rows.append({
            "key": f.name,
            "default": default,
            "unit": f.metadata.get("unit", ""),
            "allowed": allowed_text(f.metadata),
            "meaning": f.metadata.get("doc", ""),
            "seed_idea": f.metadata.get("seed_idea", ""),
        })
    return rows
