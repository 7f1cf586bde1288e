"""The supported Pythons and Mesas: dependency ranges, the one compatibility module, and
no Mesa private name used anywhere else.

These run on every Mesa in CI (Python 3.11 + Mesa 3.3.x, Python 3.12+ + the newest Mesa);
where the Mesas differ, the test asserts what the installed one must do.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import tomllib
from pathlib import Path

import mesa
import pytest
from packaging.requirements import Requirement

from sim.model import MarketModel, mesa_compat
from sim.model.mesa_compat import MESA_RELEASE, OwnAttribute, release

ROOT = Path(__file__).resolve().parent.parent
COMPAT = ROOT / "sim" / "model" / "mesa_compat.py"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PYTHONS = ("3.11", "3.12", "3.13")


def mesa_private_names() -> set[str]:
    """Names starting with ``_`` that the installed Mesa defines: module-level names,
    functions, methods and attributes it assigns (``self._x = ...``), dunders excepted."""
    names: set[str] = set()
    for path in Path(mesa.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
        names.add(path.stem)
    return {n for n in names if n.startswith("_") and not n.endswith("__")}


def project_files() -> list[Path]:
    return [p for folder in ("sim", "tests", "benchmarks", "scripts")
            for p in sorted((ROOT / folder).rglob("*.py")) if p != COMPAT]


def mesa_private_uses(path: Path, private: set[str]) -> list[str]:
    """In one file: imports of Mesa names starting with ``_`` (or bound to such a name),
    assignments to attributes of an imported Mesa module (patching Mesa), and definitions
    of names that Mesa uses privately (``obj._x = ...`` anywhere; ``def _x`` or ``_x = ...``
    in the body of a subclass of a Mesa class)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    mesa_modules: set[str] = set()  # local names bound to Mesa modules
    from_mesa: set[str] = set()  # local names imported from Mesa modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "mesa":
                    mesa_modules.add(alias.asname or "mesa")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mesa":
            from_mesa.update(a.asname or a.name for a in node.names)
    for node in ast.walk(tree):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        where = f"{shown}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mesa":
            parts = node.module.split(".") + [n for a in node.names
                                              for n in (a.name, a.asname) if n]
            found += [f"{where}: from {node.module} import {p}" for p in parts
                      if p.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" + (f" as {a.asname}" if a.asname else "")
                      for a in node.names if a.name.split(".")[0] == "mesa"
                      and any(p.startswith("_") for p in [*a.name.split("."), a.asname or ""])]
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id in mesa_modules):
            found.append(f"{where}: patches {node.value.id}.{node.attr}")
        elif isinstance(node, ast.ClassDef) and any(
                (isinstance(b, ast.Attribute) and isinstance(b.value, ast.Name)
                and b.value.id in mesa_modules) or (isinstance(b, ast.Name)
                and b.id in from_mesa) for b in node.bases):
            for item in node.body:  # a Mesa subclass overriding Mesa's private members
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    targets = [item.name]
                elif isinstance(item, ast.Assign | ast.AnnAssign):
                    stores = item.targets if isinstance(item, ast.Assign) else [item.target]
                    targets = [t.id for t in stores if isinstance(t, ast.Name)]
                else:
                    targets = []
                found += [f"{where}: {node.name} defines {t}" for t in targets if t in private]
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and node.attr in private):
            found.append(f"{where}: assigns .{node.attr}")
    return found


def test_no_mesa_private_name_outside_the_compat_module():
    private = mesa_private_names()
    assert {"_agenttype_records", "_agent_records", "_record_agenttype"} <= private
    found = [use for path in project_files() for use in mesa_private_uses(path, private)]
    assert not found, "Mesa's private API used outside sim/model/mesa_compat.py:\n" + "\n".join(
        found)


def test_the_private_name_check_can_fail(tmp_path):
    offender = tmp_path / "offender.py"
    offender.write_text("import mesa\n"
                        "from mesa.visualization import _private_thing\n"
                        "import mesa.visualization.solara_viz as _viz\n"
                        "class C(mesa.DataCollector):\n"
                        "    @property\n"
                        "    def _agenttype_records(self):\n"
                        "        return {}\n"
                        "def patch(dc):\n"
                        "    dc._agent_records = {}\n"
                        "    _viz.make_initial_grid_layout = None\n")
    found = [f.split(": ", 1)[1] for f in mesa_private_uses(offender, mesa_private_names())]
    assert sorted(found) == sorted(["from mesa.visualization import _private_thing",
                                    "import mesa.visualization.solara_viz as _viz",
                                    "C defines _agenttype_records", "assigns ._agent_records",
                                    "patches _viz.make_initial_grid_layout"])


