"""The classroom app: its model, live levers, seed checks and SVG figures, and the app in a
real browser (headless Chromium driven by Playwright).

The browser tests start ``trustmarket app`` once on a free port and open a fresh tab (a
fresh market) per test. At 1366x768, 1024x768 and 1920x1080 they measure from the DOM
that hole labels are at least 14 CSS px, that no text is clipped, that every slider has a
visible track and value, and that no Mesa control is left unexplained; they drive
presentation mode with the keyboard, type bad seeds, move levers, and time 20 steps
(median reported in ``tests/artifacts/render_times.json`` and docs/classroom.md; only a
generous sanity bound is asserted, since the machine is shared). Screenshots go to
``tests/artifacts/``. The browser part takes ~2 minutes.
"""

from __future__ import annotations

import json
import re
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from sim.app import charts, controls, snapshot
from sim.app.bucket import WIDTH as BUCKET_WIDTH
from sim.app.bucket import BucketState, biggest_flow, bucket_svg
from sim.app.css import MIN_COLUMN
from sim.app.page import ClassroomApp, default_scenario, notebook_app
from sim.app.session import ClassroomModel
from sim.scenario import CHURN_CAUSES
from sim.style import CAUSE_COLOURS, FIRM_COLOURS, STAGE_COLOURS
from tests.browser_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    TEXT_AUDIT_JS,
    TIMED_STEP_JS,
    assert_no_traceback,
    chromium_path,
    click_track,
    open_app,
    running_app,
    step_number,
    wait_step,
)

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1366, 768), (1024, 768), (1920, 1080))
MIN_PX = 14.0


@pytest.fixture(scope="module")
def model() -> ClassroomModel:
    m = ClassroomModel(default_scenario())
    for _ in range(30):
        m.step()
    return m


# ------------------------------------------------------------------ model and controls
def test_reset_builds_the_model_from_the_scenario_and_the_seed():
    a = ClassroomModel(default_scenario())
    b = ClassroomModel(default_scenario(), seed=7)
    assert a.scenario.name == "leaky_bucket"
    assert a.seed_entropy == a.scenario.run.seed and b.seed_entropy == 7


@pytest.mark.parametrize(("typed", "seed", "words"), [
    ("20261125", 20261125, ""), (" 20_261_125 ", 20261125, ""), ("", None, ""),
    (7, 7, ""), ("abc", None, "whole number"), ("-3", None, "whole number"),
    ("1.5", None, "whole number"), ("٣", None, "whole number"),
    ("9" * 5000, None, "5,000 digits"), (str(2**63), None, "at most 19 digits"),
])
def test_a_typed_seed_is_a_seed_or_a_message(typed, seed, words):
    got, message = controls.check_seed(typed)
    assert got == seed
    assert (words in message) if words else message == ""
    assert len(message) < 200  # a 5,000-digit seed is not echoed back whole


def test_live_levers_reach_the_running_model():
    m = ClassroomModel(default_scenario())
    m.step()
    controls.set_lever(m, 0, "training", 0.9)
    controls.set_strategy(m, 1, "pour")
    controls.set_word_of_mouth(m, 0.0)
    m.step()
    assert m.firms[0].levers.training == 0.9
    assert m.firms[1].current_strategy == "pour"
    assert m.firms[1].levers == m.scenario.strategies["pour"]
    assert m.scenario.customers.wom_reach == 0.0
    with pytest.raises(ValueError):
        controls.set_word_of_mouth(m, -1.0)  # validated like a scenario file


def test_live_word_of_mouth_changes_what_customers_hear():
    quiet, talking = ClassroomModel(default_scenario()), ClassroomModel(default_scenario())
    for _ in range(10):
        quiet.step()
        talking.step()
    controls.set_word_of_mouth(quiet, 0.0)
    for _ in range(5):
        quiet.step()
        talking.step()
    heard = quiet.market_timeseries()["messages_positive"].to_numpy()
    assert heard[5:10].min() > 0 and not heard[-4:].any()  # from the step after the change
    assert talking.market_timeseries()["messages_positive"].to_numpy()[-4:].min() > 0


