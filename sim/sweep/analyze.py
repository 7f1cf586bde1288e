"""Turning a sweep directory into tables and figures (``trustmarket analyze DIR``).

Writes to ``DIR/analysis/``:

* ``per_point.csv`` — for every point, its parameters and, for every outcome, the mean
  over replications with a 95 % confidence interval (``<outcome>_mean``, ``_ci_low``,
  ``_ci_high``) and the number of runs;
* ``sensitivity.csv`` — Sobol first and total order indices with their confidence
  half-widths (Saltelli design) or Morris mu*, mu and sigma (Morris design), per outcome
  and parameter, computed on the per-point means with SALib;
* figures: ``outcome_vs_<parameter>.png`` (the main outcome against each parameter, mean
  with 95 % band; sampled designs in quantile bins), ``heatmap.png`` (grid designs with
  two parameters), ``sensitivity.png`` (index bar chart).

The main outcome is ``cumulative_profit_difference`` when the sweep has a ``difference``,
else the first outcome.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import style
from sim.experiment import bootstrap_mean_ci, mean_ci
from sim.sweep import store
from sim.sweep.execute import SHARE_OUTCOMES

ID_COLUMNS = ("point", "replication", "seed_entropy", "spawn_key")


def sweep_table(out: Path) -> dict[str, Any]:
    """The [sweep] table as it was when the sweep started (from the provenance file).

    Raises
    ------
    store.SweepError
        When ``out`` is not a sweep folder or its provenance file is damaged.
    """
    store.check_sweep_folder(out)
    path = Path(out) / "provenance.json"
    try:
        table = tomllib.loads(store.provenance(out)["sweep_text"])["sweep"]
        names = [p["path"] for p in table["parameters"]]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise store.SweepError(f"{path}: its sweep_text is not the sweep file it should "
                               f"hold ({exc!r}); restore the file from a backup") from None
    if not all(isinstance(n, str) for n in names):
        raise store.SweepError(f"{path}: its sweep_text names parameters that are not paths")
    return table


def outcome_columns(runs: pd.DataFrame, names: list[str]) -> list[str]:
    """Numeric result columns that are neither keys nor parameters."""
    skip = set(ID_COLUMNS) | set(names)
    return [c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])]


def per_point(runs: pd.DataFrame, names: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Mean and 95 % CI of every outcome per point (with the point's parameters)."""
    rows = []
    for point, df in runs.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **df.iloc[0][names].to_dict(), "runs": len(df)}
        for o in outcomes:
            # shares lie in [0, 1]: their intervals must too
            interval = bootstrap_mean_ci if o.startswith(SHARE_OUTCOMES) else mean_ci
            m, lo, hi = interval(df[o].to_numpy(float))
            row.update({f"{o}_mean": m, f"{o}_ci_low": lo, f"{o}_ci_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def sensitivity(table: dict[str, Any], design: pd.DataFrame, means: pd.DataFrame,
                outcomes: list[str]) -> pd.DataFrame | None:
    """Sobol (Saltelli design) or Morris indices per outcome and parameter, or None."""
    kind = table.get("design", "grid")
    if kind not in ("sobol", "morris"):
        return None
    names = [p["path"] for p in table["parameters"]]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if len(means) != len(design):
        raise store.SweepError(f"{len(design) - len(means)} point(s) have no finished run: "
                               "finish the sweep with --resume before computing indices")
    rows = []
    for o in outcomes:
        y = means[f"{o}_mean"].to_numpy(float)
        if not np.isfinite(y).all():
            continue
        if kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=False, seed=0)
            for j, name in enumerate(names):
                rows.append({"outcome": o, "parameter": name, "S1": res["S1"][j],
                             "S1_conf": res["S1_conf"][j], "ST": res["ST"][j],
                             "ST_conf": res["ST_conf"][j]})
        else:
            from SALib.analyze import morris

            x = design[[f"u:{n}" for n in names]].to_numpy(float)
            res = morris.analyze(problem, x, y, num_levels=table.get("morris_levels", 4),
                                 seed=0)
            for j, name in enumerate(names):
                rows.append({"outcome": o, "parameter": name, "mu_star": res["mu_star"][j],
                             "mu_star_conf": res["mu_star_conf"][j], "mu": res["mu"][j],
                             "sigma": res["sigma"][j]})
    return pd.DataFrame(rows)


def main_outcome(outcomes: list[str]) -> str:
    """The outcome the figures show."""
    return "cumulative_profit_difference" if "cumulative_profit_difference" in outcomes else (
        outcomes[0])


