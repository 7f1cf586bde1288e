"""Take the screenshots of docs/classroom.md from the real app (headless Chromium).

    python scripts/classroom_screenshots.py        # writes docs/img/classroom_*.png

Needs Debian's chromium and solara's assets (bash .ci/install-browser.sh).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser_support import CHROMIUM_ARGS, chromium_path, running_app  # noqa: E402

OUT = ROOT / "docs" / "img"


def run_to(page, target: int) -> None:
    """Press Step until the counter shows ``target``."""
    step = page.get_by_role("button", name="Step")
    while True:
        now = int(re.search(r"Step: (\d+)", page.inner_text("body")).group(1))
        if now >= target:
            return
        step.click()
        page.get_by_text(f"Step: {now + 1}", exact=True).wait_for(timeout=15_000)


def main() -> int:
    """Drive the classroom demonstration and save its screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    with running_app() as (url, _server, _startup), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        page.goto(url)
        page.locator(".tm-bucket img").wait_for(timeout=60_000)
        page.screenshot(path=str(OUT / "classroom_start.png"))
        run_to(page, 26)
        page.screenshot(path=str(OUT / "classroom_half_year.png"))
        page.locator(".tm-bucket").screenshot(path=str(OUT / "classroom_bucket.png"))
        run_to(page, 104)
        page.screenshot(path=str(OUT / "classroom_two_years.png"), full_page=True)
        # Plug Leaky Larder's holes live: give it the "plug" strategy's levers.
        page.locator(".tm-firm-0 .v-select").click()
        page.get_by_role("option", name="plug").click()
        page.locator(".tm-in-force", has_text="Leaky Larder (plug)").wait_for(timeout=15_000)
        run_to(page, 156)
        page.screenshot(path=str(OUT / "classroom_plugged.png"), full_page=True)
        page.locator(".tm-bucket").screenshot(path=str(OUT / "classroom_bucket_plugged.png"))
        browser.close()
    print(f"wrote screenshots to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
