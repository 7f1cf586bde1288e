"""The one-writer lock of a sweep directory (``DIR/.lock``).

A sweep holds an exclusive ``flock`` on the lock file while it writes; a second writer is
refused with the holder named (pid, host, user, command, start time). The kernel drops
the lock when its holder exits in any way, even ``kill -9``, so a lock file whose holder
is gone is stale: the next writer takes it over and says so.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCK = ".lock"


class LockedError(RuntimeError):
    """Another process holds the lock."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def now() -> str:
    """The time now (UTC, ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), to tell a live holder
    from a new process that reuses its pid; None where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _holder_text(info: dict[str, Any]) -> str:
    return (f"pid {info.get('pid', '?')} on {info.get('host', '?')}, user "
            f"{info.get('user', '?')}, since {info.get('started', '?')}: "
            f"{' '.join(info.get('command') or []) or '?'}")


def lock_holder(out: Path) -> dict[str, Any] | None:
    """Who holds the lock of ``out`` now (None if nobody does)."""
    path = out / LOCK
    if not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_lock(path) or {"pid": "?"}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def writer_lock(out: Path, command: Sequence[str],
                log: Callable[[str], None] = _stderr) -> Iterator[None]:
    """Hold the one-writer lock of ``out`` for the duration of the block.

    Raises
    ------
    LockedError
        When another process holds it (naming pid, host, user, command and start time).
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            info = _read_lock(path)
            raise LockedError(f"{out} is being written by another sweep ({_holder_text(info)})"
                             f"; wait for it to finish, or stop it, or choose another --out "
                             f"(its lock: {path})") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we opened it: lock the new one
    stale = _read_lock(path)
    if stale.get("pid"):
        alive = (stale.get("host") == socket.gethostname()
                 and _process_start(int(stale["pid"])) == stale.get("process_start"))
        state = "still running but not holding it" if alive else "no longer running"
        log(f"note: taking over the lock of {out} left by {_holder_text(stale)} ({state})")
    info = {"pid": os.getpid(), "host": socket.gethostname(), "user": _user(),
            "command": list(command), "started": now(),
            "process_start": _process_start(os.getpid())}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