def test_the_app_follows_firm_levers_moved_mid_run():
    moved, kept = ClassroomModel(default_scenario()), ClassroomModel(default_scenario())
    for _ in range(20):
        moved.step()
        kept.step()
    controls.set_lever(moved, 0, "advertising", 0.0)  # Leaky Larder stops advertising
    for _ in range(10):
        moved.step()
        kept.step()
    spend = {name: m.firm_timeseries().query("firm == 'Leaky Larder'")["acquisition_cost"]
             .to_numpy() for name, m in (("moved", moved), ("kept", kept))}
    assert spend["moved"][:20].tolist() == spend["kept"][:20].tolist()
    assert spend["moved"][-5:].sum() == 0 < spend["kept"][-5:].sum()


def test_a_preset_turns_custom_when_a_lever_moves_and_back_when_it_matches():
    m = ClassroomModel(default_scenario())
    assert controls.preset_of(m, 0) == "pour"
    controls.set_lever(m, 0, "training", 0.55)
    assert controls.preset_of(m, 0) == controls.CUSTOM
    controls.set_strategy(m, 0, "plug")
    assert controls.preset_of(m, 0) == "plug"


def test_every_lever_explains_itself_from_the_schema():
    from sim.scenario import CustomerSpec, Levers
    from sim.scenario.schema import LEVER_NAMES

    fields = {f.name: f.metadata for f in Levers.__dataclass_fields__.values()}
    for lever in controls.LIVE_LEVERS:
        assert lever.name in LEVER_NAMES
        tip = controls.lever_tooltip(lever)
        assert fields[lever.name]["doc"].lower() in tip.lower()
        assert f"Seed idea: {fields[lever.name]['seed_idea']}" in tip
        assert lever.maximum <= fields[lever.name]["le"]
        shown = controls.lever_text(lever, lever.maximum / 2, 52)
        assert re.search(r"\d", shown) and re.search(r"%|of 1", shown)  # value and unit
    wom = CustomerSpec.__dataclass_fields__["wom_reach"].metadata
    assert wom["seed_idea"] in controls.wom_tooltip()
    assert controls.wom_text(0) == "0 people told" and controls.wom_text(1) == "1 person told"


def test_the_app_uses_no_private_mesa_names():
    private = re.compile(r"(from\s+mesa[\w.]*\s+import\s+[^\n]*\b_\w+|import\s+mesa[\w.]*\s+"
                         r"as\s+_|mesa[\w.]*\._\w+\s*=)")
    for path in (ROOT / "sim" / "app").glob("*.py"):
        assert not private.search(path.read_text()), path


def _widgets(widget):
    """Every widget under ``widget`` (children and slots)."""
    import ipywidgets

    yield widget
    slots = [c for slot in getattr(widget, "v_slots", None) or [] for c in slot["children"]]
    for child in [*(getattr(widget, "children", None) or []), *slots]:
        if isinstance(child, ipywidgets.Widget):
            yield from _widgets(child)


def test_notebook_app_renders_and_steps_without_a_browser():
    import ipyvuetify as v
    import solara

    from sim.app.lever import LeverWidget

    element = notebook_app()
    assert element.component.f is ClassroomApp.f
    box, _ = solara.render(element, handle_error=False)

    def html(css: str) -> str:
        return next(w.unsafe_innerHTML for w in _widgets(box) if css in
                    (getattr(w, "attributes", None) or {}).get("class", "").split())

    assert 'data-step="0"' in html("tm-bucket")
    levers = [w for w in _widgets(box) if isinstance(w, LeverWidget)]
    assert len(levers) == 2 * len(controls.LIVE_LEVERS) + 1
    step = next(w for w in _widgets(box) if isinstance(w, v.Btn) and w.children == ["Step"])
    step.fire_event("click", {})
    assert 'data-step="1"' in html("tm-bucket") and 'data-step="1"' in html("tm-profit")
    assert "Year 1 · week 1" in html("tm-counter")


def test_the_page_says_so_while_the_engine_compiles_and_steps_meanwhile(monkeypatch):
    """On an empty cache the page comes at once, stepping as Python, with a line saying
    why; the line goes when the compiled engine takes over."""
    import ipyvuetify as v
    import solara

    from sim.model import compile_ahead

    compiling = {"now": True}
    monkeypatch.setattr(compile_ahead, "start", lambda: True)
    monkeypatch.setattr(compile_ahead, "running", lambda: compiling["now"])
    monkeypatch.setattr(compile_ahead, "steps_as_python", lambda: compiling["now"])
    box, _ = solara.render(notebook_app(), handle_error=False)

    def texts() -> str:
        return " ".join(str(getattr(w, "unsafe_innerHTML", "")) for w in _widgets(box))

    assert "in the background" in texts()
    step = next(w for w in _widgets(box) if isinstance(w, v.Btn) and w.children == ["Step"])
    step.fire_event("click", {})
    assert "in the background" in texts() and 'data-step="1"' in texts()
    compiling["now"] = False
    step.fire_event("click", {})
    assert "in the background" not in texts() and 'data-step="2"' in texts()


