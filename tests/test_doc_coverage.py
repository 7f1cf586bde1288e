"""The docs cover what the code accepts, and point only at files in the repository.

* docs/model.md's parameter tables list every key a scenario file accepts — the tables
  and keys are derived here from the schema's type hints (not from the generator's list),
  and cross-checked against what ``scenario_from_dict`` round-trips — and no stale key.
* No page of the docs (README, docs/, the notebooks' prose) links to a file outside the
  repository or to one that does not exist, nor names the brief and sources that lived
  outside it.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path

import nbformat
import pytest

from sim.scenario import Scenario, scenario_from_dict
from sim.scenario.paramdocs import DOC, END, START

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = {"strategies": {"s": {}},
           "firms": [{"name": "A", "strategy": "s", "adaptive": {"alternatives": ["s"]}}]}


def _record(tp: typing.Any) -> tuple[str, type] | None:
    """('table' | 'named' | 'array', record class) for a field typed as a TOML table."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _record(inner[0]) if len(inner) == 1 else None
    if dataclasses.is_dataclass(tp):
        return "table", tp
    if origin is dict and dataclasses.is_dataclass(args[1]):
        return "named", args[1]
    if origin is tuple and args and dataclasses.is_dataclass(args[0]):
        return "array", args[0]
    return None


def schema_tables() -> dict[str, set[str]]:
    """Every TOML table a scenario file may have, as its doc heading names it, with the keys
    it accepts — walked from :class:`Scenario`'s type hints."""
    tables = {"Top level": {f.name for f in dataclasses.fields(Scenario)}}

    def visit(cls: type, parent: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            found = _record(hints[f.name])
            if found is None:
                continue
            kind, record = found
            path = f"{parent}.{f.name}" if parent else f.name
            title = {"table": f"[{path}]", "named": f"[{path}.NAME]",
                     "array": f"[[{path}]]"}[kind]
            tables[title] = {g.name for g in dataclasses.fields(record)}
            visit(record, path)

    visit(Scenario, "")
    return tables


def documented_tables(text: str) -> dict[str, set[str]]:
    """Keys per table title in the generated section; a heading may name several tables
    ("[strategies.NAME] and [firms.levers]")."""
    section = text.split(START, 1)[1].split(END, 1)[0]
    tables: dict[str, set[str]] = {}
    current: list[str] = []
    for line in section.splitlines():
        if line.startswith("#### "):
            current = [t.strip() for t in line[5:].split(" and ")]
            for title in current:
                tables.setdefault(title, set())
        elif (m := re.match(r"\| `(\w+)` \|", line)) and current:
            for title in current:
                tables[title].add(m.group(1))
    return tables


def test_every_accepted_key_is_in_the_parameter_tables():
    documented = documented_tables(DOC.read_text(encoding="utf-8"))
    expected = schema_tables()
    assert {"Top level", "[run]", "[market]", "[network]", "[customers]", "[strategies.NAME]",
            "[[firms]]", "[firms.levers]", "[firms.adaptive]", "[market.failure_base]",
            "[market.failure_severity]"} <= set(expected)
    assert {"name", "description", "source"} <= expected["Top level"]
    assert {"name", "strategy", "position", "levers", "adaptive"} <= expected["[[firms]]"]
    for title, keys in expected.items():
        assert title in documented, f"docs/model.md has no table for {title}"
        assert documented[title] == keys, (
            f"{title}: missing {sorted(keys - documented[title])}, "
            f"stale {sorted(documented[title] - keys)}")
    assert set(documented) == set(expected), "a documented table the schema does not have"


def test_every_documented_key_round_trips_through_the_loader():
    plain = scenario_from_dict(MINIMAL).to_dict()
    assert scenario_from_dict({**plain, "source": "x.toml"}).to_dict() == plain
    documented = documented_tables(DOC.read_text(encoding="utf-8"))
    found = {"Top level": set(plain) | {"source"},
             "[strategies.NAME]": set(plain["strategies"]["s"]),
             "[[firms]]": set(plain["firms"][0]),
             "[firms.levers]": set(plain["firms"][0]["levers"]),
             "[firms.adaptive]": set(plain["firms"][0]["adaptive"])}
    for table in ("run", "market", "network", "customers"):
        found[f"[{table}]"] = set(plain[table])
    for table in ("failure_base", "failure_severity"):
        found[f"[market.{table}]"] = set(plain["market"][table])
    for title, keys in found.items():
        assert documented[title] == keys, title


def test_the_coverage_check_sees_a_missing_key():
    text = DOC.read_text(encoding="utf-8")
    documented = documented_tables(text.replace("| `position` |", "| position |"))
    assert "position" not in documented["[[firms]]"]
    assert documented["[[firms]]"] != schema_tables()["[[firms]]"]


# ----------------------------------------------------------------------------- links
DOC_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<img[^>]+src=\"([^\"]+)\"")
#: Names of the brief and source texts that lived beside the repository, not in it.
OUTSIDE = re.compile(r"\.\./shared|shared/(MODEL\.md|STYLE\.md|seeds)|\bMODEL\.md|/work/")


def _pages() -> list[tuple[str, Path, str]]:
    pages = [(str(p.relative_to(ROOT)), p.parent, p.read_text(encoding="utf-8"))
             for p in DOC_PAGES]
    for nb_path in NOTEBOOKS:
        nb = nbformat.read(nb_path, as_version=4)
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        pages.append((str(nb_path.relative_to(ROOT)), nb_path.parent, prose))
    return pages


def broken_links(name: str, folder: Path, text: str) -> list[str]:
    """Links of a page that leave the repository or name no existing file."""
    bad = []
    for m in LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses and anchors are not files
        path = (folder / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(ROOT):
            bad.append(f"{name}: {target} (outside the repository)")
        elif not path.exists():
            bad.append(f"{name}: {target} (no such file)")
    bad += [f"{name}: mentions {m.group(0)!r}" for m in OUTSIDE.finditer(text)]
    return bad


@pytest.mark.parametrize(("name", "folder", "text"), _pages(), ids=[p[0] for p in _pages()])
def test_no_doc_points_outside_the_repository(name: str, folder: Path, text: str):
    assert not broken_links(name, folder, text)


def test_the_link_check_sees_outside_and_missing_files():
    docs = ROOT / "docs"
    assert broken_links("x", docs, "see [the brief](../../shared/MODEL.md)")
    assert broken_links("x", docs, "see [gone](no_such_page.md)")
    assert broken_links("x", docs, "the brief (`shared/MODEL.md`)")
    assert not broken_links("x", docs, "see [model](model.md#parameters) and "
                                       "[a paper](https://doi.org/10.1000/1)")