def test_the_compat_module_documents_each_difference():
    doc = ast.get_docstring(ast.parse(COMPAT.read_text(encoding="utf-8")))
    for topic in ("Model.scenario", "batch_run", "DataCollector"):
        assert topic in doc
    for name in ("OwnAttribute", "batch_run_seeded", "release"):
        assert getattr(mesa_compat, name).__doc__


def test_release_parsing():
    assert release("3.5.1") == (3, 5)
    assert release("3.4.0rc1") == (3, 4)
    assert release("10.12") == (10, 12)
    with pytest.raises(ValueError, match="not a version"):
        release("three")
    assert release(mesa.__version__) == MESA_RELEASE


def test_the_python_resolves_to_the_mesa_series_of_its_end():
    # Python 3.11 has only Mesa 3.3.x; CI's 3.12+ end installs the newest (3.4 or later).
    if sys.version_info < (3, 12):
        assert MESA_RELEASE == (3, 3)
    else:
        assert (3, 3) <= MESA_RELEASE < (4, 0)
    assert (MESA_RELEASE >= (3, 4)) == mesa_compat.BATCH_RUN_TAKES_RNG


@dataclasses.dataclass(frozen=True)
class Frozen:
    name: str = "frozen"


def test_a_model_keeps_its_own_scenario_attribute_on_every_mesa():
    class Plain(mesa.Model):
        def __init__(self):
            super().__init__(rng=1)
            self.scenario = Frozen()

    class Own(Plain):
        scenario = OwnAttribute()

    assert Own().scenario == Frozen()
    assert isinstance(Own.scenario, OwnAttribute)
    mesa_has_scenario = isinstance(vars(mesa.Model).get("scenario"), property)
    assert mesa_has_scenario == (MESA_RELEASE >= (3, 5))
    if mesa_has_scenario:  # what OwnAttribute prevents: Mesa's setter writes scenario.model
        with pytest.raises(dataclasses.FrozenInstanceError):
            Plain()
    else:
        assert Plain().scenario == Frozen()
    model = MarketModel(ROOT / "scenarios" / "bribery_vs_trust.toml",
                        **{"customers.n_initial": 50, "run.steps": 2})
    assert model.scenario.name == "bribery_vs_trust"
    with pytest.raises(AttributeError, match="not set yet"):
        Own.__new__(Own).scenario  # noqa: B018 - reading is the test


# ---------------------------------------------------------------- dependency ranges
def requirements_for(python: str) -> dict[str, Requirement]:
    """The project's dependencies that apply on ``python`` (markers evaluated)."""
    chosen: dict[str, Requirement] = {}
    for line in PYPROJECT["project"]["dependencies"]:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"python_version": python}):
            assert req.name.lower() not in chosen, f"{req.name} twice for Python {python}"
            chosen[req.name.lower()] = req
    return chosen


def test_every_python_gets_each_dependency_once_with_a_floor():
    names = {Requirement(line).name.lower() for line in PYPROJECT["project"]["dependencies"]}
    for python in PYTHONS:
        chosen = requirements_for(python)
        assert set(chosen) == names, python
        for req in chosen.values():
            assert any(s.operator == ">=" for s in req.specifier), f"{req} has no floor"


def test_ranges_admit_current_releases_and_stop_at_the_next_major():
    for python in PYTHONS:
        chosen = requirements_for(python)
        assert chosen["mesa"].specifier.contains("3.3.1")
        assert chosen["mesa"].specifier.contains("3.5.1")
        assert not chosen["mesa"].specifier.contains("4.0")
        assert not chosen["ipyvuetify"].specifier.contains("3.0.0")  # Vuetify 3 widgets
        # Calendar-versioned (dask) and yearly-major (pyarrow) packages have no major to
        # stop at; every other dependency does.
        for name, req in chosen.items():
            if name not in ("dask", "pyarrow"):
                assert any(s.operator == "<" for s in req.specifier), f"{req} has no cap"
    # Floors on 3.13: the first releases with 3.13 wheels.
    on_313 = requirements_for("3.13")
    for name, first in {"numba": "0.61", "numpy": "2.1", "scipy": "1.14.1",
                        "pandas": "2.2.3", "pyarrow": "18", "matplotlib": "3.9.2"}.items():
        floor = next(s.version for s in on_313[name].specifier if s.operator == ">=")
        assert floor == first, name
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


def test_installed_versions_satisfy_the_ranges():
    from importlib.metadata import version

    python = "{}.{}".format(*sys.version_info[:2])
    for name, req in requirements_for(python).items():
        assert req.specifier.contains(version(name), prereleases=True), (name, version(name))


def test_readme_names_the_tested_versions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"Python 3\.11.*Mesa 3\.3", readme)
    assert re.search(r"Python 3\.1[23].*newest Mesa", readme)
