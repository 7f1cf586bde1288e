"""The tree shows the architecture: packages in layers, imports pointing one way (toward
the scenario), no import circles, each package saying what lives there."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"
#: Each package's layer: a module may import from its own package and from lower layers.
#: outputs, interrupts and argtypes are plumbing any layer may use; preflight checks a
#: command's inputs (scenario, claims, memory) before the command starts.
LAYERS = {"outputs": 0, "interrupts": 0, "argtypes": 0, "style": 0, "scenario": 0,
          "network": 1, "rules": 1, "engine": 2, "model": 3, "experiment": 4, "report": 5,
          "sweep": 6, "verify": 6, "calibration": 6, "claims": 7, "app": 8, "preflight": 8,
          "cli": 9}


def modules() -> dict[str, Path]:
    found = {}
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The sim modules a module imports (anywhere in it, TYPE_CHECKING included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("sim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            for alias in node.names:  # ``from sim.x import y``: y may be a module itself
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in known else node.module)
    return {m for m in out if m in known}


def package(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def test_every_module_imports_only_its_own_layer_and_below():
    known = modules()
    wrong = []
    for name, path in known.items():
        if name == "sim":
            continue
        here = LAYERS[package(name)]
        for target in imports(path, known):
            if package(target) and package(target) != package(name) and \
                    LAYERS[package(target)] >= here:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_there_are_no_import_circles():
    known = modules()
    graph = {name: imports(path, known) - {name} for name, path in known.items()}
    # A package's __init__ re-exports its modules; a module importing its own package's
    # __init__ would make a circle, and is reported like any other.
    state: dict[str, int] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not circles, circles


def test_each_package_says_what_lives_there_and_what_it_may_import():
    for init in SIM.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len([s for s in doc.split(".") if s.strip()]) >= 2 and len(doc) > 80, init
        assert "import" in doc.lower(), f"{init.parent.name}: say what it may import"


def test_modules_stay_small_and_import():
    for name, path in modules().items():
        assert len(path.read_text().splitlines()) <= 420, f"{name} is over ~400 lines"
        importlib.import_module(name)
