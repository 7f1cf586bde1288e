"""docs/tutorial.md's scenario, its broken copy and its sweep say what the page shows: the
files are taken from the page's own code blocks and checked with ``trustmarket validate``
(no simulation), so a change to the schema or its messages cannot leave the tutorial
behind unnoticed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")


def _blocks(page: str) -> list[tuple[str, str]]:
    """The page's fenced code blocks as (language, text), in order."""
    found, language, lines = [], None, []
    for line in page.splitlines():
        if line.startswith("```"):
            if language is None:
                language, lines = line[3:].strip(), []
            else:
                found.append((language, "\n".join(lines) + "\n"))
                language = None
        elif language is not None:
            lines.append(line)
    return found


BLOCKS = _blocks(PAGE)
TOML_BLOCKS = [text for language, text in BLOCKS if language == "toml"]
TEXT_BLOCKS = [text for language, text in BLOCKS if language == ""]


def _validate(folder: Path, name: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", "validate", f"mywork/{name}"],
                          cwd=folder, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _shown(start: str) -> str:
    """The output block of the page that begins with ``start``."""
    return next(b for b in TEXT_BLOCKS if b.startswith(start))


@pytest.fixture(scope="module")
def mywork(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tutorial")
    (folder / "mywork").mkdir()
    bakeries = TOML_BLOCKS[0]
    (folder / "mywork" / "bakeries.toml").write_text(bakeries)
    # the two mistakes the page makes on purpose
    broken = bakeries.replace("exit_probability = ", "exit_probabilty = ").replace(
        "discount_depth = 0.2", "discount_depth = 1.2")
    assert broken.count("exit_probabilty") == 1 and "discount_depth = 1.2" in broken
    (folder / "mywork" / "broken.toml").write_text(broken)
    return folder


def test_the_scenario_validates_as_shown(mywork: Path):
    done = _validate(mywork, "bakeries.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    shown = _shown("mywork/bakeries.toml: ok")
    # the memory estimate and what is free differ per machine; the rest must match
    head = shown.split("; a run needs")[0]
    assert done.stdout.startswith(head), (done.stdout, head)
    assert "a run needs about" in done.stdout


def test_the_broken_copy_fails_with_the_errors_shown(mywork: Path):
    done = _validate(mywork, "broken.toml")
    assert done.returncode == 1
    shown = _shown("mywork/broken.toml:").splitlines()
    got = (done.stdout + done.stderr).splitlines()
    assert got[0] == shown[0]
    for line in shown[1:]:  # the page cuts the list of allowed keys short with "..."
        prefix = line.split(", ...)")[0]
        assert any(g.startswith(prefix) for g in got[1:]), (line, got)


def test_the_variant_and_the_sweep_validate(mywork: Path):
    variant = TOML_BLOCKS[0].replace('name = "bakeries"', 'name = "bakeries_relaxed"')
    variant = variant.replace("[customers]\n", "[customers]\n" + TOML_BLOCKS[1])
    (mywork / "mywork" / "bakeries_relaxed.toml").write_text(variant)
    done = _validate(mywork, "bakeries_relaxed.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    from sim.sweep import load_sweep

    (mywork / "mywork" / "price_sweep.toml").write_text(TOML_BLOCKS[2])
    sweep = load_sweep(mywork / "mywork" / "price_sweep.toml")
    assert sweep is not None
