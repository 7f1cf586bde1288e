"""Slide-ready figures: what ``trustmarket run``, ``compare``, ``claims`` and ``analyze``
draw, checked on the figure objects — the size fits a 16:9 slide, no text is smaller than
10 pt at that size, every data colour is in the project's palette, time runs in years,
large numbers have thousands separators, titles name the smoothing actually used, legends
use human names, and profit charts mark the crossover with its CI.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import to_hex, to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from sim import report, style
from sim.claims import figures as claim_figures
from sim.claims.verdicts import Finding
from sim.experiment import run
from sim.experiment.compare import crossings, profit_series
from sim.experiment.compare import profit_figure as compare_figure
from sim.scenario import CHURN_CAUSES
from sim.sweep import analyze

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def results(headline):
    """Three replications of a small headline market over six years (fast)."""
    small = headline.with_overrides({"customers.n_initial": 400, "run.steps": 312,
                                     "customers.initial_awareness": 0.3})
    return run(small, replications=3)


def text_sizes(fig) -> list[tuple[str, float]]:
    """Every visible, non-empty text of a drawn figure with its size in points."""
    fig.canvas.draw()
    return [(t.get_text(), float(t.get_fontsize())) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip()]


def data_colours(fig) -> set[str]:
    """The colours of lines, filled areas and bars (upper-case hex)."""
    found: set[str] = set()
    for ax in fig.axes:
        for artist in ax.get_children():
            if not artist.get_visible() or artist is ax.patch:
                continue
            if isinstance(artist, Line2D):  # a marker-only line shows its markers' colours
                colours = ([to_rgba(artist.get_color())] if artist.get_linestyle() != "None"
                           else [to_rgba(artist.get_markeredgecolor()),
                                 to_rgba(artist.get_markerfacecolor())])
            elif isinstance(artist, Collection):
                colours = list(artist.get_facecolor())
            elif isinstance(artist, Patch):
                colours = [artist.get_facecolor()]
            else:
                continue
            found |= {to_hex(c[:3]).upper() for c in colours if len(c) and c[3] > 0}
    return found


def check_slide_ready(fig) -> list[tuple[str, float]]:
    """Size, fonts and palette of any figure of the project."""
    width, height = fig.get_size_inches()
    assert width <= style.SLIDE_INCHES[0] and height <= style.SLIDE_INCHES[1]
    sizes = text_sizes(fig)
    small = [(t, s) for t, s in sizes if s < style.MIN_FONT_PT]
    assert not small, small
    colours = data_colours(fig)
    assert colours and colours <= style.PALETTE, colours - style.PALETTE
    return sizes


def _texts(fig) -> list[str]:
    return [t for t, _ in text_sizes(fig)]


def test_the_profit_chart_of_run(results):
    ts, spy = results.timeseries, results.scenario.market.steps_per_year
    fig = report.profit_figure(ts, spy, "bribery_vs_trust")
    check_slide_ready(fig)
    texts = _texts(fig)
    cumulative, per_step = fig.axes
    assert cumulative.get_xlabel() == per_step.get_xlabel() == "years"
    assert cumulative.get_xlim()[1] == pytest.approx(312 / 52, rel=0.1)  # in years
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", t) for t in texts)  # thousands separators
    assert per_step.get_title() == "Profit a week (one-year moving mean)"
    firms = list(dict.fromkeys(ts["firm"]))
    legend = [t.get_text() for t in cumulative.get_legend().get_texts()]
    assert legend == firms
    colours = [to_hex(line.get_color()).upper() for line in cumulative.get_lines()[:2]]
    assert colours == [style.FIRM_COLOURS[0].upper(), style.FIRM_COLOURS[1].upper()]
    crossed = results.crossovers()
    assert not crossed.empty  # the headline's builder overtakes the discounter
    r = crossed.iloc[0]
    dashed = [line for line in cumulative.get_lines() if line.get_linestyle() == "--"]
    assert dashed and dashed[0].get_xdata()[0] == pytest.approx(r.crossover_step_mean / spy)
    bands = [p for p in cumulative.patches if isinstance(p, matplotlib.patches.Rectangle)
             or p.get_alpha() == pytest.approx(0.12)]
    assert bands  # the CI of the crossover
    note = next(t for t in texts if "overtakes" in t)
    assert f"{r.challenger} overtakes {r.leader}" in note and "95 % CI" in note
    assert f"{r.crossed}/{r.replications}" in note


def test_a_short_run_is_not_titled_a_one_year_mean(results):
    ts = results.timeseries
    short = ts[ts["step"] <= 26]  # the tactical scenario's length
    fig = report.profit_figure(short, 52, "tactical_discount")
    title = fig.axes[1].get_title()
    assert "one-year" not in title and title == "Profit a week (4-week moving mean)"
    assert style.smoothing_window(26, 52) == 4 and style.smoothing_window(10, 52) == 1
    assert style.smoothing_label(1, 52) == "" and style.smoothing_label(13, 52) == (
        "13-week moving mean")
    check_slide_ready(fig)


def test_the_trust_ladder_of_run(results):
    ts = results.timeseries
    fig = report.trust_ladder_figure(ts, 52, "bribery_vs_trust")
    check_slide_ready(fig)
    stacks = [c for ax in fig.axes for c in ax.collections]
    assert {to_hex(c.get_facecolor()[0]).upper() for c in stacks} == {
        c.upper() for c in style.STAGE_COLOURS.values()}
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert sorted(legend) == sorted(style.STAGE_LABELS.values())
    assert "13-week moving mean" in fig.axes[0].get_ylabel()  # smooths the weekly pulse
    assert all(ax.get_xlabel() == "years" for ax in fig.axes)


def test_the_leaky_bucket_of_run_draws_every_jet_on_one_scale(results):
    ts = results.timeseries
    fig = report.leaky_bucket_figure(ts, 52, title="bribery_vs_trust")
    check_slide_ready(fig)
    texts = _texts(fig)
    for cause in CHURN_CAUSES:
        assert sum(t.startswith(style.CAUSE_LABELS[cause] + "\n") for t in texts) == 2
    assert not any("churn_" in t or "lifecycle_" in t for t in texts)
    # Jet widths over both buckets are proportional to each cause's mean loss a week.
    per_step = ts.groupby(["firm", "step"], sort=False).mean(numeric_only=True)
    widths, rates = [], []
    for ax, firm in zip(fig.axes[:2], dict.fromkeys(ts["firm"]), strict=True):
        recent = per_step.loc[firm].iloc[-52:]
        for line in ax.get_lines():
            cause = line.get_gid()
            if cause in style.CAUSE_LABELS:
                widths.append(line.get_linewidth())
                rates.append(recent[f"churn_{cause}"].mean())
                assert to_hex(line.get_color()).upper() == style.CAUSE_COLOURS[cause].upper()
    ratio = np.array(widths) / np.array(rates)
    assert len(widths) >= 8 and np.allclose(ratio, ratio[0])


def test_run_writes_the_figures_at_slide_size(results, tmp_path):
    from PIL import Image

    report.write_results(results, tmp_path)
    for name in ("profit.png", "trust_ladder.png", "leaky_bucket.png"):
        with Image.open(tmp_path / name) as image:
            width, height = image.size
        dpi = 110  # write_results' resolution
        assert 8 * dpi <= width <= style.SLIDE_INCHES[0] * dpi + 1
        assert 4 * dpi <= height <= style.SLIDE_INCHES[1] * dpi + 1


def test_compare_draws_years_and_the_crossover(results):
    series = profit_series(results, "headline", by_firm=True)
    fig = compare_figure(series, 52)
    check_slide_ready(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "years" and ax.get_xlim()[1] < 10
    cross = crossings(series)
    assert not cross.empty and any("overtakes" in t for t in _texts(fig))
    steps = compare_figure(series, None)
    assert steps.axes[0].get_xlabel() == "steps" and steps.axes[0].get_xlim()[1] > 100


def _finding(value: float) -> Finding:
    return Finding("k", "source", "metric", value, value - 0.1, value + 0.1, "holds")


def test_the_claims_figures_use_the_palette_and_years(results):
    spy = 52
    advantage = results.timeseries.pivot_table(index="replication", columns="step",
                                               values="cumulative_profit", aggfunc="sum")
    figs = [
        claim_figures.conditions_figure(advantage, spy, 312,
                                        [(0.001, _finding(500)), (0.01, _finding(-200))]),
        claim_figures.price_war_figure(results, results, spy),
        claim_figures.adaptive_figure([_finding(0.6), _finding(0.2)],
                                      {"myopic": results, "far_sighted": results},
                                      {"bribery": True, "trust": False}, spy),
        claim_figures.retention_figure(120.0, 150.0, 5, 52, 0.8, 0.85),
        claim_figures.loyalty_figure(pd.DataFrame({"participation": [0.8], "transfer": [0.2]}),
                                     pd.DataFrame({"participation": [0.1], "transfer": [0.05]})),
        claim_figures.recovery_figure({0.1: pd.Series({"A": 0.02, "B": 0.01}),
                                       0.5: pd.Series({"A": 0.03, "B": 0.01})}, ["A", "B"]),
    ]
    for fig in figs:
        check_slide_ready(fig)
    for fig in figs[:3]:
        assert any("years" in ax.get_xlabel() for ax in fig.axes)


def test_the_sweep_figures_name_outcomes_and_parameters():
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"customers.wom_reach": np.repeat([1.0, 2.0, 4.0], 4),
                         "cumulative_profit_difference": rng.normal(20_000, 3_000, 12)})
    fig = analyze._outcome_figure(runs, "customers.wom_reach", "cumulative_profit_difference",
                                  analyze.axis_label("cumulative_profit_difference",
                                                     ("Trusty Goods", "Bargain Barn")),
                                  "grid", ("Trusty Goods", "Bargain Barn"))
    check_slide_ready(fig)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "cumulative profit: Trusty Goods − Bargain Barn"
    assert ax.get_xlabel() == "wom reach (customers.wom_reach)"
    assert any("," in t for t in _texts(fig))
    indices = pd.DataFrame({"outcome": "x", "parameter": ["customers.wom_reach", "market.a"],
                            "S1": [0.5, 0.2], "S1_conf": [0.1, 0.1], "ST": [0.6, 0.3],
                            "ST_conf": [0.1, 0.1]})
    check_slide_ready(analyze._sensitivity_figure(indices, "x", None))

