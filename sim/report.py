"""Figures and tables from results: profit with CI bands, the trust ladder, the leaky bucket.

Everything here reads the metrics the model collected (:mod:`sim.model.metrics`); nothing is
recomputed from customer state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import FancyArrow, Polygon, Rectangle
from scipy import stats

from sim.experiment.compare import crossover_lines
from sim.experiment.statistics import format_interval
from sim.rules.trust import STAGE_NAMES
from sim.scenario import CHURN_CAUSES, HOLES

STAGE_COLOURS = {"none": "#d9d9d9", "cognitive": "#9ecae1", "emotional": "#4292c6",
                 "behavioural": "#08306b"}
CAUSE_LABELS = {
    "rude": "rude staff", "poor_service": "poor service", "untrained_staff": "untrained staff",
    "poor_quality": "poor quality", "poor_selection": "poor selection",
    "competitor_offer": "competitor's offer", "needs_moved": "needs moved", "price": "price",
}


def _band(ts: pd.DataFrame, column: str, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of ``column`` over replications, per firm and step."""
    g = ts.groupby(["firm", "step"], sort=False)[column]
    out = g.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["count"] - 1, 1))
    half = np.where(out["count"] > 1, t * out["std"] / np.sqrt(out["count"]), 0.0)
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


def profit_figure(ts: pd.DataFrame, steps_per_year: int, title: str = "") -> plt.Figure:
    """Cumulative profit (mean, 95 % CI band) and profit per step (yearly moving mean)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for firm, band in _band(ts, "cumulative_profit").groupby("firm", sort=False):
        years = band["step"] / steps_per_year
        ax1.plot(years, band["mean"], label=firm)
        ax1.fill_between(years, band["low"], band["high"], alpha=0.25)
    for firm, band in _band(ts, "profit").groupby("firm", sort=False):
        years = band["step"] / steps_per_year
        smooth = band["mean"].rolling(steps_per_year, min_periods=1).mean()
        ax2.plot(years, smooth, label=firm)
    ax1.set(title="Cumulative profit (mean, 95 % CI)", xlabel="years", ylabel="money")
    ax2.set(title="Profit per step (one-year moving mean)", xlabel="years", ylabel="money/step")
    ax2.axhline(0, color="grey", lw=0.8)
    ax1.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def trust_ladder_figure(ts: pd.DataFrame, steps_per_year: int, title: str = "") -> plt.Figure:
    """Active customers per trust stage over time, stacked, one panel per firm."""
    firms = list(dict.fromkeys(ts["firm"]))
    fig, axes = plt.subplots(1, len(firms), figsize=(6 * len(firms), 4.5), sharey=True,
                             squeeze=False)
    cols = [f"stage_{s}" for s in STAGE_NAMES]
    means = ts.groupby(["firm", "step"], sort=False)[cols].mean()
    for ax, firm in zip(axes[0], firms, strict=False):
        m = means.loc[firm]
        ax.stackplot(m.index / steps_per_year, *(m[c] for c in cols), labels=STAGE_NAMES,
                     colors=[STAGE_COLOURS[s] for s in STAGE_NAMES])
        ax.set(title=f"{firm}: trust ladder", xlabel="years", ylabel="active customers")
    axes[0][-1].legend(loc="upper left", title="trust stage")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def draw_bucket(ax: plt.Axes, level: float, capacity: float, inflow: float,
                outflows: Mapping[str, float], title: str = "") -> None:
    """Draw a leaky bucket: water at ``level`` of ``capacity``, an inflow arrow at the top,
    and one hole per cause whose jet's width is proportional to its outflow.

    Seed idea: the leaky bucket (holes labelled rude, poor service, untrained staff, poor
    quality, poor selection) that the firm keeps filling with new customers.
    """
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-0.15, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    top_w, bottom_w, height = 1.0, 0.75, 1.0
    outline = [(-top_w, height), (-bottom_w, 0), (bottom_w, 0), (top_w, height)]
    fill = min(1.0, level / capacity) if capacity > 0 else 0.0
    half_at = bottom_w + (top_w - bottom_w) * fill
    ax.add_patch(Polygon([(-bottom_w, 0), (bottom_w, 0), (half_at, fill * height),
                          (-half_at, fill * height)], closed=True, color="#6baed6", alpha=0.8))
    ax.add_patch(Polygon(outline, closed=False, fill=False, lw=3, color="#444444"))
    ax.text(0, fill * height / 2, f"{level:,.0f}\ncustomers", ha="center", va="center",
            fontsize=9)
    biggest = max([inflow, *outflows.values(), 1e-9])
    ax.add_patch(FancyArrow(0, height + 0.3, 0, -0.22, width=0.05 + 0.25 * inflow / biggest,
                            head_length=0.08, length_includes_head=True, color="#31a354"))
    ax.text(0.2, height + 0.25, f"new customers {inflow:,.1f}", fontsize=8, color="#31a354")
    causes = list(outflows)
    for i, cause in enumerate(causes):
        side = -1 if i % 2 == 0 else 1
        y = 0.12 + 0.8 * (i // 2) / max(1, (len(causes) - 1) // 2)
        x = side * (bottom_w + (top_w - bottom_w) * y / height)
        size = 0.02 + 0.12 * outflows[cause] / biggest
        ax.add_patch(Rectangle((x - size / 2, y - size / 2), size, size, color="#222222"))
        ax.add_patch(FancyArrow(x, y, side * 0.35, -0.05, width=max(0.005, size * 0.6),
                                head_length=0.05, length_includes_head=True, color="#6baed6"))
        ax.text(x + side * 0.4, y - 0.05, f"{CAUSE_LABELS.get(cause, cause)}\n"
                f"{outflows[cause]:,.1f}", fontsize=7, va="center",
                ha="left" if side > 0 else "right")
    if title:
        ax.set_title(title, fontsize=10)


def leaky_bucket_figure(ts: pd.DataFrame, steps_per_year: int, window: int | None = None,
                        title: str = "") -> plt.Figure:
    """Per firm: the bucket (mean inflow and outflow by cause per step over the last
    ``window`` steps, default one year) above the inflow and outflows over time."""
    firms = list(dict.fromkeys(ts["firm"]))
    window = window or steps_per_year
    causes = [f"churn_{c}" for c in CHURN_CAUSES]
    per_step = ts.groupby(["firm", "step"], sort=False)[["new_customers", "active_customers",
                                                         *causes]].mean()
    fig, axes = plt.subplots(2, len(firms), figsize=(6.5 * len(firms), 9), squeeze=False,
                             gridspec_kw={"height_ratios": [1.3, 1]})
    capacity = per_step["active_customers"].max()
    for j, firm in enumerate(firms):
        d = per_step.loc[firm]
        recent = d.iloc[-window:]
        draw_bucket(axes[0][j], recent["active_customers"].iloc[-1], capacity,
                    recent["new_customers"].mean(),
                    {c.removeprefix("churn_"): recent[c].mean() for c in causes},
                    title=f"{firm}: the leaky bucket (per step, last {window} steps)")
        ax = axes[1][j]
        yearly = d.rolling(steps_per_year, min_periods=1).mean()
        years = d.index / steps_per_year
        ax.plot(years, yearly["new_customers"], color="#31a354", lw=2, label="inflow: new")
        ax.stackplot(years, *(yearly[c] for c in causes),
                     labels=[CAUSE_LABELS[c.removeprefix("churn_")] for c in causes], alpha=0.8)
        ax.set(title=f"{firm}: inflow vs outflow by cause (one-year moving mean)",
               xlabel="years", ylabel="customers/step")
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def format_summary(summary: pd.DataFrame, crossovers: pd.DataFrame) -> str:
    """The comparison table printed by ``trustmarket run``."""
    lines = []
    header = (f"{'firm':<16}{'strategy':<10}{'cum. profit (95% CI)':>34}{'NPV':>12}"
              f"{'churn/step':>11}{'acquisition':>12}{'discount':>11}  trust ladder "
              "(none/cog/emo/beh)")
    lines += [header, "-" * len(header)]
    for r in summary.itertuples():
        ci = (f"{r.cumulative_profit_mean:,.0f} "
              f"{format_interval(r.cumulative_profit_ci_low, r.cumulative_profit_ci_high)}")
        ladder = "/".join(f"{getattr(r, f'stage_{s}'):.0f}" for s in STAGE_NAMES)
        lines.append(f"{r.firm:<16}{r.strategy:<10}{ci:>34}{r.npv_mean:>12,.0f}"
                     f"{r.churn_rate:>11.2%}{r.acquisition_cost:>12,.0f}"
                     f"{r.discount_cost:>11,.0f}  {ladder}")
    lines += crossover_lines(crossovers, " in cumulative profit")
    if crossovers.empty:
        lines.append("No firm overtakes another in cumulative profit.")
    return "\n".join(lines)


def write_results(results, out_dir: Path, command: Sequence[str] = (),
                  requested: int | None = None) -> list[Path]:
    """Write summary.csv, timeseries.csv, market.csv, seeds.csv, crossovers.csv, the
    figures and a provenance file into ``out_dir`` (:data:`sim.outputs.RUN_FILES`); return
    the paths written.

    ``requested``: the replications asked for, when fewer finished (an interrupted run);
    the provenance file records both.
    """
    from sim import __version__

    out_dir.mkdir(parents=True, exist_ok=True)
    scenario = results.scenario
    spy = scenario.market.steps_per_year
    ts = results.timeseries
    written = []

    def save_csv(df: pd.DataFrame, name: str) -> None:
        df.to_csv(out_dir / name, index=False)
        written.append(out_dir / name)

    save_csv(results.summary(), "summary.csv")
    save_csv(ts, "timeseries.csv")
    save_csv(results.market_timeseries, "market.csv")
    save_csv(results.seeds(), "seeds.csv")
    save_csv(results.crossovers(), "crossovers.csv")
    customers = results.customer_snapshots
    if customers is not None:  # per-customer tables are large: Parquet, not CSV
        customers.to_parquet(out_dir / "customers.parquet", index=False)
        written.append(out_dir / "customers.parquet")
    for name, fig in (("profit.png", profit_figure(ts, spy, scenario.name)),
                      ("trust_ladder.png", trust_ladder_figure(ts, spy, scenario.name)),
                      ("leaky_bucket.png", leaky_bucket_figure(ts, spy, title=scenario.name))):
        fig.savefig(out_dir / name, dpi=110)
        plt.close(fig)
        written.append(out_dir / name)
    provenance = {
        "trustmarket_version": __version__,
        "scenario_name": scenario.name,
        "scenario_source": scenario.source,
        "scenario_digest": scenario.digest(),
        "scenario": scenario.to_dict(),
        "root_seed": scenario.run.seed,
        "replications": len(results.replications),
        "replications_requested": (len(results.replications) if requested is None
                                   else requested),
        "command": list(command),
    }
    (out_dir / "provenance.json").write_text(json.dumps(provenance, indent=2, default=str))
    written.append(out_dir / "provenance.json")
    return written


__all__ = ["HOLES", "draw_bucket", "format_summary", "leaky_bucket_figure", "profit_figure",
           "trust_ladder_figure", "write_results"]