# ------------------------------------------------------------------ SVG figures
def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _font_sizes(root: ET.Element) -> list[float]:
    return [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]


def test_buckets_share_one_scale_and_every_jet_is_proportional(model):
    states, capacity = snapshot.buckets(model)
    scale = biggest_flow(states)
    widths, rates = [], []
    for i, state in enumerate(states):
        root = _parse(bucket_svg(state, capacity, scale, "week", FIRM_COLOURS[i], model.steps))
        assert int(root.get("data-step")) == model.steps
        holes = root.findall(f".//{SVG}g[@class='tm-hole']")
        assert {h.get("data-cause") for h in holes} == set(CHURN_CAUSES)
        for hole in holes:
            jet = hole.find(f"{SVG}path[@class='tm-jet']")
            rate = float(hole.get("data-rate"))
            labels = [t.text for t in hole.iter(f"{SVG}text")]
            assert labels[1] == f"{rate:,.1f} a week"
            if rate > 0:
                assert jet.get("stroke") == CAUSE_COLOURS[hole.get("data-cause")]
                widths.append(float(jet.get("data-width")))
                rates.append(rate)
            else:
                assert jet is None
        assert min(_font_sizes(root)) * 0.88 >= MIN_PX  # 0.88: the narrowest column's scale
    ratio = np.array(widths) / np.array(rates)
    assert len(rates) >= 8 and np.allclose(ratio, ratio[0], rtol=0.01)  # one scale, both
    assert MIN_COLUMN / BUCKET_WIDTH >= 0.88


def test_a_bucket_with_more_loss_draws_a_wider_jet():
    calm = BucketState("A", 500, 10.0, dict.fromkeys(CHURN_CAUSES, 1.0))
    leaky = BucketState("B", 500, 10.0, {**dict.fromkeys(CHURN_CAUSES, 1.0), "rude": 4.0})
    scale = biggest_flow([calm, leaky])

    def rude_width(state):
        root = _parse(bucket_svg(state, 1000, scale))
        hole = root.find(f".//{SVG}g[@data-cause='rude']")
        return float(hole.find(f"{SVG}path[@class='tm-jet']").get("data-width"))

    assert rude_width(leaky) == pytest.approx(4 * rude_width(calm))


def test_charts_draw_before_and_after_steps_in_years(model):
    empty = ClassroomModel(default_scenario())
    for m in (empty, model):
        arrays, names = snapshot.firm_arrays(m), [f.name for f in m.firms]
        figures = [charts.profit_svg(arrays, names, 52, 260, m.steps),
                   charts.ladder_svg(arrays, names, 52, 260, m.steps, height=charts.COMPACT),
                   charts.lifecycle_svg(snapshot.market_series(m), 52, 260, m.steps)]
        for svg in figures:
            root = _parse(svg)
            assert int(root.get("data-step")) == m.steps
            texts = [t.text for t in root.iter(f"{SVG}text")]
            assert "years" in texts and "5" in texts  # a fixed five-year axis
            assert min(_font_sizes(root)) >= 15
    ladder = _parse(charts.ladder_svg(snapshot.firm_arrays(model), names, 52, 260, 30))
    fills = {p.get("fill") for p in ladder.iter(f"{SVG}polygon")}
    assert fills == set(STAGE_COLOURS.values())
    legend = [t.text for t in _parse(charts.lifecycle_svg(snapshot.market_series(model), 52,
                                                         260, 30)).iter(f"{SVG}text")]
    assert "potential customers" in legend and not any("lifecycle_" in t for t in legend)


def test_the_columns_grown_step_by_step_are_the_models_table():
    m = ClassroomModel(default_scenario())
    snapshot.firm_arrays(m)  # before the first step: empty columns
    for _ in range(25):
        m.step()
        grown = snapshot.firm_arrays(m)
    for name, rows in m.firm_timeseries().groupby("firm"):
        for column in snapshot.DRAWN:
            assert np.array_equal(rows[column].to_numpy(float), grown[name][column]), column
    for _ in range(3):  # a jump of several steps rebuilds from the table
        m.step()
    assert len(snapshot.firm_arrays(m)[m.firms[0].name]["step"]) == 28


