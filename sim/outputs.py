"""Output folders: checked before any work, and left holding exactly one run's files (imports
nothing of ``sim``: any layer may use it).

``trustmarket run``, ``compare``, ``claims`` and ``verify`` write into an ``--out``
folder. :meth:`OutputFolder.check` runs before anything is simulated: an ``--out`` that
is an existing file, a folder that cannot be written, or a folder holding another
command's results (a sweep, say) is refused there, not after the work.

A reused folder is not emptied first (a run that fails or is interrupted must not cost
the previous results). Instead, once the new files are written,
:meth:`OutputFolder.finish` removes the files of an earlier run of the same command that
this run did not write again — those listed in the folder's ``manifest.json``, and files
with the names the command writes (for folders from before manifests) — and writes a new
``manifest.json`` listing every file it wrote with its size and sha256. Files of other
kinds in the folder are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
#: The packages whose versions a manifest records: with the seed, what a run's numbers
#: depend on (a fit's design and solvers are scipy's, the draws numpy's and the engine
#: numba's).
RECORDED_PACKAGES = ("trustmarket", "numpy", "scipy", "numba", "pandas", "mesa", "networkx")
#: Every file ``trustmarket run`` may write (``customers.parquet`` only with snapshots,
#: ``purchases.parquet`` only with ``run.record_purchases``).
RUN_FILES = ("summary.csv", "timeseries.csv", "market.csv", "seeds.csv", "crossovers.csv",
             "customers.parquet", "purchases.parquet", "profit.png", "trust_ladder.png",
             "leaky_bucket.png", "provenance.json")


class OutputError(ValueError):
    """An output location that cannot be used; the message says what to change."""


def _file_state(path: Path) -> dict[str, tuple[int, int]]:
    """name -> (mtime in ns, size) of the files directly in ``path``."""
    if not path.is_dir():
        return {}
    state = {}
    for entry in os.scandir(path):
        if entry.is_file(follow_symlinks=False):
            st = entry.stat(follow_symlinks=False)
            state[entry.name] = (st.st_mtime_ns, st.st_size)
    return state


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class OutputFolder:
    """The ``--out`` folder of one command.

    Parameters
    ----------
    path
        The folder (created when the results are written).
    command
        The sub-command writing it (``"run"``, ``"compare"``, ...), recorded in the
        manifest; a folder whose manifest names another command is refused.
    owns
        Whether a file name is one this command writes (used for folders without a
        manifest, e.g. from an older version).
    option
        The option that named the folder, for messages.
    """

    path: Path
    command: str
    owns: Callable[[str], bool]
    option: str = "--out"
    _before: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    def check(self) -> None:
        """Refuse an unusable location before any work (raises :class:`OutputError`)."""
        p = self.path
        if p.exists() and not p.is_dir():
            raise OutputError(f"{self.option} {p} is an existing file, not a folder; choose a "
                              "folder (it is created if missing)")
        if p.is_dir():
            other = self.previous_command()
            if other is not None and other != self.command:
                raise OutputError(f"{self.option} {p} holds the output of `trustmarket "
                                  f"{other}` ({p / MANIFEST}); choose another folder")
            if (p / "runs").is_dir() or (p / "points.parquet").exists():
                raise OutputError(f"{self.option} {p} holds a sweep (runs/, points.parquet); "
                                  "choose another folder")
            if not os.access(p, os.W_OK | os.X_OK):
                raise OutputError(f"{self.option} {p}: no permission to write in this "
                                  "folder; choose another")
        else:
            parent = p.parent
            while not parent.exists():
                parent = parent.parent
            if not parent.is_dir():
                raise OutputError(f"{self.option} {p}: {parent} is a file, so the folder "
                                  "cannot be made; choose another")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(f"{self.option} {p}: no permission to create it in "
                                  f"{parent}; choose another folder")
        self._before = _file_state(p)

    def previous(self) -> dict[str, Any] | None:
        """The manifest an earlier run left in the folder (None if none or unreadable)."""
        try:
            record = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def previous_command(self) -> str | None:
        """The command that wrote the folder, from its manifest."""
        record = self.previous()
        command = record.get("command") if record else None
        return command if isinstance(command, str) else None

    def written_since_check(self) -> list[Path]:
        """Files created or changed in the folder since :meth:`check`."""
        after = _file_state(self.path)
        return [self.path / name for name, state in sorted(after.items())
                if name != MANIFEST and self._before.get(name) != state]

    def finish(self, written: Sequence[Path] | None = None, argv: Sequence[str] = (),
               extra: dict[str, Any] | None = None) -> list[str]:
        """Remove the stale files of an earlier run of this command, write the manifest of
        ``written`` (default: every file changed since :meth:`check`) and return the
        names removed."""
        files = list(written) if written is not None else self.written_since_check()
        names = {Path(f).name for f in files}
        previous = self.previous()
        earlier = set()
        if previous and previous.get("command") == self.command:
            earlier = {str(n) for n in previous.get("files", {}) if "/" not in str(n)}
        present = set(_file_state(self.path))
        stale = sorted(n for n in present & (earlier | {n for n in present if self.owns(n)})
                       if n not in names and n != MANIFEST)
        for name in stale:
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        record = {
            "command": self.command,
            "argv": list(argv),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": software_versions(),
            **(extra or {}),
            "files": {Path(f).name: {"bytes": Path(f).stat().st_size, "sha256": _sha256(Path(f))}
                      for f in files if Path(f).is_file()},
        }
        tmp = self.path / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(tmp, self.path / MANIFEST)
        return stale


def software_versions() -> dict[str, str]:
    """Python's version and those of :data:`RECORDED_PACKAGES` installed here."""
    found = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def named(*names: str) -> Callable[[str], bool]:
    """``owns`` for a command that writes files with these names."""
    wanted = frozenset(names)
    return lambda name: name in wanted


def prefixed(prefixes: Sequence[str], suffix: str, *names: str) -> Callable[[str], bool]:
    """``owns`` for a command that writes ``names`` and ``<prefix>...<suffix>`` files."""
    exact = frozenset(names)
    return lambda name: name in exact or (name.endswith(suffix)
                                          and name.startswith(tuple(prefixes)))
