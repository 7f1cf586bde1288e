"""The notebooks run top to bottom, and their committed outputs are current and clean.

Each notebook is executed at its small size (``SMALL = True``; 20-40 s each here with
the numba cache filled; research_changing_a_rule ~55 s when its relinked engine is not yet
cached, as on a fresh CI; preliminary, 2 shared cores) with
warnings turned into errors, by the same function that refreshes the committed outputs
(``scripts/refresh_notebooks.py``, nbclient). The committed files are checked without
running anything: outputs made from the code cells as they are now (a digest stamped at
refresh time), at full size, with figures, without execution counts, machine paths,
errors, warnings or scripts, each under 2 MB.
"""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
#: The stories the notebooks tell: the four of issue 20, and scenario discovery (issue 24).
REQUIRED = ("classroom_leaky_bucket", "research_first_scenario",
            "research_sweeps_and_sensitivity", "research_changing_a_rule",
            "research_discovery")
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_BYTES = 2 * 1024 * 1024


def _load_refresher():
    spec = importlib.util.spec_from_file_location("refresh_notebooks",
                                                  ROOT / "scripts" / "refresh_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresher = _load_refresher()
ids = [p.stem for p in NOTEBOOKS]


def _outputs(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.outputs:
                yield cell, out


def _figures_missing(nb: nbformat.NotebookNode) -> list[str]:
    """Code cells that show a figure (a line calling ``show(...)``) but have no picture in
    their outputs."""
    return [c.source[:60] for c in nb.cells if c.cell_type == "code"
            and re.search(r"^show\(", c.source, re.MULTILINE)
            and not any("image/png" in o.get("data", {}) for o in c.outputs)]


def test_the_required_notebooks_are_there():
    assert {p.stem for p in NOTEBOOKS} >= set(REQUIRED)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path):
    nb = refresher.execute(path, small=True, workdir=tmp_path)
    streams = [out.text for _, out in _outputs(nb)
               if out.output_type == "stream" and out.name == "stderr"]
    assert not streams, f"{path.name} wrote to stderr: {streams[:2]}"
    assert not _figures_missing(nb)
    assert refresher.code_digest(nb) == refresher.code_digest(nbformat.read(path, 4)), \
        "the executed copy must have the committed code (only SMALL is switched, in memory)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_outputs_come_from_the_current_code(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert refresher.is_current(nb), (
        f"{path.name}: its code cells changed after its outputs were made (or the outputs "
        f"are not full size); refresh it: "
        f"python scripts/refresh_notebooks.py {path.relative_to(ROOT)}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_notebook_is_clean_and_readable(path: Path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is over 2 MB"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    refresher.parameters_cell(nb)  # one parameters cell with SMALL = False
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is None for c in code), "execution counts left in"
    assert all("execution" not in c.metadata for c in code), "timing metadata left in"
    pictures = 0
    for _, out in _outputs(nb):
        assert out.output_type != "error", f"{path.name} has an error output"
        assert out.get("execution_count") is None
        assert not (out.output_type == "stream" and out.name == "stderr"), out.text[:200]
        data = out.get("data", {})
        assert "application/javascript" not in data, "script output (e.g. a call home)"
        assert not {"image/jpeg", "image/svg+xml"} & set(data), "figures are PNG"
        if "image/png" in data:
            assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
            pictures += 1
    assert pictures >= 1, f"{path.name} shows no figure"
    assert not refresher.machine_paths(nb), refresher.machine_paths(nb)[:3]
    assert not _figures_missing(nb)


def test_digest_changes_with_code_not_with_prose():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    before = refresher.code_digest(nb)
    prose = next(c for c in nb.cells if c.cell_type == "markdown")
    prose.source += "\nOne more sentence."
    assert refresher.code_digest(nb) == before
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.source += "\n# an edit"
    assert refresher.code_digest(nb) != before
    nb.metadata["trustmarket"] = {"code_sha256": before, "size": "full"}
    assert not refresher.is_current(nb)
    nb.metadata["trustmarket"] = {"code_sha256": refresher.code_digest(nb), "size": "small"}
    assert not refresher.is_current(nb), "outputs of a small run never count as current"


def test_parameters_cell_is_required():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("SMALL = False")]
    with pytest.raises(ValueError, match="parameters"):
        refresher.parameters_cell(nb)
    nb.cells[0].metadata["tags"] = ["parameters"]
    assert refresher.parameters_cell(nb) is nb.cells[0]
    nb.cells[0].source = "SIZE = 'full'"
    with pytest.raises(ValueError, match="SMALL = False"):
        refresher.parameters_cell(nb)


def test_a_warning_fails_the_run(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("SMALL = False\nN = 2 if SMALL else 10"),
                nbformat.v4.new_code_cell("import warnings\nassert N == 2\n"
                                          "warnings.warn('deprecated', FutureWarning)")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    path = tmp_path / "warns.ipynb"
    nbformat.write(nb, path)
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError, match="FutureWarning"):
        refresher.execute(path, small=True, workdir=tmp_path)
    assert nbformat.read(path, 4).cells[0].source.startswith("SMALL = False")
