"""The classroom app: model construction as SolaraViz's Reset does it, live levers, the
asset list, and a real browser session (headless Chromium driven by Playwright).

The browser test starts ``trustmarket app`` on a free port, clicks Step and Play, checks
the step counter, the profit chart and the bucket change, moves a lever slider and checks
the running model took it, saves a screenshot to ``tests/artifacts/app.png`` and fails
if the page or the server shows a Python traceback. Runtime ~40 s.
"""

from __future__ import annotations

import re

import pytest

from sim.app import controls, page
from sim.app.components import bucket_figure, ladder_figure, network_figure, profit_figure
from tests.browser_support import ARTIFACTS, CHROMIUM_ARGS, chromium_path, running_app


def test_reset_rebuilds_the_model_from_keywords_and_string_seeds():
    params = page.model_params(page.default_scenario())
    kwargs = {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}
    a = page.ClassroomModel(**kwargs)  # what SolaraViz's Reset does
    b = page.ClassroomModel(scenario=kwargs["scenario"], seed="  7 ")
    c = page.ClassroomModel(scenario=kwargs["scenario"], seed="not a number")
    assert a.scenario.name == "leaky_bucket" and a.running
    assert page.parse_seed(" 7 ") == 7 and page.parse_seed("x") is None and page.parse_seed(3) == 3
    assert c.seed_entropy == a.seed_entropy  # a bad seed falls back to the scenario's
    assert b.seed_entropy == 7


def test_live_levers_reach_the_running_model():
    model = page.ClassroomModel(str(page.default_scenario()))
    model.step()
    controls.set_lever(model, 0, "training", 0.9)
    controls.set_strategy(model, 1, "pour")
    controls.set_word_of_mouth(model, 7.0)
    model.step()
    assert model.firms[0].levers.training == 0.9
    assert model._lv["training"][0] == pytest.approx(0.9)
    assert model.firms[1].current_strategy == "pour"
    assert model.firms[1].levers == model.scenario.strategies["pour"]
    assert model.scenario.customers.wom_reach == 7.0
    with pytest.raises(ValueError):
        controls.set_word_of_mouth(model, -1.0)  # validated like a scenario file


def test_figures_draw_before_and_after_steps():
    model = page.ClassroomModel(str(page.default_scenario()))
    for _ in range(2):
        for make in (bucket_figure, profit_figure, ladder_figure, network_figure):
            fig = make(model)
            assert fig.axes
        model.step()
    title = network_figure(model).axes[0].get_title()
    assert "300 of" in title  # the classroom scenario is larger than the display sample


def test_offline_asset_list_names_solaras_front_end():
    from sim.app.assets import wanted_specs

    specs = wanted_specs()
    assert any(s.startswith("@widgetti/solara-vuetify-app@") for s in specs)
    assert any(s.startswith("requirejs@") for s in specs)


def _image(page, css: str) -> str:
    return page.locator(f"{css} img").first.get_attribute("src")


def test_app_in_a_real_browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    executable = chromium_path()
    with running_app() as (url, _server, startup), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1300})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        page.get_by_text("Step: 0", exact=True).wait_for(timeout=60_000)
        page.locator(".tm-bucket img").wait_for(timeout=60_000)
        page.locator(".tm-profit img").wait_for(timeout=60_000)
        bucket0, profit0 = _image(page, ".tm-bucket"), _image(page, ".tm-profit")

        step = page.get_by_role("button", name="Step")
        for n in range(1, 4):
            step.click()
            page.get_by_text(f"Step: {n}", exact=True).wait_for(timeout=15_000)
        page.wait_for_function(
            "old => document.querySelector('.tm-profit img').src !== old", arg=profit0)
        assert _image(page, ".tm-bucket") != bucket0
        profit3 = _image(page, ".tm-profit")
        assert profit3 != profit0

        page.get_by_role("button", name="▶").click()  # play ...
        page.wait_for_function(
            "() => { const m = document.body.innerText.match(/Step: (\\d+)/);"
            " return m && Number(m[1]) >= 6; }", timeout=30_000)
        page.get_by_role("button", name="❚❚").click()  # ... and pause
        page.get_by_role("button", name="▶").wait_for(timeout=15_000)
        page.wait_for_timeout(1000)  # a step already under way may still finish
        stopped = int(re.search(r"Step: (\d+)", page.inner_text("body")).group(1))
        page.wait_for_timeout(1000)
        assert int(re.search(r"Step: (\d+)", page.inner_text("body")).group(1)) == stopped

        in_force = page.locator(".tm-in-force")
        assert "Leaky Larder (pour): discount 0%, training 0.10" in in_force.inner_text()
        track = page.locator(".tm-firm-0 .v-slider").nth(1).locator(  # Leaky Larder, training
            ".v-slider__track-container").bounding_box()
        page.mouse.click(track["x"] + 0.3 * track["width"], track["y"] + track["height"] / 2)
        page.locator(".tm-in-force", has_text="training 0.30").wait_for(timeout=15_000)
        step.click()
        page.get_by_text(f"Step: {stopped + 1}", exact=True).wait_for(timeout=15_000)
        assert "Leaky Larder (pour): discount 0%, training 0.30" in in_force.inner_text()

        page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
        body = page.inner_text("body")
        browser.close()
    log = (ARTIFACTS / "app-server.log").read_text()
    assert "Traceback" not in body and "Traceback" not in log, log[-3000:]
    assert not errors, errors
    print(f"app answered after {startup:.1f} s; screenshot {ARTIFACTS / 'app.png'}")
