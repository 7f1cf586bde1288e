"""The claims' own figures (the common ones — profit, trust ladder, bucket — are in
:mod:`sim.report`). Each takes the numbers its claim computed and only draws them.

Every figure is drawn with :func:`sim.style.slide_style` (the project's fonts, palette and
thousands separators; time in years), so a figure appended here looks like the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from sim import style
from sim.claims.verdicts import Finding
from sim.experiment import Results

#: The trust builder and the discounter, as in every headline figure (firm order).
BUILDER, DISCOUNTER = style.FIRM_COLOURS[1], style.FIRM_COLOURS[0]
FIGSIZE_PAIR, FIGSIZE_ONE = (12.5, 5.0), (8.0, 5.0)


@style.slide_style
def conditions_figure(advantage: pd.DataFrame, steps_per_year: int, run_steps: int,
                      turnover: Sequence[tuple[float, Finding]]) -> plt.Figure:
    """Trust's advantage by horizon (``advantage``: replications x steps) and, after the
    whole run, by population turnover (probability per step, finding)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=FIGSIZE_PAIR)
    mean = advantage.mean(axis=0)
    half = stats.t.ppf(0.975, max(len(advantage) - 1, 1)) * advantage.std(
        axis=0, ddof=1) / np.sqrt(len(advantage))
    years = mean.index / steps_per_year
    ax1.plot(years, mean, color=BUILDER)
    ax1.fill_between(years, mean - half, mean + half, color=BUILDER, alpha=0.25, lw=0)
    ax1.axhline(0, color=style.GREY, lw=1)
    ax1.set(title="Trust builder minus discounter:\ncumulative profit by horizon",
            xlabel="horizon (years)", ylabel="money")
    ax2.errorbar([p for p, _ in turnover], [f.value for _, f in turnover],
                 yerr=[[f.value - f.ci_low for _, f in turnover],
                       [f.ci_high - f.value for _, f in turnover]], fmt="o-", capsize=4,
                 color=BUILDER)
    ax2.axhline(0, color=style.GREY, lw=1)
    ax2.set(title=f"... after {run_steps / steps_per_year:g} years, by population turnover",
            xlabel="chance a person leaves the market each step", ylabel="money")
    fig.tight_layout()
    return fig


@style.slide_style
def price_war_figure(war: Results, peace: Results, steps_per_year: int) -> plt.Figure:
    """Combined cumulative profit with and without price responses, and the promotion
    depths of the responding market."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=FIGSIZE_PAIR)
    spy = steps_per_year
    for label, res, style_, colour in (("competitors respond", war, "-", DISCOUNTER),
                                       ("nobody responds", peace, "--", style.INK)):
        t = res.timeseries
        tot = t.groupby(["replication", "step"])["cumulative_profit"].sum().groupby(
            "step").mean()
        ax1.plot(tot.index / spy, tot, style_, color=colour, label=label)
        if res is war:
            depth_now = t[t["discount_depth"] > 0].groupby(["firm", "step"])[
                "discount_depth"].mean()
            firms = list(dict.fromkeys(t["firm"]))
            for firm in depth_now.index.get_level_values("firm").unique():
                d = depth_now.loc[firm]
                ax2.plot(d.index / spy, d * 100, ".", ms=3, label=firm,
                         color=style.firm_colour(firms.index(firm)))
    ax1.set(title="Combined cumulative profit of all firms", xlabel="years", ylabel="money")
    ax1.legend()
    ax2.set(title="Promotion depth while a promotion runs\n(competitors respond)",
            xlabel="years", ylabel="discount (% off list price)")
    ax2.legend(markerscale=4)
    fig.tight_layout()
    return fig


@style.slide_style
def adaptive_figure(trap_shares: Sequence[Finding], runs: Mapping[str, Results],
                    discounting: Mapping[str, bool], steps_per_year: int) -> plt.Figure:
    """Bribery-trap shares of myopic and far-sighted reviewers (with CIs) and the share of
    firms on a discounting strategy over time (``discounting``: strategy -> discounts?)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=FIGSIZE_PAIR)
    labels = ["myopic", "far-sighted"]
    colours = [DISCOUNTER, BUILDER]
    ax1.bar(labels, [r.value for r in trap_shares],
            yerr=[[r.value - r.ci_low for r in trap_shares],
                  [r.ci_high - r.value for r in trap_shares]],
            capsize=6, color=colours, error_kw={"ecolor": style.INK, "color": style.INK})
    ax1.set(title="Replications ending in a bribery trap (95 % CI)", ylabel="share",
            ylim=(0, 1))
    for (horizon, res), colour in zip(runs.items(), colours, strict=True):
        t = res.timeseries
        share = t["current_strategy"].map(discounting).groupby(t["step"]).mean()
        ax2.plot(share.index / steps_per_year, share, color=colour,
                 label=horizon.replace("_", "-"))
    ax2.set(title="Share of firms on a discounting strategy", xlabel="years", ylabel="share",
            ylim=(0, 1))
    ax2.legend()
    fig.tight_layout()
    return fig


