"""The documentation states the parameters the code uses."""

from __future__ import annotations

from sim.scenario.paramdocs import DOC, END, START, parameter_markdown


def test_parameter_tables_in_model_doc_are_current():
    text = DOC.read_text(encoding="utf-8")
    generated = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert generated == parameter_markdown().strip(), "run: python -m sim.scenario.paramdocs"


def test_every_rule_module_cites_a_seed_idea():
    from pathlib import Path

    for path in (Path(DOC).parent.parent / "sim" / "rules").glob("*.py"):
        if path.name != "__init__.py":
            head = path.read_text(encoding="utf-8").split('"""')[1].lower()
            assert "seed" in head, f"{path.name} docstring names no seed idea"