def test_the_network_is_laid_out_once_per_graph(model, monkeypatch):
    first = snapshot.network_sample(model)
    calls = []
    monkeypatch.setattr(snapshot.nx, "spring_layout", lambda *a, **k: calls.append(1))
    again = ClassroomModel(default_scenario())  # same seed: same graph
    assert snapshot.network_sample(again) is first and not calls
    assert len(first.nodes) == snapshot.NETWORK_SAMPLE < first.total
    firm, stage, present = snapshot.network_colours(model, first)
    root = _parse(charts.network_svg(first.positions, first.edges_path, firm, stage, present,
                                     [f.name for f in model.firms], first.total, 30))
    note = [t.text for t in root.iter(f"{SVG}text")][1]
    assert note.startswith("300 of 6,900 people")


def test_offline_asset_list_names_solaras_front_end():
    from sim.app.assets import wanted_specs

    specs = wanted_specs()
    assert any(s.startswith("@widgetti/solara-vuetify-app@") for s in specs)
    assert any(s.startswith("requirejs@") for s in specs)


# ------------------------------------------------------------------ the app in Chromium
@pytest.fixture(scope="module")
def server():
    with running_app() as (url, _process, startup):
        yield url, startup
    log = (ARTIFACTS / "app-server.log").read_text()
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _audit(page) -> dict:
    audit = page.evaluate(TEXT_AUDIT_JS)
    assert audit["pageWidth"] <= audit["windowWidth"], "the page scrolls sideways"
    assert not audit["clipped"], audit["clipped"][:10]
    holes = [t for t in audit["texts"] if t["css"].startswith(("tm-hole", "tm-inflow"))]
    assert len(holes) >= 2 * (2 * len(CHURN_CAUSES) + 2)
    small = [t for t in holes if t["px"] < MIN_PX]
    assert not small, small[:5]
    return audit


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_page_reads_at_classroom_sizes(browser, server, width, height):
    page, errors = open_app(browser, server, width, height)
    for n in (1, 2, 3):
        page.locator(".tm-step").click()
        wait_step(page, n)
    page.wait_for_function("() => document.querySelector('.tm-bucket-grid').dataset.step === '3'")
    audit = _audit(page)
    body = page.inner_text("body")
    for unexplained in ("PAGE 0", "Page 0", "Render Interval", "Use Threads", "Play Interval"):
        assert unexplained.lower() not in body.lower()
    # Each firm's bucket fills its half of the window.
    cells = page.locator(".tm-bucket-cell")
    assert cells.count() == 2
    for k in range(2):
        box = cells.nth(k).bounding_box()
        assert box["width"] >= 0.45 * width, box
    # Every slider: a visible track and, beside its name, the value with its unit.
    sliders = page.locator(".tm-lever")
    assert sliders.count() == 2 * len(controls.LIVE_LEVERS) + 1
    for k in range(sliders.count()):
        lever = sliders.nth(k)
        track = lever.locator(".v-slider__track-container").bounding_box()
        assert track and track["width"] >= 150 and track["height"] > 0, track
        value = lever.locator(".tm-lever-value")
        assert value.is_visible() and re.search(r"\d.*(%|of 1|told)", value.inner_text())
    assert_no_traceback(page, errors)
    page.screenshot(path=str(ARTIFACTS / f"app_{width}x{height}.png"), full_page=True)
    sizes = sorted(t["px"] for t in audit["texts"] if t["css"].startswith("tm-hole"))
    print(f"{width}x{height}: hole labels {sizes[0]:.1f}-{sizes[-1]:.1f} px")
    page.close()


