"""The sweep store cannot count a run twice (issue 19): one writer per folder, checksummed
parts, damaged or repeated parts quarantined by --resume and refused by analyze, a full
disk and Ctrl-C ending in one line with the command that resumes.

Each test reproduces one failure of the issue; resumed results are compared with an
uninterrupted sweep exactly.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import store
from sim.sweep.analyze import analyze, format_report
from sim.sweep.execute import run_sweep
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ROOT / "scenarios" / "bribery_vs_trust.toml"

MARKET = f"""
[sweep]
base = "{HEADLINE}"
design = "grid"
replications = 3
seed = 7
overrides = {{ "customers.n_initial" = 200, "run.steps" = {{steps}} }}
[[sweep.parameters]]
path = "firms.0.levers.discount_depth"
values = [0.0, 0.2, 0.4]
"""

NOISY = """
[sweep]
evaluator = "sim.sweep.testfunctions:noisy_sum"
design = "lhs"
samples = 8
replications = 5
seed = 5
[[sweep.parameters]]
path = "a"
range = [0.0, 1.0]
"""


def _sweep(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    """A small market sweep (3 points x 3 replications x 10 steps) and its uninterrupted
    result, to compare repaired folders with."""
    folder = tmp_path_factory.mktemp("market")
    path = _sweep(folder, MARKET.replace("{steps}", "10"))
    run_sweep(load_sweep(path), folder / "whole", workers=1, progress=False)
    return path, store.load_runs(folder / "whole")


def _fresh(market, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    run_sweep(load_sweep(market[0]), out, workers=1, progress=False)
    return out


def _resume(market, out: Path) -> dict:
    return run_sweep(load_sweep(market[0]), out, workers=1, resume=True, progress=False)


def test_every_part_is_checksummed_in_the_manifest(market, tmp_path):
    out = _fresh(market, tmp_path)
    manifest = json.loads((out / store.MANIFEST).read_text())
    parts = store.run_files(out)
    assert sorted(manifest["parts"]) == sorted(p.name for p in parts)
    import hashlib

    for p in parts:
        entry = manifest["parts"][p.name]
        assert entry["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()
        assert entry["bytes"] == p.stat().st_size
    assert sum(e["rows"] for e in manifest["parts"].values()) == 9
    assert not list(out.rglob("*.tmp")) and not (out / store.LOCK).exists()
    versions = json.loads((out / "provenance.json").read_text())["versions"]
    assert versions["pandas"] == pd.__version__ and "numba" in versions  # as run's manifest


def test_a_copied_part_is_refused_by_analyze_and_quarantined_by_resume(market, tmp_path):
    """The issue: a copied part file silently shifted one point's mean; analyze said
    "90 of 45 runs"."""
    out = _fresh(market, tmp_path)
    first = store.run_files(out)[0]
    shutil.copy(first, first.with_name("part-copy.parquet"))
    with pytest.raises(store.SweepError) as info:
        analyze(out)
    assert "part-copy.parquet: repeats" in str(info.value) and "--resume" in str(info.value)
    assert main(["analyze", str(out)]) == 2
    counts = _resume(market, out)
    assert counts == {"total": 9, "done_before": 9, "ran": 0}
    assert (out / "quarantine" / "part-copy.parquet").exists()
    assert "repeats" in (out / "quarantine" / "reasons.txt").read_text()
    pd.testing.assert_frame_equal(store.load_runs(out), market[1])
    report = format_report(analyze(out))
    assert report.startswith("9 of 9 runs")


def test_a_truncated_part_is_repaired_by_resume_exactly(market, tmp_path):
    """The issue: a truncated part stopped resume and analyze with ArrowInvalid, and the
    only fix was deleting it by hand."""
    out = _fresh(market, tmp_path)
    part = store.run_files(out)[1]
    lost = len(pd.read_parquet(part))
    part.write_bytes(part.read_bytes()[:200])
    with pytest.raises(store.SweepError, match="truncated"):
        store.load_runs(out)
    counts = _resume(market, out)
    assert counts == {"total": 9, "done_before": 9 - lost, "ran": lost}
    assert len(list((out / "quarantine").glob("part-*.parquet"))) == 1
    pd.testing.assert_frame_equal(store.load_runs(out), market[1])


def test_unlisted_parts_are_verified_and_damaged_ones_quarantined(market, tmp_path):
    """A sweep killed before it saved its manifest: parts not listed are read whole and
    kept; an unlisted file that is not Parquet is quarantined; a missing manifest is
    rebuilt."""
    out = _fresh(market, tmp_path)
    (out / store.MANIFEST).unlink()
    (store.runs_dir(out) / "part-garbage.parquet").write_bytes(b"PAR1 not really")
    (store.runs_dir(out) / ".part-x.parquet.1234.tmp").write_bytes(b"half a write")
    counts = _resume(market, out)
    assert counts["ran"] == 0
    assert (out / "quarantine" / "part-garbage.parquet").exists()
    assert not list(out.rglob("*.tmp")), "temporary files of a killed write are removed"
    listed = json.loads((out / store.MANIFEST).read_text())["parts"]
    assert sorted(listed) == sorted(p.name for p in store.run_files(out))
    pd.testing.assert_frame_equal(store.load_runs(out), market[1])


def test_a_second_writer_is_refused_with_the_holder_named(market, tmp_path):
    """The issue: two sweeps (or two --resume) into one --out both exited 0 and left 45
    duplicate keys. The second is now refused while the first holds the lock."""
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from sim.sweep.store import writer_lock\n"
         "with writer_lock(Path(sys.argv[1]), ['trustmarket', 'sweep', 'first.toml']):\n"
         "    print('locked', flush=True); time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        for resume in (False, True):
            with pytest.raises(store.SweepError) as info:
                run_sweep(load_sweep(market[0]), out, workers=1, resume=resume,
                          progress=False)
            text = str(info.value)
            assert f"pid {holder.pid}" in text and "first.toml" in text and "user" in text
        assert store.lock_holder(out)["pid"] == holder.pid
    finally:
        holder.kill()
        holder.wait()
    assert not store.run_files(out), "the refused sweep wrote nothing"
    # the holder died without releasing: its lock file is stale and taken over
    counts = run_sweep(load_sweep(market[0]), out, workers=1, progress=False)
    assert counts["ran"] == 9
    pd.testing.assert_frame_equal(store.load_runs(out), market[1])


def test_two_cli_sweeps_at_once_leave_every_run_once(tmp_path):
    # long enough that the first still runs when it is seen holding the lock
    path = _sweep(tmp_path, MARKET.replace("{steps}", "3000"))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(out),
           "--workers", "1", "--quiet"]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not store.lock_holder(out) and time.monotonic() < deadline:
        assert first.poll() is None, first.stderr.read()
        time.sleep(0.05)
    # Paused, the first cannot finish while the second starts up, however slow that is.
    first.send_signal(signal.SIGSTOP)
    try:
        second = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=600) == 0, first.stderr.read()
    assert second.returncode == 2
    assert "being written by another sweep" in second.stderr
    assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
    runs = store.load_runs(out)
    assert len(runs) == 9 and not runs.duplicated(store.KEY).any()


def test_a_full_disk_ends_in_one_line_and_resume_restores_exact_results(tmp_path,
                                                                       monkeypatch, capsys):
    """The issue: a full disk gave OSError errno 28 and left a stale .tmp file."""
    path = _sweep(tmp_path, NOISY)
    run_sweep(load_sweep(path), tmp_path / "whole", workers=1, progress=False)
    real_fsync, calls = os.fsync, {"n": 0}

    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls["n"] += 1
            if calls["n"] == 5:  # points, provenance, part, manifest: the second part fails
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--workers", "1", "-q"])
    monkeypatch.setattr(store.os, "fsync", real_fsync)
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    safe = len(store.done_keys(out))
    assert "disk full" in err and f"{safe} of 40 runs are safe" in err and safe >= 1
    assert err.endswith(f"--out {out} --workers 1 -q --resume")
    assert not list(out.rglob("*.tmp"))
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "-q",
                 "--resume"]) == 0
    pd.testing.assert_frame_equal(store.load_runs(out), store.load_runs(tmp_path / "whole"))


def test_ctrl_c_ends_in_one_line_with_the_resume_command(tmp_path):
    """The issue: Ctrl-C during `sweep --workers 1` printed ~40 lines of chained
    KeyboardInterrupt / numba errors and no hint to resume."""
    # long enough that the runs after the first one written take seconds, not a poll's time
    path = _sweep(tmp_path, MARKET.replace("{steps}", "3000"))
    out = tmp_path / "out"
    log = tmp_path / "err.log"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(path), "--out",
                                 str(out), "--workers", "1", "-q"], stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
    deadline = time.monotonic() + 300
    while not store.run_files(out) and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole group
    assert proc.wait(timeout=120) == 130
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("interrupted: ") and "runs are safe on disk" in lines[0]
    assert lines[0].endswith("--resume")
    safe = int(lines[0].split(": ")[1].split()[0])
    assert safe == len(store.done_keys(out)) >= 1
    assert not (out / store.LOCK).exists()


def test_missing_or_broken_provenance_is_named(market, tmp_path):
    """The issue: FileNotFoundError / JSONDecodeError."""
    out = _fresh(market, tmp_path)
    prov = out / "provenance.json"
    prov.write_text("{not json")
    for action in (lambda: analyze(out), lambda: _resume(market, out)):
        with pytest.raises(store.SweepError, match=r"provenance\.json is not valid JSON"):
            action()
    prov.unlink()
    for action in (lambda: analyze(out), lambda: _resume(market, out)):
        with pytest.raises(store.SweepError, match=r"provenance\.json is missing"):
            action()


def test_analyze_on_a_run_folder_says_it_is_not_a_sweep(tmp_path, capsys):
    """The issue: `analyze` on a `run` output folder ended in KeyError: 'sweep_text'."""
    out = tmp_path / "run"
    assert main(["run", "-r", "1", "--steps", "5", "--out", str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not a sweep folder" in err and "trustmarket run" in err
    assert "Traceback" not in err and "KeyError" not in err
    assert main(["analyze", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_sweep_into_an_existing_file_fails_before_any_work(tmp_path, capsys):
    path = _sweep(tmp_path, NOISY)
    target = tmp_path / "taken"
    target.write_text("mine")
    assert main(["sweep", str(path), "--out", str(target), "--workers", "1", "-q"]) == 2
    assert "is an existing file" in capsys.readouterr().err
    assert target.read_text() == "mine"


def test_partial_sweep_reports_missing_runs_not_more_than_keys(market, tmp_path):
    out = _fresh(market, tmp_path)
    store.run_files(out)[0].unlink()
    report = format_report(analyze(out))
    first = report.splitlines()[0]
    done = int(first.split()[0])
    assert done < 9 and first.startswith(f"{done} of 9 runs")
    assert "missing; finish with:" in report and "--resume" in report
