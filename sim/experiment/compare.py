"""Scenarios side by side: long-run profit with confidence intervals, and crossovers.

``trustmarket compare A.toml B.toml ...`` runs each scenario's replications and puts the
cumulative profit of every scenario (all firms together, or each firm with
``--by-firm``) side by side: final cumulative profit and NPV as means with 95 %
confidence intervals, and — for every pair of series — the step from which one's
cumulative-profit curve stays above the other's, per replication, as a mean with its CI.
Replication ``r`` of every scenario uses the same root seed's ``r``-th child when
``--seed`` is given, so that pairs share their random streams as far as the scenarios
allow.

Seed idea: "running scenarios side by side compares long-run profit" (MODEL.md section 3).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment.replications import Results, mean_ci, pairwise_crossovers, run
from sim.experiment.statistics import format_interval
from sim.scenario import Scenario, load_scenario


def profit_series(results: Results, label: str, by_firm: bool = False) -> pd.DataFrame:
    """Cumulative profit and NPV per replication and step, one column ``series`` naming the
    curve: ``label`` (all firms summed) or ``label: firm``."""
    ts = results.timeseries
    if by_firm:
        out = ts[["replication", "step", "firm", "cumulative_profit", "npv"]].copy()
        out["series"] = label + ": " + out.pop("firm")
    else:
        out = ts.groupby(["replication", "step"], as_index=False)[
            ["cumulative_profit", "npv"]].sum()
        out["series"] = label
    return out


def side_by_side(series: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per series: final cumulative profit and NPV, mean and CI over replications.

    The final step is the last step every series reaches (scenarios may differ in length).
    """
    end = int(series.groupby("series")["step"].max().min())
    last = series[series["step"] == end]
    rows = []
    for name, g in last.groupby("series", sort=False):
        row: dict[str, object] = {"series": name, "step": end, "replications": len(g)}
        for metric in ("cumulative_profit", "npv"):
            mean, low, high = mean_ci(g[metric].to_numpy(), confidence)
            row |= {f"{metric}_mean": mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def crossings(series: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """For each ordered pair (leader, challenger): the step from which the challenger's
    cumulative profit stays above the leader's, per replication (paired by replication
    index, over the steps both reach), summarised as mean and CI.

    Only pairs in which the challenger overtakes in at least one replication are listed.
    """
    return pairwise_crossovers(series, "series", confidence)


def compare(scenarios: Sequence[Scenario], replications: int | None = None,
            seed: int | None = None, by_firm: bool = False,
            workers: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run every scenario and return (side-by-side table, crossings, the profit series).

    Series are labelled by scenario name (or file stem if two share a name).
    """
    names = [s.name for s in scenarios]
    labels = [s.name if names.count(s.name) == 1 else Path(s.source).stem for s in scenarios]
    if len(set(labels)) < len(labels):
        labels = [f"{i + 1}:{label}" for i, label in enumerate(labels)]
    parts = [profit_series(run(s, replications=replications, seed=seed, workers=workers),
                           label, by_firm) for s, label in zip(scenarios, labels, strict=True)]
    series = pd.concat(parts, ignore_index=True)
    return side_by_side(series), crossings(series), series


def format_comparison(table: pd.DataFrame, cross: pd.DataFrame) -> str:
    """The text printed by ``trustmarket compare``."""
    width = max(20, int(table["series"].str.len().max()) + 2)
    header = f"{'series':<{width}}{'cum. profit (95% CI)':>36}{'NPV (95% CI)':>36}"
    lines = [f"long-run profit after step {int(table['step'].iloc[0])}", header,
             "-" * len(header)]
    for r in table.itertuples():
        cum = (f"{r.cumulative_profit_mean:,.0f} "
               f"{format_interval(r.cumulative_profit_ci_low, r.cumulative_profit_ci_high)}")
        npv = f"{r.npv_mean:,.0f} {format_interval(r.npv_ci_low, r.npv_ci_high)}"
        lines.append(f"{r.series:<{width}}{cum:>36}{npv:>36}")
    lines += crossover_lines(cross)
    if cross.empty:
        lines.append("The cumulative-profit curves do not cross.")
    return "\n".join(lines)


def crossover_lines(cross: pd.DataFrame, what: str = "") -> list[str]:
    """One line per pair of curves that cross: the direction in which most replications
    crossed, with the other direction's count when it happened too (``what``, e.g. " in
    cumulative profit", follows the verb)."""
    lines = []
    rows = cross.to_dict("records")
    done: set[frozenset[str]] = set()
    for r in sorted(rows, key=lambda r: -r["crossed"]):
        pair = frozenset((r["leader"], r["challenger"]))
        if pair in done:
            continue
        done.add(pair)
        other = [o for o in rows if o["leader"] == r["challenger"]
                 and o["challenger"] == r["leader"]]
        back = (f"; {r['leader']} overtakes {r['challenger']} in {other[0]['crossed']}/"
                f"{other[0]['replications']}" if other else "")
        ci = format_interval(r["crossover_step_ci_low"], r["crossover_step_ci_high"], ".0f")
        lines.append(f"{r['challenger']} overtakes {r['leader']}{what} in {r['crossed']}/"
                     f"{r['replications']} replications, at step "
                     f"{r['crossover_step_mean']:.0f} {ci.replace('[', '[95% CI ', 1)}{back}")
    return lines


def profit_figure(series: pd.DataFrame, steps_per_year: int | None = 52,
                  crossed: pd.DataFrame | None = None):
    """Mean cumulative profit of every series over time in years (in steps if
    ``steps_per_year`` is None: scenarios of different step lengths), with 95 % CI bands
    and the crossovers (``crossed``: :func:`crossings` of ``series``, computed if
    omitted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from sim import style

    @style.slide_style
    def draw():
        fig, ax = plt.subplots(figsize=(10, 5.6))
        for k, (name, g) in enumerate(series.groupby("series", sort=False)):
            agg = g.groupby("step")["cumulative_profit"].agg(["mean", "std", "count"])
            half = np.where(agg["count"] > 1, stats.t.ppf(0.975, np.maximum(
                agg["count"] - 1, 1)) * agg["std"] / np.sqrt(agg["count"]), 0.0)
            years = agg.index / (steps_per_year or 1)
            colour = style.firm_colour(k)
            ax.plot(years, agg["mean"], color=colour, label=name)
            ax.fill_between(years, agg["mean"] - half, agg["mean"] + half, color=colour,
                            alpha=0.2, lw=0)
        rows = (crossings(series) if crossed is None else crossed).itertuples()
        style.mark_crossovers(ax, rows, steps_per_year, "replications")
        ax.set(title="Cumulative profit (mean, 95 % CI)", ylabel="money",
               xlabel=style.time_axis_label(steps_per_year) if steps_per_year else "steps")
        ax.legend(loc="lower right")
        fig.tight_layout()
        return fig

    return draw()


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios side by side: long-run profit (mean, 95 % CI) and the step at which
    their cumulative-profit curves cross, if they do."""
    scenarios = []
    for path in args.scenarios:
        s = load_scenario(path)
        if args.steps is not None:
            s = s.with_overrides({"run.steps": args.steps})
        scenarios.append(s)
    table, cross, series = compare(scenarios, args.replications, args.seed, args.by_firm,
                                   args.workers)
    print(format_comparison(table, cross))
    if args.out is not None:
        import matplotlib.pyplot as plt

        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "compare.csv", index=False)
        cross.to_csv(args.out / "crossovers.csv", index=False)
        years = {s.market.steps_per_year for s in scenarios}
        fig = profit_figure(series, years.pop() if len(years) == 1 else None, cross)
        fig.savefig(args.out / "compare.png", dpi=110)
        plt.close(fig)
        print(f"\nwrote compare.csv, crossovers.csv, compare.png to {args.out}/",
              file=sys.stderr)
    return 0
