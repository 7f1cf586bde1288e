"""Take the screenshots of docs/classroom.md from the real app, following its 10-minute
demonstration step by step (headless Chromium at 1366x768, a projector's size).

    python scripts/classroom_screenshots.py        # writes docs/img/classroom_*.png

It prints what the page shows at every stop (levels, inflows, the biggest holes), the
numbers the guide quotes. Needs Debian's chromium and solara's assets
(bash .ci/install-browser.sh).
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
VIEWPORT = {"width": 1366, "height": 768}

READ_BUCKETS_JS = """() => [...document.querySelectorAll('.tm-bucket-svg')].map(svg => ({
  firm: svg.dataset.firm,
  level: svg.querySelector('.tm-level').textContent,
  inflow: Number(svg.querySelector('.tm-inflow').dataset.rate),
  holes: Object.fromEntries([...svg.querySelectorAll('.tm-hole')].map(
    h => [h.dataset.cause, Number(h.dataset.rate)]))}))"""


def step_now(page) -> int:
    return int(re.search(r"Step: (\d+)", page.inner_text(".tm-counter")).group(1))


def run_to(page, target: int) -> None:
    """Press Step (the → key, as a clicker would) until the counter shows ``target``."""
    while (now := step_now(page)) < target:
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "n => document.querySelector('.tm-bucket-grid').dataset.step === String(n)",
            arg=now + 1, timeout=20_000)


def report(page, label: str) -> None:
    """Print what the buckets show: level, inflow, total outflow and the biggest holes."""
    print(f"--- {label}: {page.inner_text('.tm-counter-main')} (step {step_now(page)})")
    for b in page.evaluate(READ_BUCKETS_JS):
        holes = sorted(b["holes"].items(), key=lambda kv: -kv[1])
        out = sum(b["holes"].values())
        print(f"  {b['firm']}: {b['level']} customers, {b['inflow']:.1f} new a week, "
              f"{out:.1f} lost a week; biggest holes "
              + ", ".join(f"{c} {v:.1f}" for c, v in holes[:4]))


def presentation_shot(page, name: str) -> None:
    page.keyboard.press("f")
    page.locator(".tm-present").wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / name))
    page.keyboard.press("Escape")
    page.locator(".tm-controls").wait_for(timeout=10_000)


def main() -> int:
    """Drive the classroom demonstration and save its screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    with running_app() as (url, _server, _startup), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        page.locator(".tm-network-svg").wait_for(timeout=90_000)
        # 1:00 -- the first half-year.
        run_to(page, 26)
        report(page, "half a year")
        page.screenshot(path=str(OUT / "classroom_half_year.png"))
        page.locator(".tm-bucket").screenshot(path=str(OUT / "classroom_bucket.png"))
        # 3:00 -- two years, in presentation mode.
        run_to(page, 104)
        report(page, "two years")
        presentation_shot(page, "classroom_two_years.png")
        # 5:00 -- plug Leaky Larder's holes live: the "plug" preset, then a year on.
        page.locator(".tm-firm-0 .tm-preset").scroll_into_view_if_needed()
        page.locator(".tm-firm-0 .tm-preset").click()
        page.get_by_role("option", name="plug").click()
        page.wait_for_function("() => document.querySelector('.tm-firm-0 .tm-lever-training "
                               ".tm-lever-value').innerText === '0.80 of 1'", timeout=15_000)
        page.locator(".tm-levers").first.screenshot(path=str(OUT / "classroom_levers.png"))
        run_to(page, 156)
        report(page, "a year after plugging")
        presentation_shot(page, "classroom_plugged.png")
        page.locator(".tm-bucket").screenshot(path=str(OUT / "classroom_bucket_plugged.png"))
        # 8:00 -- where the claim fails: Reset (same seed), word of mouth to 0, run again.
        page.keyboard.press("r")
        page.wait_for_function("() => /Step: 0\\b/.test(document.querySelector("
                               "'.tm-counter').innerText)", timeout=20_000)
        track = page.locator(".tm-lever-wom_reach .v-slider__track-container")
        track.scroll_into_view_if_needed()
        box = track.bounding_box()
        page.mouse.click(box["x"] + 1, box["y"] + box["height"] / 2)
        page.locator(".tm-lever-wom_reach .tm-lever-value", has_text="0 people told").wait_for(
            timeout=15_000)
        page.mouse.move(0, 0)
        run_to(page, 104)
        report(page, "two years without word of mouth")
        presentation_shot(page, "classroom_no_word_of_mouth.png")
        browser.close()
    print(f"wrote screenshots to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
