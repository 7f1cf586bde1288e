"""Sweep results on disk: one Parquet file per finished batch of runs, written atomically.

Layout of a sweep directory::

    DIR/provenance.json      package version, sweep and base scenario text with sha256,
                             command, start time; ``digest`` (of both) is what resuming checks
    DIR/points.parquet       the design: one row per point, one column per parameter
    DIR/runs/part-*.parquet  one row per finished run (point, replication, seed, parameters,
                             outcomes), one file per finished batch; each file appears whole
                             or not at all (temp + rename)

A killed sweep loses only the runs that were in flight; ``--resume`` reads the (point,
replication) keys present and runs only the missing ones, so every run ends up exactly
once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweep.spec import SweepSpec

KEY = ["point", "replication"]


class SweepError(RuntimeError):
    """A sweep directory that cannot be used as asked (e.g. resuming a different sweep)."""


def runs_dir(out: str | Path) -> Path:
    """Where the run files go."""
    return Path(out) / "runs"


def run_files(out: str | Path) -> list[Path]:
    """The finished part files (temporary files of an interrupted write are ignored)."""
    return sorted(runs_dir(out).glob("part-*.parquet"))


def done_keys(out: str | Path) -> set[tuple[int, int]]:
    """(point, replication) of every run on disk."""
    keys: set[tuple[int, int]] = set()
    for f in run_files(out):
        df = pd.read_parquet(f, columns=KEY)
        keys.update(zip(df["point"].tolist(), df["replication"].tolist(), strict=True))
    return keys


def write_runs(out: Path, rows: Sequence[dict[str, Any]]) -> Path | None:
    """Write finished runs as one new part file, atomically; return its path."""
    if not rows:
        return None
    folder = runs_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"part-{uuid.uuid4().hex}.parquet"
    tmp = folder / f".{name}.tmp"
    pd.DataFrame(list(rows)).to_parquet(tmp, index=False)
    os.replace(tmp, folder / name)
    return folder / name


def load_runs(out: str | Path) -> pd.DataFrame:
    """Every run of the sweep in ``out``, sorted by point and replication."""
    files = run_files(out)
    if not files:
        raise SweepError(f"{out}: no finished runs (expected {runs_dir(out)}/part-*.parquet)")
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return df.sort_values(KEY, kind="stable").reset_index(drop=True)


def load_points(out: str | Path) -> pd.DataFrame:
    """The design table written when the sweep started."""
    return pd.read_parquet(Path(out) / "points.parquet")


def provenance(out: str | Path) -> dict[str, Any]:
    """The provenance record of the sweep in ``out``."""
    return json.loads((Path(out) / "provenance.json").read_text())


def start(spec: SweepSpec, out: Path, design: pd.DataFrame, resume: bool,
          command: Sequence[str]) -> None:
    """Prepare ``out`` for the sweep: a new directory, or the same sweep when resuming.

    Raises
    ------
    SweepError
        When ``out`` already holds runs and ``resume`` is false, or when resuming into a
        directory whose sweep (file text or base scenario) differs from ``spec``.
    """
    prov_file = out / "provenance.json"
    if prov_file.exists() or run_files(out):
        if not resume:
            raise SweepError(f"{out} already holds a sweep; pass --resume to finish it or "
                             "choose another --out")
        old = provenance(out)
        if old.get("digest") != spec.digest:
            raise SweepError(
                f"{out} holds a different sweep (sha256 {old.get('digest', '?')[:12]}, this "
                f"one {spec.digest[:12]}): the sweep file or its base scenario changed since "
                "it started; resume with the original files or choose another --out")
        return
    from sim import __version__

    out.mkdir(parents=True, exist_ok=True)
    design.to_parquet(out / "points.parquet")
    record = {
        "trustmarket_version": __version__,
        "python": sys.version.split()[0],
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
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    tmp = out / ".provenance.json.tmp"
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, prov_file)
