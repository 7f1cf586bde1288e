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
from matplotlib.patches import Polygon
from scipy import stats

from sim import style
from sim.experiment.compare import crossover_lines
from sim.experiment.statistics import format_interval, pairwise_crossovers
from sim.rules.trust import STAGE_NAMES
from sim.scenario import CHURN_CAUSES, HOLES
from sim.style import BUCKET_LEFT, BUCKET_RIGHT

#: The largest flow of a bucket figure is drawn this wide (points); every other in proportion.
_WIDEST_PT = 18.0


def _band(ts: pd.DataFrame, column: str, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of ``column`` over replications, per firm and step."""
    g = ts.groupby(["firm", "step"], sort=False)[column]
    out = g.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["count"] - 1, 1))
    half = np.where(out["count"] > 1, t * out["std"] / np.sqrt(out["count"]), 0.0)
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out


def _title(title: str) -> str:
    return title.replace("_", " ")


@style.slide_style
def profit_figure(ts: pd.DataFrame, steps_per_year: int, title: str = "",
                  crossovers: pd.DataFrame | None = None) -> plt.Figure:
    """Cumulative profit (mean and 95 % CI band, with the crossover and its CI) and profit
    per step (a moving mean as long as the run allows, named in the title), per firm."""
    if crossovers is None:
        crossovers = pairwise_crossovers(ts, "firm")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12.5, 5.2))
    unit = style.step_unit(steps_per_year)
    window = style.smoothing_window(ts["step"].nunique(), steps_per_year)
    firms = list(dict.fromkeys(ts["firm"]))
    for firm, band in _band(ts, "cumulative_profit").groupby("firm", sort=False):
        colour = style.firm_colour(firms.index(firm))
        years = band["step"] / steps_per_year
        ax1.plot(years, band["mean"], color=colour, label=firm)
        ax1.fill_between(years, band["low"], band["high"], color=colour, alpha=0.25, lw=0)
    for firm, band in _band(ts, "profit").groupby("firm", sort=False):
        smooth = band["mean"].rolling(window, min_periods=1).mean()
        ax2.plot(band["step"] / steps_per_year, smooth,
                 color=style.firm_colour(firms.index(firm)), label=firm)
    style.mark_crossovers(ax1, crossovers.itertuples(), steps_per_year, "replications")
    words = style.smoothing_label(window, steps_per_year)
    ax1.set(title="Cumulative profit (mean, 95 % CI)", xlabel=style.time_axis_label(
        steps_per_year), ylabel="money")
    ax2.set(title=f"Profit a {unit}" + (f" ({words})" if words else ""),
            xlabel=style.time_axis_label(steps_per_year), ylabel=f"money a {unit}")
    ax2.axhline(0, color=style.GREY, lw=1)
    ax1.legend(loc="lower right")
    fig.suptitle(_title(title))
    fig.tight_layout()
    return fig


@style.slide_style
def trust_ladder_figure(ts: pd.DataFrame, steps_per_year: int, title: str = "") -> plt.Figure:
    """Active customers per trust stage over time, stacked, one panel per firm (a quarter's
    moving mean when the run is long enough: promotions make the stages pulse weekly)."""
    firms = list(dict.fromkeys(ts["firm"]))
    width = min(6.2, 12.8 / len(firms))
    fig, axes = plt.subplots(1, len(firms), figsize=(width * len(firms), 5.0), sharey=True,
                             squeeze=False)
    cols = [f"stage_{s}" for s in STAGE_NAMES]
    means = ts.groupby(["firm", "step"], sort=False)[cols].mean()
    window = style.smoothing_window(ts["step"].nunique(), steps_per_year,
                                    longest=max(1, round(steps_per_year / 4)))
    words = style.smoothing_label(window, steps_per_year)
    for i, (ax, firm) in enumerate(zip(axes[0], firms, strict=True)):
        m = means.loc[firm].rolling(window, min_periods=1).mean()
        ax.stackplot(m.index / steps_per_year, *(m[c] for c in cols),
                     labels=[style.STAGE_LABELS[s] for s in STAGE_NAMES],
                     colors=[style.STAGE_COLOURS[s] for s in STAGE_NAMES], lw=0)
        ax.set(title=f"{firm}: the trust ladder", xlabel=style.time_axis_label(steps_per_year))
        ax.title.set_color(style.firm_colour(i))
    axes[0][0].set_ylabel("active customers" + (f" ({words})" if words else ""))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], title="trust stage", loc="upper right",
               bbox_to_anchor=(1.0, 0.92))
    fig.suptitle(_title(title))
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    return fig


def draw_bucket(ax: plt.Axes, level: float, capacity: float, inflow: float,
                outflows: Mapping[str, float], title: str = "", scale: float | None = None,
                unit: str = "step") -> None:
    """Draw a leaky bucket: water at ``level`` of ``capacity``, the inflow arrow at the top,
    and a hole per cause whose jet is as wide as its outflow (``scale``: the flow drawn
    widest — pass the same for every bucket of a figure, so that they compare).

    Seed idea: the leaky bucket (holes labelled rude, poor service, untrained staff, poor
    quality, poor selection) that the firm keeps filling with new customers.
    """
    ax.set_xlim(-2.25, 2.25)
    ax.set_ylim(-0.06, 1.42)
    ax.axis("off")
    top_w, bottom_w, height = 0.62, 0.46, 1.0
    biggest = scale or max([inflow, *outflows.values(), 1e-9])
    fill = min(1.0, level / capacity) if capacity > 0 else 0.0
    half_at = bottom_w + (top_w - bottom_w) * fill
    ax.add_patch(Polygon([(-bottom_w, 0), (bottom_w, 0), (half_at, fill * height),
                          (-half_at, fill * height)], closed=True, color=style.WATER_COLOUR))
    ax.add_patch(Polygon([(-top_w, height), (-bottom_w, 0), (bottom_w, 0), (top_w, height)],
                         closed=False, fill=False, lw=3, color=style.INK))
    ax.text(0, 0.45, f"{level:,.0f}\ncustomers", ha="center", va="center", fontsize=12,
            fontweight="bold", color=style.INK)
    # Widths in points, one scale for the inflow and every jet: proportional on paper.
    shaft = max(1.0, _WIDEST_PT * inflow / biggest)
    ax.plot([0, 0], [height + 0.38, height + 0.14], color=style.INFLOW_COLOUR, lw=shaft,
            solid_capstyle="butt")
    ax.plot([0], [height + 0.09], marker="v", ms=shaft + 8, color=style.INFLOW_COLOUR)
    ax.text(0.22, height + 0.26, f"new customers\n{inflow:,.1f} a {unit}",
            fontsize=style.MIN_FONT_PT + 1, va="center", color=style.INK)
    sides = {-1: [c for c in BUCKET_LEFT if c in outflows],
             1: [c for c in BUCKET_RIGHT if c in outflows]}
    sides[1] += [c for c in outflows if c not in BUCKET_LEFT + BUCKET_RIGHT]
    for side, causes in sides.items():
        for slot, cause in enumerate(causes):
            y = 0.86 - slot * 0.25
            x = side * (bottom_w + (top_w - bottom_w) * y / height)
            width = _WIDEST_PT * outflows[cause] / biggest
            colour = style.CAUSE_COLOURS.get(cause, style.GREY)
            if width > 0:
                jet = ([x, x + side * 0.22], [y, y - 0.05])
                ax.plot(*jet, color=style.INK, lw=width + 1.2, solid_capstyle="butt")
                ax.plot(*jet, color=colour, lw=width, solid_capstyle="butt", gid=cause)
            ax.plot([x], [y], "o", ms=4, color=style.INK)
            ax.text(x + side * 0.27, y - 0.05, f"{style.CAUSE_LABELS.get(cause, cause)}\n"
                    f"{outflows[cause]:,.1f} a {unit}", fontsize=style.MIN_FONT_PT + 1,
                    va="center", ha="left" if side > 0 else "right", color=style.INK)
    if title:
        ax.set_title(title, fontsize=12, fontweight="bold")


@style.slide_style
def leaky_bucket_figure(ts: pd.DataFrame, steps_per_year: int, window: int | None = None,
                        title: str = "") -> plt.Figure:
    """Per firm: the bucket (mean inflow and outflow by cause per step over the last
    ``window`` steps, default one year or the whole run if shorter; one flow scale for all
    firms) above the inflow and outflows over time."""
    firms = list(dict.fromkeys(ts["firm"]))
    n_steps = ts["step"].nunique()
    window = min(window or steps_per_year, n_steps)
    causes = [f"churn_{c}" for c in CHURN_CAUSES]
    per_step = ts.groupby(["firm", "step"], sort=False)[["new_customers", "active_customers",
                                                         *causes]].mean()
    width = min(6.4, 12.8 / len(firms))
    fig, axes = plt.subplots(2, len(firms), figsize=(width * len(firms), 7.4), squeeze=False,
                             gridspec_kw={"height_ratios": [1.3, 1]})
    capacity = per_step["active_customers"].max()
    recent = {f: per_step.loc[f].iloc[-window:] for f in firms}
    scale = max(float(np.nanmax(r[["new_customers", *causes]].mean().to_numpy()))
                for r in recent.values()) or 1.0
    unit = style.step_unit(steps_per_year)
    smooth = style.smoothing_window(n_steps, steps_per_year)
    words = style.smoothing_label(smooth, steps_per_year)
    for j, firm in enumerate(firms):
        r = recent[firm]
        draw_bucket(axes[0][j], r["active_customers"].iloc[-1], capacity,
                    r["new_customers"].mean(),
                    {c.removeprefix("churn_"): r[c].mean() for c in causes},
                    title=f"{firm}: a {unit}, mean of the last {window} {unit}s", scale=scale,
                    unit=unit)
        ax = axes[1][j]
        d = per_step.loc[firm].rolling(smooth, min_periods=1).mean()
        years = d.index / steps_per_year
        ax.stackplot(years, *(d[c] for c in causes),
                     labels=[style.CAUSE_LABELS[c.removeprefix("churn_")] for c in causes],
                     colors=[style.CAUSE_COLOURS[c.removeprefix("churn_")] for c in causes],
                     lw=0)
        ax.plot(years, d["new_customers"], color=style.INFLOW_COLOUR, lw=2.5,
                label="inflow: new customers")
        # the smoothing goes under the axis: in the title it ran into the legend
        ax.set(title="Inflow and outflow by cause",
               xlabel=style.time_axis_label(steps_per_year)
               + (f"\n({words})" if words else ""), ylabel=f"customers a {unit}")
    handles, labels = axes[1][0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="center right", ncol=1)
    fig.suptitle(_title(title))
    fig.tight_layout(rect=(0, 0, 0.84, 1), h_pad=0.5)
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
    per-customer snapshots and purchases when the scenario keeps them (Parquet), the
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
    purchases = results.purchases
    if purchases is not None:  # one row per purchase: a transaction log, also large
        purchases.to_parquet(out_dir / "purchases.parquet", index=False)
        written.append(out_dir / "purchases.parquet")
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
