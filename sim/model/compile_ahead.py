"""The first run on an empty cache: the engine compiles in another process while the
markets built meanwhile step as Python (the same loops, so the same trajectory), and
switch to the compiled engine at the first step after it is ready.

Compiling takes ~30 s of processor time; a market of a few thousand customers steps as
Python in ~0.1-0.3 s, so the first steps and the app's first page come at once instead
of after the compile. Used by ``trustmarket run`` and the app; anything else compiles in
its own process on first use, as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim import engine
from sim.engine import jit
from sim.rules import RULES, rulebook

log = logging.getLogger("trustmarket")

#: What the command line and the app say when the engine compiles in the background.
NOTICE = ("compiling the simulation engine in the background (first run only, about "
          "30 s; later runs load it from the cache); the first steps run as Python meanwhile")
_WARM_UP = "from sim.model.market import warm_up; warm_up()"
_child: subprocess.Popen[bytes] | None = None
_errors = None  # the child's standard error (a temporary file)
_failed = False  # a failed compile is not retried in the background by this process
#: Another process's background compile of the same engine (its pid), if one is running.
_other: int | None = None
#: In the cache folder: the pid of the process compiling into it in the background.
PID_FILE = "compiling.pid"
#: After this long a compile elsewhere is taken to have failed (no compile takes this long).
GIVE_UP_SECONDS = 600.0


def start() -> bool:
    """Start compiling the engine in a child process unless it is cached or compiling
    already, the JIT is off, or this machine has one core (where the Python steps would
    only slow the compile down). True when a compile is running."""
    global _child, _errors, _other
    if running():
        return True
    if _failed or not jit.needs_compiling() or (os.cpu_count() or 1) < 2:
        return False
    _other = _compiling_elsewhere()
    if _other is not None:  # an earlier run's compile, still going: wait for that one
        engine.say(NOTICE)
        return True
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH"))
                                        if p)
    # Its messages go to a file: a pipe nobody reads could fill and stall it.
    _errors = tempfile.TemporaryFile()  # noqa: SIM115 (open while the child runs)
    _child = subprocess.Popen([sys.executable, "-c", _WARM_UP], env=env,
                              stdout=subprocess.DEVNULL, stderr=_errors)
    with contextlib.suppress(OSError):
        jit.cache_dir().mkdir(parents=True, exist_ok=True)
        (jit.cache_dir() / PID_FILE).write_text(str(_child.pid))
    engine.say(NOTICE)
    return True


def _compiling_elsewhere() -> int | None:
    """The pid in the cache folder's :data:`PID_FILE` if that process is alive (a run
    that ended before its background compile did leaves the compile running)."""
    path = jit.cache_dir() / PID_FILE
    try:
        pid = int(path.read_text())
        fresh = time.time() - path.stat().st_mtime < GIVE_UP_SECONDS
    except (OSError, ValueError):
        return None
    return pid if fresh and _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running() -> bool:
    """Whether the background compile is still running. A compile that failed is
    reported (its last error line) and left to the next model, which compiles in its own
    process."""
    global _child, _failed, _other
    if _other is not None:
        if jit.needs_compiling() and _compiling_elsewhere() == _other:
            return True
        _other = None
        return False
    if _child is None or _child.poll() is None:
        return _child is not None
    child, _child = _child, None
    if child.returncode != 0:
        _failed = True
        _errors.seek(0)
        lines = _errors.read().decode(errors="replace")
        last = lines.strip().splitlines()[-1:] or ["no message"]
        log.warning("the background compile failed (exit %s: %s); compiling here",
                    child.returncode, last[0])
    return False


def steps_as_python() -> bool:
    """Whether a market built now should step as Python: the engine for the rules in
    force is being compiled elsewhere (replaced rules compile in this process)."""
    return running() and rulebook() == RULES


def wait() -> None:
    """Block until the background compile (if any) has finished."""
    if _child is not None:
        _child.wait()
    while _other is not None and running():
        time.sleep(0.2)
    running()
