"""The calibration's figures: the tracking plot, the repeat-count distribution, the fit of
every statistic and the conditional expectation (matplotlib, written as PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

CALIBRATED = "calibrated market"


def tracking_figure(tracking: pd.DataFrame, path: Path,
                    others: dict[str, np.ndarray] | None = None) -> Path:
    """Weekly (top) and cumulative (bottom) repeat transactions of the cohort from a
    weekly tracking table (:func:`sim.calibration.report.weekly_tracking_table`): the log,
    the calibrated market with its 95 % predictive band, and optionally other forecasts
    (name -> repeats per week), with the end of the calibration period marked."""
    others = others or {}
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    step = tracking["week"].to_numpy()
    end = int(tracking.loc[tracking["period"] == "calibration", "week"].max())
    top.plot(step, tracking["actual"], color="black", lw=1.6, label="actual (log)")
    top.plot(step, tracking["forecast"], color="tab:blue", lw=1.4, label=CALIBRATED)
    banded = bool(np.isfinite(tracking["forecast_low"]).any())  # none without draws
    top.fill_between(step, tracking["forecast_low"], tracking["forecast_high"],
                     color="tab:blue", alpha=0.18, lw=0,
                     label="95 % predictive band" if banded else None)
    bottom.plot(step, tracking["actual_cumulative"], color="black", lw=1.6)
    bottom.plot(step, tracking["forecast_cumulative"], color="tab:blue", lw=1.4)
    bottom.fill_between(step, tracking["forecast_cumulative_low"],
                        tracking["forecast_cumulative_high"], color="tab:blue", alpha=0.18, lw=0)
    for (name, series), style, colour in zip(others.items(), ("--", ":", "-."),
                                             ("tab:red", "tab:orange", "tab:green"),
                                             strict=False):
        top.plot(step, series, ls=style, lw=1.3, color=colour, label=name)
        bottom.plot(step, np.cumsum(series), ls=style, lw=1.3, color=colour)
    for ax in (top, bottom):
        ax.axvline(end + 0.5, color="grey", ls="--", lw=1)
        ax.grid(alpha=0.3)
    top.set_ylabel("repeat transactions per week")
    bottom.set_ylabel("cumulative repeat transactions")
    bottom.set_xlabel("week")
    top.set_title("Tracking the cohort's repeat transactions (dashed line: end of calibration)")
    top.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def repeat_counts_figure(counts: pd.DataFrame, path: Path, chi_square: str) -> Path:
    """Customers per calibration repeat count, the log's beside the calibrated market's."""
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(counts))
    ax.bar(x - 0.2, counts["observed"], width=0.4, color="0.3", label="actual (log)")
    ax.bar(x + 0.2, counts["expected"], width=0.4, color="tab:blue", label=CALIBRATED)
    ax.set_xticks(x, counts["repeats"])
    ax.set_xlabel("repeat transactions in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title(f"Distribution of repeat counts ({chi_square})", fontsize=10)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def statistics_figure(table: pd.DataFrame, path: Path) -> Path:
    """Each statistic's gap (calibrated market minus log) in standard deviations of the
    log's value, grouped by family; the band marks two."""
    fig, ax = plt.subplots(figsize=(8, max(4.0, 0.22 * len(table) + 1)))
    y = np.arange(len(table))[::-1]
    families = list(dict.fromkeys(table["family"]))
    colours = dict(zip(families, plt.rcParams["axes.prop_cycle"].by_key()["color"],
                       strict=False))
    ax.axvspan(-2, 2, color="0.9")
    ax.axvline(0, color="0.5", lw=1)
    for family in families:
        rows = (table["family"] == family).to_numpy()
        ax.scatter(table.loc[rows, "gap_in_sd"], y[rows], color=colours[family], label=family,
                   zorder=3)
    ax.set_yticks(y, table["statistic"], fontsize=7)
    ax.set_xlabel("calibrated market minus log, in s.d. of the log's statistic")
    ax.set_title("Fit of each statistic", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def conditional_figure(table: pd.DataFrame, path: Path,
                       others: dict[str, np.ndarray] | None = None) -> Path:
    """Mean holdout repeats per customer by calibration repeats: the log's, the calibrated
    market's and optionally other models' (name -> values per group)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(table))
    ax.plot(x, table["actual"], "o-", color="black", label="actual (log)")
    ax.plot(x, table["market"], "s-", color="tab:blue", label=CALIBRATED)
    for (name, values), colour in zip((others or {}).items(), ("tab:red", "tab:orange"),
                                      strict=False):
        ax.plot(x, values, "^--", color=colour, label=name)
    ax.set_xticks(x, table["calibration_repeats"])
    ax.set_xlabel("repeat transactions in the calibration period")
    ax.set_ylabel("mean repeat transactions in the holdout")
    ax.set_title("Conditional expectation per calibration frequency", fontsize=10)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
