"""Helpers for the JupyterLab browser test: a JupyterLab server on a free port, headless
Chromium opening a notebook in it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.browser_support import ARTIFACTS, ROOT, free_port


@contextlib.contextmanager
def running_jupyterlab(root_dir: Path, timeout: float = 120.0) -> Iterator[str]:
    """Start ``jupyter lab --no-browser`` serving ``root_dir``; yield its base URL.

    No token (it listens on 127.0.0.1 only), no news or update checks (no network), and
    ``--allow-root`` since CI runs as root. The kernel imports this checkout.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root_dir}",
           "--IdentityProvider.token=", "--ServerApp.password=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "jupyterlab-server.log", "w")  # noqa: SIM115 - closed below
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("jupyter lab exited: "
                                   + (ARTIFACTS / "jupyterlab-server.log").read_text())
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"jupyter lab did not answer on {url} within {timeout} s")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()