def test_presentation_mode_and_the_clicker_keys(browser, server):
    page, errors = open_app(browser, server)
    page.keyboard.press("ArrowRight")
    wait_step(page, 1)
    page.keyboard.press("PageDown")
    wait_step(page, 2)
    page.keyboard.press("f")  # presentation mode
    page.locator(".tm-present").wait_for(timeout=10_000)
    assert page.locator(".tm-controls").count() == 0 and page.locator(".tm-lever").count() == 0
    for css in (".tm-bucket svg", ".tm-profit svg", ".tm-ladder svg"):
        box = page.locator(css).first.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768 + 1, (css, box)
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 768 + 1
    counter = page.locator(".tm-counter-main")
    assert counter.inner_text() == "Year 1 · week 2"
    assert float(counter.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 32
    _audit(page)
    page.keyboard.press(".")  # play (a clicker's "blank screen" key) ...
    page.wait_for_function("() => /Step: ([5-9]|\\d\\d)/.test("
                           "document.querySelector('.tm-counter').innerText)", timeout=30_000)
    page.keyboard.press("PageUp")  # ... and pause
    page.wait_for_timeout(1500)  # a step already under way may still finish
    stopped = step_number(page)
    page.wait_for_timeout(1000)
    assert step_number(page) == stopped
    page.screenshot(path=str(ARTIFACTS / "app_presentation_1366x768.png"))
    page.keyboard.press("r")  # reset
    wait_step(page, 0)
    page.keyboard.press("Escape")
    page.locator(".tm-controls").wait_for(timeout=10_000)
    page.keyboard.press(" ")  # Space plays too; the Play button says so
    page.get_by_role("button", name="❚❚ Pause").wait_for(timeout=10_000)
    page.get_by_role("button", name="❚❚ Pause").click()
    page.get_by_role("button", name="▶ Play").wait_for(timeout=10_000)
    assert_no_traceback(page, errors)
    page.close()


def test_a_bad_seed_gets_a_message_not_a_traceback(browser, server):
    page, errors = open_app(browser, server)
    page.locator(".tm-step").click()
    wait_step(page, 1)
    seed = page.locator(".tm-seed input")
    for typed, words in (("abc", "whole number"), ("7" * 5000, "5,000 digits")):
        seed.fill(typed)
        seed.press("Enter")
        page.locator(".tm-seed-message", has_text=words).wait_for(timeout=10_000)
        page.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_timeout(800)
        assert step_number(page) == 1  # a bad seed resets nothing
        assert_no_traceback(page, errors)
    seed.fill("7")
    seed.press("Enter")
    page.locator(".tm-seed-message").wait_for(state="detached", timeout=10_000)
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_step(page, 0)
    assert_no_traceback(page, errors)
    page.close()


def test_levers_move_live_and_explain_themselves(browser, server):
    page, errors = open_app(browser, server)
    training = ".tm-firm-0 .tm-lever-training"
    assert page.inner_text(f"{training} .tm-lever-value") == "0.10 of 1"
    preset = page.locator(".tm-firm-0 .tm-preset .v-select__selection")
    assert preset.inner_text().strip() == "pour"
    click_track(page, training, 0.3)
    page.locator(f"{training} .tm-lever-value", has_text="0.30 of 1").wait_for(timeout=10_000)
    page.wait_for_function("() => document.querySelector("
                           "'.tm-firm-0 .tm-preset .v-select__selection').innerText.trim()"
                           " === 'custom'", timeout=10_000)
    click_track(page, ".tm-lever-wom_reach", 0.0)  # the demonstration: word of mouth to 0
    page.locator(".tm-lever-wom_reach .tm-lever-value", has_text="0 people told").wait_for(
        timeout=10_000)
    page.keyboard.press("PageDown")  # a clicker just after a drag: steps, moves no lever
    wait_step(page, 1)
    assert page.inner_text(f"{training} .tm-lever-value") == "0.30 of 1"
    assert page.inner_text(".tm-lever-wom_reach .tm-lever-value") == "0 people told"
    page.locator(f"{training} .tm-lever-label").hover()
    page.get_by_text("Seed idea: leaky bucket").wait_for(timeout=10_000)
    assert_no_traceback(page, errors)
    page.close()


def test_play_and_the_time_a_step_takes_to_draw(browser, server):
    page, errors = open_app(browser, server)
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function("() => /Step: ([4-9]|\\d\\d)/.test("
                           "document.querySelector('.tm-counter').innerText)", timeout=30_000)
    page.get_by_role("button", name="❚❚ Pause").click()
    page.get_by_role("button", name="▶ Play").wait_for(timeout=10_000)
    page.wait_for_timeout(1000)
    start = step_number(page)
    times = [page.evaluate(TIMED_STEP_JS, start + k) / 1000 for k in range(1, 21)]
    median = statistics.median(times)
    record = {"viewport": "1366x768", "steps": len(times), "median_s": round(median, 3),
              "max_s": round(max(times), 3), "seconds": [round(t, 3) for t in times]}
    (ARTIFACTS / "render_times.json").write_text(json.dumps(record, indent=2))
    print(f"step drawn in {median:.3f} s median over 20 steps (longest {max(times):.3f} s)")
    assert median < 3.0  # a sanity bound only: the machine is shared
    assert_no_traceback(page, errors)
    page.close()