def analyze(out: str | Path) -> dict[str, Any]:
    """Write the tables and figures of ``out/analysis``; return them for printing."""
    out = Path(out)
    table = sweep_table(out)
    if (out / "analysis").exists() and not (out / "analysis").is_dir():
        raise store.SweepError(f"{out / 'analysis'} is a file; analyze writes its tables and "
                               "figures into that folder: move the file away")
    names = [p["path"] for p in table["parameters"]]
    design = store.load_points(out)
    runs = store.load_runs(out)
    replications = table.get("replications", 1)
    expected = len(design) * replications
    outside = runs[~runs["point"].isin(design.index) | ~runs["replication"].between(
        0, replications - 1)]
    if len(outside):
        raise store.SweepError(f"{out}: {len(outside)} run(s) are not in the design of "
                               f"points.parquet; repair with: {store.resume_command(out)}")
    outcomes = outcome_columns(runs, [*names, *table.get("derived", {})])
    means = per_point(runs, names, outcomes)
    folder = out / "analysis"
    folder.mkdir(exist_ok=True)
    means.to_csv(folder / "per_point.csv", index=False)
    indices = sensitivity(table, design, means, outcomes)
    if indices is not None:
        indices.to_csv(folder / "sensitivity.csv", index=False)
    main = main_outcome(outcomes)
    difference = tuple(table["difference"]) if table.get("difference") else None
    figures = _figures(runs, means, indices, names, main, table.get("design", "grid"), folder,
                       difference)
    holder = store.lock_holder(out)
    return {"runs": runs, "per_point": means, "sensitivity": indices, "main": main,
            "figures": figures, "expected_runs": expected,
            "resume": store.resume_command(out),
            "writer": None if holder is None else f"pid {holder.get('pid', '?')} on "
                      f"{holder.get('host', '?')}"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def axis_label(name: str, difference: tuple[str, str] | None = None) -> str:
    """A reader's label for an outcome or a parameter path: ``cumulative_profit_difference``
    with ``difference = (A, B)`` → "cumulative profit: A − B"; ``customers.wom_reach`` →
    "wom reach (customers.wom_reach)"."""
    if difference and name.endswith("_difference"):
        return f"{style.human(name.removesuffix('_difference'))}: {difference[0]} − {difference[1]}"
    if "." in name:
        return f"{style.human(name.rsplit('.', 1)[1])} ({name})"
    return style.human(name)


def _figures(runs: pd.DataFrame, means: pd.DataFrame, indices: pd.DataFrame | None,
             names: list[str], main: str, design: str, folder: Path,
             difference: tuple[str, str] | None = None) -> list[Path]:
    """Write the figures (outcome against each parameter, the grid's heatmap, the
    sensitivity indices); return their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []

    def save(fig, name: str) -> None:
        fig.savefig(folder / name, dpi=150)
        plt.close(fig)
        written.append(folder / name)

    outcome = axis_label(main, difference)
    for name in names:
        save(_outcome_figure(runs, name, main, outcome, design, difference),
             f"outcome_vs_{_slug(name)}.png")
    if design == "grid" and len(names) == 2:
        save(_heatmap(means, names, main, outcome, difference), "heatmap.png")
    if indices is not None and not indices.empty:
        save(_sensitivity_figure(indices[indices["outcome"] == main], outcome, difference),
             "sensitivity.png")
    return written


@style.slide_style
def _outcome_figure(runs: pd.DataFrame, name: str, main: str, outcome: str, design: str,
                    difference: tuple[str, str] | None):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    x = runs[name]
    colour = style.FIRM_COLOURS[1]
    if pd.api.types.is_numeric_dtype(x) and x.nunique() > 12:
        bins = pd.qcut(x, 8, duplicates="drop")
        groups = runs.groupby(bins, observed=True)[main]
        centres = runs.groupby(bins, observed=True)[name].mean().to_numpy()
    else:
        groups = runs.groupby(name, sort=True)[main]
        centres = np.array(list(groups.groups))
    stats = np.array([mean_ci(g.to_numpy(float)) for _, g in groups])
    if pd.api.types.is_numeric_dtype(x):
        ax.plot(centres, stats[:, 0], "o-", color=colour, label="mean")
        ax.fill_between(centres.astype(float), stats[:, 1], stats[:, 2], alpha=0.25,
                        color=colour, lw=0, label="95 % CI")
        ax.legend()
    else:
        pos = np.arange(len(centres))
        ax.errorbar(pos, stats[:, 0], yerr=[stats[:, 0] - stats[:, 1],
                                             stats[:, 2] - stats[:, 0]], fmt="o", capsize=4,
                    color=colour)
        ax.set_xticks(pos, [str(c) for c in centres])
    if main.endswith("_difference"):
        ax.axhline(0, color=style.GREY, lw=1)
    ax.set(xlabel=axis_label(name), ylabel=outcome)
    ax.set_title(f"{style.human(main)} against {name.rsplit('.', 1)[-1].replace('_', ' ')}"
                 + (" (binned)" if design != "grid" else ""))
    fig.tight_layout()
    return fig


@style.slide_style
def _heatmap(means: pd.DataFrame, names: list[str], main: str, outcome: str,
             difference: tuple[str, str] | None):
    import matplotlib.pyplot as plt

    grid = means.pivot_table(index=names[0], columns=names[1], values=f"{main}_mean")
    fig, ax = plt.subplots(figsize=(8, 6))
    values = grid.to_numpy(float)
    limit = np.nanmax(np.abs(values)) if main.endswith("_difference") else None
    im = ax.imshow(values, origin="lower", aspect="auto",
                   cmap="RdBu" if limit else "viridis",
                   vmin=-limit if limit else None, vmax=limit)
    ax.grid(False)
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v)
                                         for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v)
                                         for v in grid.index])
    ax.set(xlabel=axis_label(names[1]), ylabel=axis_label(names[0]),
           title=f"mean {style.human(main)}")
    scale = np.nanmax(np.abs(values)) or 1.0
    for (i, j), v in np.ndenumerate(values):
        dark = bool(limit) and abs(v) > 0.6 * scale  # light text on the dark ends
        ax.text(j, i, style.thousands(round(v)) if abs(v) >= 100 else f"{v:.3g}",
                ha="center", va="center", fontsize=style.MIN_FONT_PT,
                color="white" if dark else "black")
    bar = fig.colorbar(im, ax=ax)
    bar.set_label(outcome)
    bar.ax.yaxis.set_major_formatter(style.THOUSANDS)
    fig.tight_layout()
    return fig


@style.slide_style
def _sensitivity_figure(sub: pd.DataFrame, outcome: str, difference: tuple[str, str] | None):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    pos = np.arange(len(sub))
    first, total = style.FIRM_COLOURS[1], style.OKABE_ITO["orange"]
    if "S1" in sub:
        ax.bar(pos - 0.2, sub["S1"], 0.4, yerr=sub["S1_conf"], label="first order S1",
               color=first, error_kw={"ecolor": style.INK, "color": style.INK})
        ax.bar(pos + 0.2, sub["ST"], 0.4, yerr=sub["ST_conf"], label="total order ST",
               color=total, error_kw={"ecolor": style.INK, "color": style.INK})
        ax.set_ylabel("Sobol index")
    else:
        ax.bar(pos, sub["mu_star"], 0.6, yerr=sub["mu_star_conf"], label="Morris mu*",
               color=first, error_kw={"ecolor": style.INK, "color": style.INK})
        ax.set_ylabel("mu* (elementary effect)")
    ax.set_xticks(pos, [p.rsplit(".", 1)[-1].replace("_", " ") for p in sub["parameter"]],
                  rotation=20, ha="right")
    ax.set_title(f"Sensitivity of {outcome}")
    ax.legend()
    fig.tight_layout()
    return fig


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def format_report(result: dict[str, Any], limit: int = 20) -> str:
    """A short text report: runs, per-point means of the main outcome, indices."""
    main, means = result["main"], result["per_point"]
    done, expected = len(result["runs"]), result["expected_runs"]
    lines = [f"{done} of {expected} runs; main outcome: {main}"]
    if result.get("writer"):
        lines.append(f"  (a sweep is still writing here, {result['writer']}: the results are "
                     "partial)")
    elif done < expected:
        lines.append(f"  ({expected - done} runs missing; finish with: {result['resume']})")
    shown = means.head(limit)
    params = [c for c in means.columns if c not in ("point", "runs") and not any(
        c.endswith(s) for s in ("_mean", "_ci_low", "_ci_high"))]
    for d in shown.to_dict("records"):
        where = ", ".join(f"{p}={d[p]}" for p in params) if len(params) <= 3 else f"#{d['point']}"
        low, high = d[main + "_ci_low"], d[main + "_ci_high"]
        ci = f"{_num(low)}, {_num(high)}" if np.isfinite(low) and np.isfinite(high) else "n/a"
        lines.append(f"  {where}: {_num(d[main + '_mean'])} [{ci}] (n={d['runs']})")
    if len(means) > limit:
        lines.append(f"  ... {len(means) - limit} more points in per_point.csv")
    indices = result["sensitivity"]
    if indices is not None and not indices.empty:
        sub = indices[indices["outcome"] == main]
        lines.append(f"sensitivity of {main}:")
        for d in sub.to_dict("records"):
            if "S1" in d:
                lines.append(f"  {d['parameter']}: S1 {d['S1']:.3f} ± {d['S1_conf']:.3f}, "
                             f"ST {d['ST']:.3f} ± {d['ST_conf']:.3f}")
            else:
                lines.append(f"  {d['parameter']}: mu* {d['mu_star']:.4g}, "
                             f"sigma {d['sigma']:.4g}")
    return "\n".join(lines)
