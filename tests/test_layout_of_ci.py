"""The test command and CI: how the two interpreters are found, and that CI fails when one
is missing (scripts/find-python.sh, scripts/test.sh, .ci/run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIND = ROOT / "scripts" / "find-python.sh"
TOOLS = "/usr/bin:/bin"  # bash, sed, grep, sort, ls; the tests shadow the pythons in it


def fake_python(folder: Path, name: str, version: str, works: bool = True) -> Path:
    """An executable that answers find-python.sh's question like Python ``version`` would,
    or like a pyenv shim of a version that is not selected."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    body = (f'echo "{version} {path}"' if works
            else f'echo "pyenv: {name}: command not found" >&2; exit 127')
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)
    return path


def run(args: list[str], bin_dir: Path, pyenv_root: Path, **env: str
        ) -> subprocess.CompletedProcess:
    environment = {"PATH": f"{bin_dir}:{TOOLS}", "PYENV_ROOT": str(pyenv_root),
                   "HOME": str(pyenv_root.parent), **env}
    return subprocess.run(["bash", *args], capture_output=True, text=True, env=environment,
                          cwd=ROOT, timeout=120, check=False)


def test_find_python_skips_shims_that_only_say_command_not_found(tmp_path):
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir, "python3", "3.10")  # shadows /usr/bin/python3
    fake_python(bin_dir, "python3.12", "3.12", works=False)
    newest = fake_python(bin_dir, "python3.13", "3.13")
    found = run([str(FIND), "3.12"], bin_dir, tmp_path / "no-pyenv")
    assert found.returncode == 1 and found.stdout == ""
    found = run([str(FIND), "3.12", "3.13"], bin_dir, tmp_path / "no-pyenv")
    assert found.returncode == 0 and found.stdout.strip() == str(newest)
    # a pythonX.Y that is some other version is not taken either
    fake_python(bin_dir, "python3.11", "3.12")  # (also shadows /usr/bin/python3.11)
    assert run([str(FIND), "3.11"], bin_dir, tmp_path / "no-pyenv").returncode == 1


def test_find_python_takes_the_newest_pyenv_release_without_the_pyenv_command(tmp_path):
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir, "python3", "3.10")
    fake_python(bin_dir, "python3.12", "3.12", works=False)  # the unselected shim
    root = tmp_path / "pyenv"
    fake_python(root / "versions" / "3.12.1" / "bin", "python3.12", "3.12")
    newest = fake_python(root / "versions" / "3.12.10" / "bin", "python3.12", "3.12")
    fake_python(root / "versions" / "3.13.0" / "bin", "python3.13", "3.13")
    found = run([str(FIND), "3.12"], bin_dir, root)
    assert found.returncode == 0 and found.stdout.strip() == str(newest)


def test_find_python_asks_pyenv_when_it_is_there(tmp_path):
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir, "python3", "3.10")
    prefix = tmp_path / "elsewhere" / "3.13.2"
    interpreter = fake_python(prefix / "bin", "python3.13", "3.13")
    pyenv = bin_dir / "pyenv"  # answers `pyenv versions --bare` and `pyenv prefix X`
    pyenv.write_text('#!/bin/bash\ncase "$1" in\n'
                     '  versions) printf "3.11.7\\n3.13.2\\n" ;;\n'
                     f'  prefix) [ "$2" = 3.13.2 ] && echo "{prefix}" ;;\n'
                     'esac\n')
    pyenv.chmod(0o755)
    found = run([str(FIND), "3.13"], bin_dir, tmp_path / "no-pyenv")
    assert found.returncode == 0 and found.stdout.strip() == str(interpreter)


def test_ci_fails_when_an_interpreter_is_missing_and_the_test_command_says_so(tmp_path):
    bin_dir = tmp_path / "bin"
    fake_python(bin_dir, "python3", "3.10")
    for name in ("python3.11", "python3.12", "python3.13"):  # shadow /usr/bin's, if any
        fake_python(bin_dir, name, name[6:], works=False)
    env = {"TRUSTMARKET_PYTHON_OLDEST": "", "TRUSTMARKET_PYTHON_NEWEST": ""}
    ci = run(["scripts/test.sh", "--require-both"], bin_dir, tmp_path / "no-pyenv", **env)
    assert ci.returncode == 1
    assert "SKIPPING: no Python 3.11" in ci.stdout
    assert "SKIPPING: no Python 3.12 or 3.13" in ci.stdout
    assert "--require-both" in ci.stderr
    plain = run(["scripts/test.sh"], bin_dir, tmp_path / "no-pyenv", **env)
    assert plain.returncode == 1 and "no Python to test with" in plain.stderr
    bad = run(["scripts/test.sh", "--fast"], bin_dir, tmp_path / "no-pyenv", **env)
    assert bad.returncode == 2 and "unknown option" in bad.stderr


def test_ci_runs_the_readme_test_command_requiring_both_ends():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh --require-both" in ci
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme and "--require-both" in readme
    for script in (ROOT / ".ci" / "run", ROOT / "scripts" / "test.sh", FIND,
                   ROOT / ".ci" / "install-browser.sh"):
        assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
        assert os.access(script, os.X_OK) or script.suffix == ".sh"
