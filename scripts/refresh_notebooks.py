"""Execute the notebooks in ``notebooks/``: full size to refresh their committed outputs,
or small (as the test suite does) to check that they run.

    python scripts/refresh_notebooks.py                 # every notebook, full size, in place
    python scripts/refresh_notebooks.py notebooks/classroom_leaky_bucket.ipynb
    python scripts/refresh_notebooks.py --small --check # run small, write nothing

Each notebook takes its size from one cell tagged ``parameters`` holding the line
``SMALL = False``; a small run sets it to ``True`` in memory. Every run starts with
warnings turned into errors (a cell injected before the first and removed afterwards), so a
notebook that warns fails. A refreshed notebook is saved without execution counts and with
the sha256 of its code cells in ``metadata.trustmarket.code_sha256``; the test suite refuses
a notebook whose code changed after its outputs were made (:func:`is_current`).

The executor is nbclient, the Jupyter project's own (nbconvert, nbmake and testbook all
run notebooks through it); using it directly lets one function serve both the refresh and
the tests, and set the size in memory. See docs/tutorial.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
PARAMETERS_TAG = "parameters"
SMALL_LINE = re.compile(r"^SMALL = False\b", re.MULTILINE)
METADATA_KEY = "trustmarket"
#: Run first in every execution; removed before saving. ipykernel's own deprecation notices
#: (raised while the kernel shuts down) are not the notebook's doing; everything else is.
WARNINGS_AS_ERRORS = """\
import warnings
warnings.simplefilter("error")
warnings.filterwarnings("ignore", module="ipykernel")
"""
#: Absolute paths that must not appear in committed outputs (they differ per machine).
MACHINE_PATHS = re.compile(r"(/root/|/home/|/tmp/|/work/|/Users/|site-packages|[A-Z]:\\\\)")


def notebooks() -> list[Path]:
    """The notebooks of ``notebooks/``, in name order."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def code_digest(nb: nbformat.NotebookNode) -> str:
    """sha256 of the notebook's code cells, in order (what its outputs were made from)."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode())
            h.update(b"\0")
    return h.hexdigest()


def is_current(nb: nbformat.NotebookNode) -> bool:
    """True when the outputs were refreshed from the code cells as they are now."""
    stamp = nb.metadata.get(METADATA_KEY, {})
    return stamp.get("code_sha256") == code_digest(nb) and stamp.get("size") == "full"


def parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The one code cell tagged ``parameters``."""
    cells = [c for c in nb.cells if c.cell_type == "code"
             and PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"expected one cell tagged {PARAMETERS_TAG!r}, found {len(cells)}")
    if len(SMALL_LINE.findall(cells[0].source)) != 1:
        raise ValueError("the parameters cell must set `SMALL = False` on one line")
    return cells[0]


def machine_paths(nb: nbformat.NotebookNode) -> list[str]:
    """Output snippets that show an absolute path of this machine."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts = [out.get("text", "")] + [v for k, v in out.get("data", {}).items()
                                             if k.startswith("text/") and isinstance(v, str)]
            for text in texts:
                for m in MACHINE_PATHS.finditer(text):
                    found.append(text[max(0, m.start() - 40):m.end() + 40])
    return found


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """Solara's first display in a new home injects a script that calls its web site; a
    home that has already "checked" keeps such scripts out of the committed outputs."""
    with tempfile.TemporaryDirectory() as home:
        for flag in (".jupyter_checked", ".solara_checked"):
            Path(home, flag).touch()
        old = os.environ.get("SOLARA_HOME")
        os.environ["SOLARA_HOME"] = home
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("SOLARA_HOME", None)
            else:
                os.environ["SOLARA_HOME"] = old


def execute(path: Path, small: bool, workdir: Path | None = None,
            timeout: int = 1800) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` top to bottom and return it with its outputs.

    Parameters
    ----------
    path
        The notebook file (not modified).
    small
        Run at the small size the tests use (``SMALL = True``), else at full size.
    workdir
        The kernel's working directory, where the notebook writes its tables (default: a
        temporary directory, removed afterwards).
    timeout
        Seconds any one cell may take.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises (warnings included); the message shows the cell and traceback.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    cell = parameters_cell(nb)
    committed = cell.source
    if small:
        cell.source = SMALL_LINE.sub("SMALL = True", committed)
    guard = nbformat.v4.new_code_cell(WARNINGS_AS_ERRORS)
    nb.cells.insert(0, guard)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stack.enter_context(_kernel_environment())
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                record_timing=False, store_widget_state=True,
                                resources={"metadata": {"path": str(workdir)}})
        client.execute()
    nb.cells.remove(guard)
    cell.source = committed
    return nb


def clean(nb: nbformat.NotebookNode, size: str) -> nbformat.NotebookNode:
    """Strip execution counts and per-run metadata; stamp the code digest and size."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.metadata.pop("execution", None)
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = None
    nb.metadata[METADATA_KEY] = {"code_sha256": code_digest(nb), "size": size}
    return nb


def refresh(path: Path, small: bool = False, write: bool = True) -> float:
    """Execute one notebook; save it in place (full size only); return the seconds taken."""
    start = time.perf_counter()
    nb = execute(path, small)
    nb = clean(nb, "small" if small else "full")
    leaked = machine_paths(nb)
    if leaked:
        raise RuntimeError(f"{path.name}: outputs show machine paths: {leaked[:3]}")
    if write and not small:
        nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: refresh the given notebooks (default: all)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    p.add_argument("--small", action="store_true", help="run at the tests' small size")
    p.add_argument("--check", action="store_true", help="run only; write nothing")
    args = p.parse_args(argv)
    if args.small and not args.check:
        p.error("--small runs are never saved (committed outputs are full size): add --check")
    for path in args.paths or notebooks():
        seconds = refresh(path, small=args.small, write=not args.check)
        size_kb = path.stat().st_size / 1024
        print(f"{path.name}: ran in {seconds:.0f} s ({'small' if args.small else 'full'})"
              f"{'' if args.check else f', saved ({size_kb:,.0f} kB)'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
