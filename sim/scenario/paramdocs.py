"""Parameter tables for ``docs/model.md``, generated from the scenario schema.

Run ``python -m sim.scenario.paramdocs`` to refresh the tables between the markers in
``docs/model.md``; a test fails when they are out of date, and another when a key a
scenario file accepts is missing from them, so the documented keys, defaults, units and
ranges are always the ones the code uses.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.scenario.load import Scenario
from sim.scenario.schema import (
    HOLES,
    AdaptiveSpec,
    CustomerSpec,
    FirmSpec,
    HoleValues,
    Levers,
    MarketSpec,
    NetworkSpec,
    RunSpec,
)
from sim.scenario.validation import allowed_text, parameter_table

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
HEADER = ["| key | default | unit | allowed | meaning | seed idea |", "|---|---|---|---|---|---|"]

#: Table title, the record it documents, and a sentence on where its keys go.
TABLES: tuple[tuple[str, type, str], ...] = (
    ("Top level", Scenario, "Keys outside any table, and the tables of a scenario file."),
    ("[run]", RunSpec, ""),
    ("[market]", MarketSpec, ""),
    ("[network]", NetworkSpec, ""),
    ("[customers]", CustomerSpec, ""),
    ("[strategies.NAME] and [firms.levers]", Levers,
     "A strategy is a named set of these levers (`[strategies.NAME]`, any NAME); a firm "
     "takes its strategy's values and may override any of them in its own `levers` table "
     "(`[firms.levers]` after its `[[firms]]` entry, or `levers = { ... }`)."),
    ("[[firms]]", FirmSpec, "One entry per firm (at least one)."),
    ("[firms.adaptive]", AdaptiveSpec,
     "Optional, per firm: present, the firm reviews its results and may switch strategy."),
)
#: Meanings for fields the schema declares without a ``param`` doc.
NOTES = {
    (Scenario, "source"): "where the scenario came from, set by the loader (the file's "
    "path, or `<dict>`); relative graph paths are resolved against it. A `source` key in "
    "a file is accepted and ignored",
}
#: What a table-valued default stands for, in words.
TABLE_DEFAULTS = {
    (Scenario, "run"): "see [run]", (Scenario, "market"): "see [market]",
    (Scenario, "network"): "see [network]", (Scenario, "customers"): "see [customers]",
    (Scenario, "strategies"): "(required) see [strategies.NAME]",
    (Scenario, "firms"): "(required) see [[firms]]",
    (FirmSpec, "levers"): "the strategy's; see [firms.levers]",
    (FirmSpec, "adaptive"): "(absent) see [firms.adaptive]",
    (MarketSpec, "failure_base"): "see [market.failure_base]",
    (MarketSpec, "failure_severity"): "see [market.failure_severity]",
}
HOLE_LABELS = {"rude": "rude staff", "poor_service": "poor service",
               "untrained_staff": "untrained staff", "poor_quality": "poor quality",
               "poor_selection": "poor selection"}


def _default_text(cls: type, row: dict[str, Any]) -> str:
    if (cls, row["key"]) in TABLE_DEFAULTS:
        return TABLE_DEFAULTS[(cls, row["key"])]
    default = row["default"]
    if isinstance(default, tuple):
        return ", ".join(f"{v:g}" for v in default)
    if isinstance(default, str) and not default.startswith("("):
        return f"`{default}`" if default else '`""`'  # code: '<dict>' is no HTML tag
    return str(default)


def _rows(cls: type) -> list[str]:
    out = []
    for row in parameter_table(cls):
        meaning = row["meaning"] or NOTES.get((cls, row["key"]), "")
        out.append(f"| `{row['key']}` | {_default_text(cls, row)} | {row['unit']} | "
                   f"{row['allowed']} | {meaning} | {row['seed_idea']} |")
    return out


def _hole_tables() -> Iterable[str]:
    """``market.failure_base`` and ``market.failure_severity``: one key per hole, with the
    market's defaults (not the bare record's)."""
    market = MarketSpec()
    fields = {f.name: f for f in dataclasses.fields(MarketSpec)}
    holes = {f.name: f for f in dataclasses.fields(HoleValues)}
    for name in ("failure_base", "failure_severity"):
        meta = fields[name].metadata
        values: HoleValues = getattr(market, name)
        yield f"#### [market.{name}]"
        yield ""
        yield f"{meta['doc'].capitalize()}: one key per hole of the leaky bucket."
        yield ""
        yield from HEADER
        for hole in HOLES:
            yield (f"| `{hole}` | {getattr(values, hole):g} | {meta['unit']} | "
                   f"{allowed_text(holes[hole].metadata)} | {meta['doc']}: "
                   f"{HOLE_LABELS[hole]} | {meta['seed_idea']} |")
        yield ""


def parameter_markdown() -> str:
    """Markdown tables of every key a scenario file accepts: key, default, unit, allowed,
    meaning, seed idea — one table per TOML table, in the order of a file."""
    out = []
    for title, cls, intro in TABLES:
        out += [f"#### {title}", ""]
        if intro:
            out += [intro, ""]
        out += [*HEADER, *_rows(cls), ""]
        if cls is MarketSpec:
            out += list(_hole_tables())
    return "\n".join(out)


def refresh(path: Path = DOC) -> bool:
    """Rewrite the generated section of ``path``; return True if it changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{parameter_markdown()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    changed = refresh(Path(sys.argv[1]) if len(sys.argv) > 1 else DOC)
    print("docs/model.md updated" if changed else "docs/model.md already up to date")
