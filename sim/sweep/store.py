"""Sweep results on disk: one writer at a time, every part checksummed, every run once.

Layout of a sweep directory::

    DIR/provenance.json      package version, sweep and base scenario text with sha256,
                             command, start time; ``digest`` (of both) is what resuming checks
    DIR/points.parquet       the design: one row per point, one column per parameter
    DIR/runs/part-*.parquet  one row per finished run (point, replication, seed, parameters,
                             outcomes), one file per finished batch; each file appears whole
                             or not at all (temp + fsync + rename)
    DIR/manifest.json        every part's size, sha256 and row count (temp + fsync + rename)
    DIR/.lock                the writer: pid, host, user, command, start time
    DIR/quarantine/          part files found corrupt or repeating runs, with the reason

**One writer.** A sweep holds an exclusive ``flock`` on ``DIR/.lock`` while it writes; a
second sweep into the same directory is refused, naming the holder. The kernel releases
the lock when its holder exits in any way (even ``kill -9``), so a lock file left by a
dead process is stale: it is taken over, with a message.

The folder's own files (provenance, design, atomic writes, errors) are in
:mod:`sim.sweep.folder`, the lock in :mod:`sim.sweep.lock`; this module re-exports them.

**Every run once.** :func:`scan` reads the parts in a fixed order — those in the
manifest first, in the order written, then the others — and accepts a part only if it
reads whole, matches its checksum (when listed), holds known keys once and repeats no
(point, replication) already accepted. Resuming (:func:`repair`) moves every other part
into ``quarantine/`` and re-runs exactly the keys not accepted; reading
(:func:`load_runs`, ``trustmarket analyze``) refuses a directory with such parts and
says how to repair it. Parts written since the manifest was last saved (it is saved at
most every :data:`MANIFEST_SECONDS` and when the sweep stops) are verified by reading
them whole and then listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweep.folder import (
    SweepError,
    check_sweep_folder,
    load_points,
    provenance,
    remove_temporary_files,
    run_files,
    runs_dir,
    start,
    write_atomic,
)
from sim.sweep.lock import LOCK, LockedError, lock_holder, now, writer_lock

KEY = ["point", "replication"]
MANIFEST = "manifest.json"
QUARANTINE = "quarantine"
#: The manifest is saved at most this often while a sweep runs (and always at its end):
#: rewriting it after every one of thousands of parts would cost more than the parts.
MANIFEST_SECONDS = 2.0

Log = Callable[[str], None]


__all__ = ["KEY", "LOCK", "MANIFEST", "LockedError", "Manifest", "Scan", "SweepError",
           "check_sweep_folder", "done_keys", "load_points", "load_runs", "lock_holder",
           "provenance", "remove_temporary_files", "repair", "resume_command", "run_files",
           "runs_dir", "scan", "start", "write_atomic", "write_runs", "writer_lock"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- manifest
@dataclass
class Manifest:
    """Every listed part: name -> size, sha256, rows (insertion order = order written)."""

    out: Path
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    readable: bool = True
    _saved: float = 0.0
    _dirty: bool = False

    @classmethod
    def read(cls, out: Path) -> Manifest:
        """The manifest of ``out`` (empty when there is none; ``readable`` False when it is
        broken, in which case every part is verified by reading it)."""
        path = out / MANIFEST
        if not path.exists():
            return cls(out)
        try:
            data = json.loads(path.read_text())
            parts = dict(data["parts"])
        except (OSError, ValueError, KeyError, TypeError):
            return cls(out, readable=False)
        return cls(out, parts)

    def add(self, name: str, data: bytes, rows: int) -> None:
        """List a part written now."""
        self.parts[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                            "rows": rows}
        self._dirty = True

    def save(self, force: bool = False) -> None:
        """Write the manifest atomically (at most every :data:`MANIFEST_SECONDS` unless
        ``force``)."""
        if not (self._dirty or force):
            return
        if not force and time.monotonic() - self._saved < MANIFEST_SECONDS:
            return
        body = {"command": "sweep", "updated": now(), "parts": self.parts}
        write_atomic(self.out / MANIFEST, json.dumps(body, indent=1).encode())
        self._saved, self._dirty = time.monotonic(), False


# --------------------------------------------------------------------------- scanning
@dataclass
class Scan:
    """What :func:`scan` found: accepted parts and their keys, and the unusable parts."""

    accepted: list[Path] = field(default_factory=list)
    keys: dict[tuple[int, int], str] = field(default_factory=dict)
    rejected: dict[Path, str] = field(default_factory=dict)
    unlisted: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """One line per unusable or missing part."""
        lines = [f"{p.name}: {reason}" for p, reason in self.rejected.items()]
        lines += [f"{name}: listed in {MANIFEST} but missing" for name in self.missing]
        return lines


#: The keys a sweep has: its points and its number of replications.
Design = tuple[set[int], int]


def scan(out: str | Path, design: Design | None = None, keep_frames: bool = False) -> Scan:
    """Check every part of ``out`` (read only); see the module notes for the rules.

    Parameters
    ----------
    design
        The sweep's points and replications; a part with other keys is rejected.
    keep_frames
        Keep each accepted part's rows (:func:`load_runs` uses them).
    """
    out = Path(out)
    manifest = Manifest.read(out)
    on_disk = {p.name: p for p in run_files(out)}
    listed = [on_disk[n] for n in manifest.parts if n in on_disk]
    others = sorted((p for n, p in on_disk.items() if n not in manifest.parts),
                    key=lambda p: (p.stat().st_mtime_ns, p.name))
    result = Scan(missing=[n for n in manifest.parts if n not in on_disk])
    for path in [*listed, *others]:
        entry = manifest.parts.get(path.name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.rejected[path] = f"cannot be read ({exc.strerror})"
            continue
        if entry is not None and (len(data) != entry.get("bytes")
                                  or hashlib.sha256(data).hexdigest() != entry.get("sha256")):
            result.rejected[path] = (f"changed since it was written ({len(data):,} bytes, "
                                     f"listed with {entry.get('bytes', 0):,} and another "
                                     "checksum): truncated or altered")
            continue
        try:
            frame = pd.read_parquet(io.BytesIO(data),
                                    columns=None if entry is None or keep_frames else KEY)
        except Exception as exc:  # pyarrow raises many kinds on a damaged file
            result.rejected[path] = f"not a readable Parquet file (truncated?): {exc}"[:200]
            continue
        if not set(KEY) <= set(frame.columns):
            result.rejected[path] = "has no point/replication columns: not a run file"
            continue
        keys = list(zip(frame["point"].tolist(), frame["replication"].tolist(), strict=True))
        if len(set(keys)) != len(keys):
            result.rejected[path] = "holds the same run twice"
            continue
        if design is not None and not all(p in design[0] and 0 <= r < design[1]
                                          for p, r in keys):
            result.rejected[path] = "holds runs that are not in this sweep's design"
            continue
        repeated = [k for k in keys if k in result.keys]
        if repeated:
            first = result.keys[repeated[0]]
            result.rejected[path] = (f"repeats {len(repeated)} run(s) already in {first} "
                                     f"(e.g. point {repeated[0][0]}, replication "
                                     f"{repeated[0][1]}): a copy, or a second writer")
            continue
        result.accepted.append(path)
        if entry is None:
            result.unlisted.append(path)
        for k in keys:
            result.keys[k] = path.name
        if keep_frames:
            result.frames[path.name] = frame
    return result


def done_keys(out: str | Path) -> set[tuple[int, int]]:
    """(point, replication) of every run on disk that counts (see :func:`scan`)."""
    return set(scan(out).keys)


def repair(out: Path, design: Design, log: Log = _stderr) -> Scan:
    """Before resuming (under the writer's lock): move unusable parts to
    ``quarantine/`` (never deleted), list verified unlisted parts in the manifest, drop
    the entries of missing parts; return the scan (its ``keys`` are the runs done)."""
    found = scan(out, design)
    manifest = Manifest.read(out)
    if not manifest.readable:
        log(f"note: {out / MANIFEST} is damaged; every part was verified by reading it")
    if found.rejected:
        folder = out / QUARANTINE
        folder.mkdir(exist_ok=True)
        for path, reason in found.rejected.items():
            target = folder / path.name
            while target.exists():
                target = folder / f"{path.stem}.{uuid.uuid4().hex[:6]}{path.suffix}"
            os.replace(path, target)
            with (folder / "reasons.txt").open("a", encoding="utf-8") as notes:
                notes.write(f"{now()} {target.name}: {reason}\n")
            manifest.parts.pop(path.name, None)
            log(f"note: moved {path.name} to {folder}/ ({reason}); runs it held that no other "
                "part holds will be run again")
    for name in found.missing:
        manifest.parts.pop(name, None)
        log(f"note: {name} is listed in {MANIFEST} but missing; its runs will be run again")
    if not manifest.readable:
        manifest.parts = {}
    for path in found.accepted:
        if path.name not in manifest.parts:
            data = path.read_bytes()
            frame = pd.read_parquet(io.BytesIO(data), columns=KEY)
            manifest.add(path.name, data, len(frame))
    manifest.save(force=True)
    return found


def write_runs(out: Path, rows: Sequence[dict[str, Any]],
               manifest: Manifest | None = None) -> Path | None:
    """Write finished runs as one new part file, atomically, and list it in
    ``manifest`` (saved at most every :data:`MANIFEST_SECONDS`); return its path."""
    if not rows:
        return None
    folder = runs_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    pd.DataFrame(list(rows)).to_parquet(buffer, index=False)
    data = buffer.getvalue()
    path = folder / f"part-{uuid.uuid4().hex}.parquet"
    write_atomic(path, data)
    if manifest is not None:
        manifest.add(path.name, data, len(rows))
        manifest.save()
    return path


# --------------------------------------------------------------------------- reading
def load_runs(out: str | Path) -> pd.DataFrame:
    """Every run of the sweep in ``out``, once each, sorted by point and replication.

    Raises
    ------
    SweepError
        When no run is there, or when some part files are unusable (corrupt, truncated,
        repeating runs): the message lists them and the command that repairs the folder.
    """
    out = Path(out)
    found = scan(out, keep_frames=True)
    if found.rejected:
        raise SweepError(
            f"{out}: {len(found.rejected)} part file(s) cannot be counted:\n  "
            + "\n  ".join(found.problems()) + f"\nrepair with: {resume_command(out)} "
            f"(moves them to {out / QUARANTINE}/ and runs their runs again)")
    if not found.accepted:
        raise SweepError(f"{out}: no finished runs (expected {runs_dir(out)}/part-*.parquet)")
    df = pd.concat([found.frames[p.name] for p in found.accepted], ignore_index=True)
    return df.sort_values(KEY, kind="stable").reset_index(drop=True)


def resume_command(out: Path, command: Sequence[str] | None = None) -> str:
    """The command that finishes (or repairs) the sweep in ``out``: the recorded command
    with ``--resume``."""
    import shlex

    if command is None:
        with contextlib.suppress(SweepError):
            command = provenance(out).get("command")
    if not command:
        record = {}
        with contextlib.suppress(SweepError):
            record = provenance(out)
        command = ["trustmarket", "sweep", str(record.get("sweep_file", "SWEEP.toml")),
                   "--out", str(out)]
    command = list(command)
    return shlex.join(command if "--resume" in command else [*command, "--resume"])


