"""The classroom notebook in a real JupyterLab, in headless Chromium, offline (every request
off this machine is refused and counted): the committed outputs render, the embedded app
(``notebook_app()``, the classroom's own Solara page) renders, and its Step button steps it.

Runtime ~40-60 s here (JupyterLab's start, the kernel's first model). The test works on
a copy of notebooks/ so that JupyterLab's autosave never touches the committed files; its
last screenshot (tests/artifacts/jupyterlab_app.png) is the picture the notebook shows as
notebooks/img/classroom_app_in_jupyterlab.png.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser_support import ARTIFACTS, CHROMIUM_ARGS, ROOT, chromium_path
from tests.jupyterlab_support import running_jupyterlab

NOTEBOOK = "classroom_leaky_bucket.ipynb"
#: Requests that must not fail: the page, its front-end code and the notebook's pictures.
LOCAL = "http://127.0.0.1"


@pytest.mark.notebooks
def test_classroom_notebook_renders_and_its_app_steps(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns("results", ".ipynb_checkpoints"))
    executable = chromium_path()
    with running_jupyterlab(tmp_path / "notebooks") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        failed: list[str] = []
        errors: list[str] = []
        outside: list[str] = []

        def local_only(route):  # offline: anything not served by this JupyterLab is refused
            if route.request.url.startswith(LOCAL):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", local_only)
        # JupyterLab rewrites a markdown picture's relative src, cancelling the first request
        page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
                else failed.append(f"{r.url}: {r.failure}"))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{url}/lab/tree/{NOTEBOOK}")
        page.locator(".jp-RenderedMarkdown h1").first.wait_for(timeout=120_000)
        # the committed outputs: the first table and the first figure render without a run
        page.locator(".jp-RenderedHTMLCommon table").first.wait_for(timeout=60_000)
        page.locator(".jp-RenderedImage img").first.wait_for(timeout=60_000)
        picture = page.locator("img[alt='the classroom app inside JupyterLab']").first
        picture.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=picture.element_handle(), timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=120_000)

        app_cell = page.locator(".jp-CodeCell", has_text="notebook_app(").first
        app_cell.scroll_into_view_if_needed()
        app_cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        output = app_cell.locator(".jp-OutputArea")
        output.locator(".tm-bucket-grid[data-step='0']").wait_for(timeout=180_000)
        output.get_by_text("Levers are live").first.wait_for(timeout=60_000)
        assert "Warning" not in output.inner_text(), output.inner_text()[:500]
        for n in range(1, 4):
            output.locator(".tm-step").click()
            output.locator(f".tm-bucket-grid[data-step='{n}']").wait_for(timeout=60_000)
            output.get_by_text(f"Step: {n} ", exact=False).first.wait_for(timeout=60_000)
        stepped = int(output.locator(".tm-bucket-grid").get_attribute("data-step"))
        output.locator(".tm-bucket svg, .tm-bucket img").first.wait_for(timeout=30_000)
        news = page.get_by_role("button", name="No", exact=True)  # JupyterLab's news prompt
        if news.count():
            news.first.click()
        app_cell.evaluate("cell => cell.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab_app.png"))
        browser.close()
    assert stepped == 3
    assert not errors, errors
    assert not [u for u in failed if u.startswith(LOCAL)], failed
    assert not outside, f"the page asked for resources off this machine: {outside[:5]}"
