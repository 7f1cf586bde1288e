"""The sweep folder's own files: its errors, atomic writes, the provenance record, the
design table, and telling a sweep's folder from another command's.

``DIR/provenance.json`` (package version, sweep and base scenario text with sha256,
command, start time; ``digest`` is what resuming checks) and ``DIR/points.parquet`` (the
design) are written once, when the sweep starts, each whole or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outputs import software_versions
from sim.sweep.lock import now
from sim.sweep.spec import SweepSpec


class SweepError(RuntimeError):
    """A sweep directory that cannot be used as asked (e.g. resuming a different sweep,
    a second writer, unusable part files); the message says what to change."""


def runs_dir(out: str | Path) -> Path:
    """Where the run files go."""
    return Path(out) / "runs"


def run_files(out: str | Path) -> list[Path]:
    """The part files on disk (temporary files of an interrupted write are ignored)."""
    return sorted(runs_dir(out).glob("part-*.parquet"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, flushed
    to disk (fsync), renamed over ``path``; the temporary file is removed on failure
    (a full disk leaves nothing behind)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself reaches the disk
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_temporary_files(out: Path) -> int:
    """Delete the temporary files an interrupted write left (only the writer calls it)."""
    removed = 0
    for folder in (out, runs_dir(out)):
        for tmp in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
    return removed


def check_sweep_folder(out: str | Path) -> None:
    """Raise :class:`SweepError` unless ``out`` looks like a sweep's results folder."""
    out = Path(out)
    if not out.exists():
        raise SweepError(f"{out}: no such folder (give the --out folder of a "
                         "`trustmarket sweep`)")
    if not out.is_dir():
        raise SweepError(f"{out} is a file, not a sweep's results folder")
    prov = out / "provenance.json"
    if prov.exists():
        record = provenance(out)
        if "sweep_text" not in record:
            raise SweepError(f"{out} is not a sweep folder: it holds the output of "
                             f"`{_writer(out, record)}` (no sweep in {prov}); analyze takes "
                             "the --out folder of a `trustmarket sweep`")
        return
    if runs_dir(out).is_dir():
        raise SweepError(f"{prov} is missing: without it the sweep's design and seeds are "
                         "unknown; restore it from a backup, or run the sweep again into a "
                         "new --out")
    raise SweepError(f"{out} is not a sweep folder (no provenance.json, no runs/); analyze "
                     "takes the --out folder of a `trustmarket sweep`")


def _writer(out: Path, record: dict[str, Any]) -> str:
    """Which command wrote ``out`` (from its provenance record)."""
    for word in record.get("command") or []:
        if word in ("run", "claims", "compare", "verify"):
            return f"trustmarket {word}"
    return "trustmarket run" if (out / "summary.csv").exists() else "another command"


def load_points(out: str | Path) -> pd.DataFrame:
    """The design table written when the sweep started."""
    path = Path(out) / "points.parquet"
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise SweepError(f"{path} is missing: the sweep's design is unknown; run the sweep "
                         "again into a new --out") from None
    except Exception as exc:  # a damaged file: pyarrow raises many kinds
        raise SweepError(f"{path} cannot be read ({exc}); run the sweep again into a new "
                         "--out") from None


def provenance(out: str | Path) -> dict[str, Any]:
    """The provenance record of the sweep in ``out``.

    Raises
    ------
    SweepError
        Naming the file when it is missing or not valid JSON.
    """
    path = Path(out) / "provenance.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"{path} is missing: the sweep's files and seeds are unknown; "
                         "restore it, or run the sweep again into a new --out") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path} cannot be read: {exc}") from None
    except ValueError as exc:
        raise SweepError(f"{path} is not valid JSON ({exc}); restore it from a backup, or "
                         "run the sweep again into a new --out") from None
    if not isinstance(record, dict):
        raise SweepError(f"{path} is not a provenance record (a JSON object)")
    return record


# --------------------------------------------------------------------------- starting
def start(spec: SweepSpec, out: Path, design: pd.DataFrame, resume: bool,
          command: Sequence[str]) -> None:
    """Prepare ``out`` for the sweep: a new directory, or the same sweep when resuming
    (call it holding :func:`writer_lock`).

    Raises
    ------
    SweepError
        When ``out`` already holds runs and ``resume`` is false, when it holds the output
        of another command, or when resuming into a directory whose sweep (file text or
        base scenario) differs from ``spec``.
    """
    prov_file = out / "provenance.json"
    if prov_file.exists() or run_files(out):
        old = provenance(out)
        if "sweep_text" not in old:
            raise SweepError(f"{out} holds the output of `{_writer(out, old)}`, not a sweep; "
                             "choose another --out")
        if not resume:
            raise SweepError(f"{out} already holds a sweep; pass --resume to finish it or "
                             "choose another --out")
        if old.get("digest") != spec.digest:
            raise SweepError(
                f"{out} holds a different sweep (sha256 {str(old.get('digest', '?'))[:12]}, "
                f"this one {spec.digest[:12]}): the sweep file or its base scenario changed "
                "since it started; resume with the original files or choose another --out")
        return
    from sim import __version__

    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    design.to_parquet(buffer)
    write_atomic(out / "points.parquet", buffer.getvalue())
    record = {
        "trustmarket_version": __version__,
        "python": sys.version.split()[0],
        "versions": software_versions(),
        "sweep_file": str(spec.source),
        "sweep_text": spec.text,
        "base_scenario": str(spec.base_path) if spec.base_path else None,
        "base_scenario_text": spec.base_path.read_text() if spec.base_path else None,
        "sweep_sha256": hashlib.sha256(spec.text.encode()).hexdigest(),
        "base_scenario_sha256": (hashlib.sha256(spec.base_path.read_bytes()).hexdigest()
                                 if spec.base_path else None),
        "digest": spec.digest,
        "design": spec.design,
        "points": len(design),
        "replications": spec.replications,
        "root_seed": spec.seed,
        "seeding": "numpy.random.SeedSequence(root_seed, spawn_key=(point, replication))",
        "command": list(command),
        "started": now(),
    }
    write_atomic(prov_file, json.dumps(record, indent=2).encode())
