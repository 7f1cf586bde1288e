"""Parameter tables for ``docs/model.md``, generated from the scenario schema.

Run ``python -m sim.scenario.paramdocs`` to refresh the tables between the markers in
``docs/model.md``; a test fails when they are out of date, so the documented defaults,
units and ranges are always the ones the code uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.scenario.load import CustomerSpec, Levers, MarketSpec, NetworkSpec, RunSpec
from sim.scenario.schema import AdaptiveSpec, HoleValues
from sim.scenario.validation import parameter_table

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
TABLES = (("[run]", RunSpec), ("[market]", MarketSpec), ("[network]", NetworkSpec),
          ("[customers]", CustomerSpec), ("[strategies.NAME] and [firms.levers]", Levers),
          ("[firms.adaptive]", AdaptiveSpec), ("hole tables (market.failure_*)", HoleValues))
DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def parameter_markdown() -> str:
    """Markdown tables of every scenario parameter: key, default, unit, allowed, meaning."""
    out = []
    for title, cls in TABLES:
        out += [f"#### {title}", "", "| key | default | unit | allowed | meaning | seed idea |",
                "|---|---|---|---|---|---|"]
        for row in parameter_table(cls):
            default = row["default"]
            if hasattr(default, "as_tuple"):
                default = ", ".join(f"{v:g}" for v in default.as_tuple())
            out.append(f"| `{row['key']}` | {default} | {row['unit']} | {row['allowed']} | "
                       f"{row['meaning']} | {row['seed_idea']} |")
        out.append("")
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