@style.slide_style
def retention_figure(base_profit: float, more_profit: float, points: float, span: int,
                     retention_base: float, retention_more: float) -> plt.Figure:
    """Profit per step of the base market and of the one with more retention."""
    fig, ax = plt.subplots(figsize=FIGSIZE_ONE)
    ax.bar(["base", f"+{points:g} points from exits"], [base_profit, more_profit],
           color=[style.GREY, BUILDER])
    ax.set(title=f"Profit per step over the last {span} steps\n"
           f"(retention {retention_base:.0%} vs {retention_more:.0%})", ylabel="money a step")
    fig.tight_layout()
    return fig


@style.slide_style
def loyalty_figure(uk: pd.DataFrame, ch: pd.DataFrame) -> plt.Figure:
    """Programme participation and transfer rate of the two markets against the seeds'
    figures (``uk``, ``ch``: per replication, columns participation and transfer)."""
    fig, ax = plt.subplots(figsize=FIGSIZE_ONE)
    x = np.arange(2)
    for k, (label, d) in enumerate((("UK-like", uk), ("Swiss-like", ch))):
        ax.bar(x + 0.38 * k, [d["participation"].mean(), d["transfer"].mean()], 0.38,
               label=f"{label} (simulated mean)", color=style.firm_colour(k))
    ax.scatter(x, [0.83, 0.24], marker="_", s=600, lw=3, color=style.INK, label="seeds: UK")
    ax.scatter(x + 0.38, [0.15, 0.07], marker="_", s=600, lw=3, color=style.GREY,
               label="seeds: CH")
    ax.set_xticks(x + 0.19, ["programme participation", "transfer rate a year"])
    ax.set(title="Loyalty-programme markets against the seeds' figures", ylabel="share")
    ax.legend()
    fig.tight_layout()
    return fig


@style.slide_style
def recovery_figure(churn_means: Mapping[float, pd.Series], firms: Sequence[str]) -> plt.Figure:
    """Churn per active customer and step of each firm, per complaint probability."""
    fig, ax = plt.subplots(figsize=FIGSIZE_ONE)
    x = np.arange(len(churn_means))
    for k, firm in enumerate(firms):
        ax.bar(x + 0.38 * k, [m[firm] for m in churn_means.values()], 0.38, label=firm,
               color=style.firm_colour(k))
    ax.set_xticks(x + 0.19, [f"complaint probability {p:g}" for p in churn_means])
    ax.set(title="Churn per active customer and step", ylabel="share")
    ax.legend()
    fig.tight_layout()
    return fig


def ablation_figure(full: tuple[float, float, float], table: pd.DataFrame,
                    label: str) -> plt.Figure:
    """A claim's metric with every ingredient and with each removed alone (mean, 95 % CI;
    ``table`` from :func:`sim.claims.ablation.ablate`)."""
    fig, ax = plt.subplots(figsize=(8, 0.6 * (len(table) + 1) + 1.6))
    names = ["every ingredient", *[f"without {n}" for n in table["ingredient"]]]
    means = [full[0], *table["without_mean"]]
    lows = [full[1], *table["without_ci_low"]]
    highs = [full[2], *table["without_ci_high"]]
    y = np.arange(len(names))[::-1]
    colours = ["C0", *["C2" if h < full[1] else ("C3" if lo > full[2] else "C7")
                       for lo, h in zip(table["without_ci_low"], table["without_ci_high"],
                                        strict=True)]]
    ax.barh(y, means, color=colours, alpha=0.8,
            xerr=[np.subtract(means, lows), np.subtract(highs, means)], capsize=4)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, names, fontsize=8)
    ax.set(xlabel=label, title="Ablations: each ingredient removed alone (95 % CI; green: "
           "lower without it)")
    ax.title.set_fontsize(9)
    fig.tight_layout()
    return fig
