"""Where a calibration keeps its simulations, so that an interrupted one resumes.

Every design round is one ``.npz`` file in ``OUT/work/``: the round's box (centre and
half-widths), its design points, the statistics simulated so far and which points are
done, rewritten atomically after every few simulations. The fingerprint file records what
the calibration is of (log, scenario, periods, settings); resuming a different one is
refused instead of mixing simulations of two problems.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FINGERPRINT = "fingerprint.json"


class StoreError(ValueError):
    """An output directory that holds another calibration, or one that cannot resume."""


@dataclass
class RoundRecord:
    """One design round: its box, its design points and what has been simulated."""

    center: np.ndarray
    half_width: np.ndarray
    design: np.ndarray  #: (n, k) free coordinates
    statistics: np.ndarray  #: (n, m), NaN where not yet simulated
    done: np.ndarray  #: (n,) bool

    @property
    def complete(self) -> bool:
        """Whether every design point has been simulated."""
        return bool(self.done.all())


class CalibrationStore:
    """The work directory of one calibration (``OUT/work``)."""

    def __init__(self, directory: str | Path, fingerprint: dict[str, Any], resume: bool):
        self.directory = Path(directory)
        path = self.directory / FINGERPRINT
        if path.exists():
            found = json.loads(path.read_text(encoding="utf-8"))
            if not resume:
                raise StoreError(f"{self.directory} already holds a calibration; pass --resume "
                                 "to continue it, or choose another --out")
            if found != fingerprint:
                changed = sorted(k for k in set(found) | set(fingerprint)
                                 if found.get(k) != fingerprint.get(k))
                raise StoreError(f"{self.directory} holds a calibration of something else "
                                 f"(different: {', '.join(changed)}); choose another --out")
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, json.dumps(fingerprint, indent=1, sort_keys=True).encode())

    def _path(self, index: int) -> Path:
        return self.directory / f"round{index:02d}.npz"

    def load(self, index: int) -> RoundRecord | None:
        """Round ``index`` as stored, or None if it was never started."""
        path = self._path(index)
        if not path.exists():
            return None
        with np.load(path) as data:
            return RoundRecord(*(data[k] for k in ("center", "half_width", "design",
                                                   "statistics", "done")))

    def save(self, index: int, record: RoundRecord) -> None:
        """Write round ``index`` (atomically: a crash leaves the previous version)."""
        tmp = self._path(index).with_suffix(".tmp.npz")
        np.savez(tmp, center=record.center, half_width=record.half_width,
                 design=record.design, statistics=record.statistics, done=record.done)
        os.replace(tmp, self._path(index))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
