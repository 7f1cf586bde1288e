"""Helpers for the browser test: a free port, the app in a subprocess, headless Chromium."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
#: Flags for Chromium on this closed network (no background connections, no sandbox as root).
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    """Debian's chromium; the test fails (not skips) with the fix when it is missing."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("chromium is not installed: run .ci/install-browser.sh "
                           "(apt-get install chromium, and solara's assets from npm)")
    return path


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(scenario: Path | None = None, timeout: float = 60.0
                ) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """Start ``trustmarket app`` on a free port; yield (url, process, start-up seconds)."""
    port = free_port()
    cmd = [sys.executable, "-m", "sim.cli", "app", "--host", "127.0.0.1", "--port", str(port)]
    if scenario is not None:
        cmd.insert(4, str(scenario))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "app-server.log", "w")  # noqa: SIM115 - closed below
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited: {(ARTIFACTS / 'app-server.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the app did not answer on {url} within {timeout} s")
            time.sleep(0.2)
        yield url, proc, time.monotonic() - started
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
        log.close()


#: Every text on the page with its rendered size and whether a container clips it.
#: SVG text: font size x the figure's scale (``getScreenCTM``), clipped if it leaves its
#: ``<svg>``. HTML text: an element with its own visible text, clipped if it overflows a box
#: that hides or scrolls overflow (itself or an ancestor), or leaves the window sideways.
TEXT_AUDIT_JS = """() => {
  const out = {texts: [], clipped: [], pageWidth: document.documentElement.scrollWidth,
               windowWidth: window.innerWidth};
  const visible = (r) => r.width > 0 && r.height > 0;
  for (const t of document.querySelectorAll('svg text')) {
    const svg = t.ownerSVGElement, r = t.getBoundingClientRect();
    if (!svg || !visible(r)) continue;
    const s = svg.getBoundingClientRect();
    const item = {text: t.textContent, px: parseFloat(t.getAttribute('font-size')) *
                  svg.getScreenCTM().a, css: t.getAttribute('class') || '', kind: 'svg'};
    out.texts.push(item);
    if (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 ||
        r.bottom > s.bottom + 1) out.clipped.push(item);
  }
  const all = document.body.querySelectorAll('*:not(svg):not(svg *)');
  for (const el of all) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length) continue;
    const style = getComputedStyle(el), r = el.getBoundingClientRect();
    if (!visible(r) || style.visibility === 'hidden' || style.display === 'none') continue;
    const item = {text: own.map(n => n.textContent.trim()).join(' ').slice(0, 80),
                  px: parseFloat(style.fontSize), css: el.className || '', kind: 'html'};
    out.texts.push(item);
    let clipped = (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) ||
                  r.right > window.innerWidth + 1 || r.left < -1;
    for (let a = el.parentElement; a && !clipped; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
      const ar = a.getBoundingClientRect();
      if (!visible(ar)) continue;
      if (r.left < ar.left - 1 || r.right > ar.right + 1 ||
          (st.overflowY !== 'visible' && a !== document.scrollingElement &&
           a !== document.body && a !== document.documentElement &&
           (r.top < ar.top - 1 || r.bottom > ar.bottom + 1))) clipped = true;
    }
    if (clipped) out.clipped.push(item);
  }
  return out;
}"""

#: Click Step and wait until every figure shows step ``n`` and the browser painted it;
#: returns the milliseconds from the click.
TIMED_STEP_JS = """async (n) => {
  const figures = ['.tm-bucket-grid', '.tm-profit-svg', '.tm-ladder-svg', '.tm-network-svg',
                   '.tm-lifecycle-svg'];
  const done = () => figures.every(s => {
    const e = document.querySelector(s); return e && e.dataset.step === String(n); });
  const t0 = performance.now();
  document.querySelector('.tm-step').click();
  await new Promise((resolve, reject) => {
    const give_up = setTimeout(() => reject(new Error('step ' + n + ' not drawn')), 30000);
    const poll = () => done() ? requestAnimationFrame(() => { clearTimeout(give_up);
      resolve(); }) : requestAnimationFrame(poll);
    poll();
  });
  return performance.now() - t0;
}"""


def open_app(browser, server, width: int = 1366, height: int = 768):
    """A new tab (a new market) of the app at ``width`` x ``height``, its figures drawn;
    returns (page, the page's errors so far and from now on)."""
    url, _ = server
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.locator(".tm-bucket-grid").wait_for(timeout=90_000)
    page.locator(".tm-network-svg").wait_for(timeout=60_000)
    return page, errors


def step_number(page) -> int:
    """The step the counter shows."""
    return int(re.search(r"Step: (\d+)", page.inner_text(".tm-counter")).group(1))


def wait_step(page, n: int, timeout: float = 20_000) -> None:
    """Wait until the counter shows step ``n``."""
    page.wait_for_function(
        "n => { const m = document.querySelector('.tm-counter').innerText.match(/Step: (\\d+)/);"
        " return m && Number(m[1]) === n; }", arg=n, timeout=timeout)


def assert_no_traceback(page, errors) -> None:
    """No Python traceback or error text in the page, no script error in the browser."""
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error:" not in body, body[:2000]
    assert not errors, errors


def click_track(page, css: str, fraction: float) -> None:
    """Click the slider under ``css`` at ``fraction`` of its track (scrolled into view)."""
    locator = page.locator(f"{css} .v-slider__track-container")
    locator.scroll_into_view_if_needed()
    track = locator.bounding_box()
    page.mouse.click(track["x"] + fraction * track["width"], track["y"] + track["height"] / 2)
