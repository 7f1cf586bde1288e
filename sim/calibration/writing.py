"""The files a calibration writes: the calibrated scenario, tables, figures, a summary.

``calibrated.toml`` is the base scenario with the fitted customer parameters (a file
``trustmarket run`` and the claims read like any other); ``estimates.csv``,
``statistics.csv``, ``repeat_counts.csv``, ``tracking.csv`` (per step),
``tracking_weekly.csv`` (per week), ``conditional.csv``;
``tracking.png``, ``repeat_counts.png``, ``statistics.png``, ``conditional.png``; and
``summary.json`` with the estimates, intervals, goodness of fit, holdout forecast,
timing and provenance.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.calibration import figures
from sim.calibration.parameters import Parameter
from sim.calibration.report import (
    Outcome,
    conditional_table,
    estimates_table,
    holdout_summary,
    log_top_share,
    repeat_counts_table,
    statistics_table,
    tracking_table,
    weekly_tracking_table,
)
from sim.calibration.scenario_file import scenario_toml
from sim.scenario import Scenario, ScenarioError, graph_path


def calibrated_scenario(base: Scenario, outcome: Outcome) -> Scenario:
    """The base scenario with the fitted customer parameters (a graph file's path made
    absolute, so the scenario works from the output directory)."""
    overrides: dict[str, object] = dict(outcome.estimates)
    if base.network.kind == "file" and base.network.path:
        overrides["network.path"] = str(graph_path(base).resolve())
    return base.with_overrides(overrides)


def _header(outcome: Outcome, log_source: str, command: Sequence[str]) -> list[str]:
    intervals = outcome.intervals
    tl = outcome.forecast.timeline
    lines = [f"Calibrated by `{' '.join(command)}`", f"to the transaction log {log_source}:",
             f"cohort of {outcome.cohort.n_customers} customers first buying "
             f"{tl.start:%Y-%m-%d}..{tl.calibration_end:%Y-%m-%d} "
             f"({tl.calibration_steps} steps).",
             "Seed idea tested: customer-base dynamics — purchase rates that differ widely "
             "across customers and silent dropout (Fader, Hardie & Lee 2005).",
             "Fitted (estimate, 95 % interval):"]
    lines += [f"  {key} = {value:.6g}  [{intervals[key][0]:.4g}, {intervals[key][1]:.4g}]"
              for key, value in outcome.estimates.items()]
    lines.append("Everything else is the base scenario's. See docs/calibration.md.")
    return lines


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_outputs(outcome: Outcome, out: Path, base: Scenario,
                  parameters: tuple[Parameter, ...], simulator_kind: str, log_source: str,
                  command: Sequence[str], seconds: float) -> list[Path]:
    """Write every output of a calibration into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        scenario = calibrated_scenario(base, outcome)
    except ScenarioError as exc:  # a schema without the fitted keys: say so, write the rest
        print(f"note: calibrated.toml not written: {exc}", file=sys.stderr)
    else:
        path = out / "calibrated.toml"
        path.write_text(scenario_toml(scenario, _header(outcome, log_source, command)),
                        encoding="utf-8")
        written.append(path)
    estimates = estimates_table(outcome, parameters)
    stats = statistics_table(outcome)
    counts = repeat_counts_table(outcome)
    tracking = tracking_table(outcome)
    conditional = conditional_table(outcome)
    by_week = weekly_tracking_table(outcome)
    for name, table in (("estimates.csv", estimates), ("statistics.csv", stats),
                        ("repeat_counts.csv", counts), ("tracking.csv", tracking),
                        ("tracking_weekly.csv", by_week), ("conditional.csv", conditional)):
        table.to_csv(out / name, index=False)
        written.append(out / name)
    g = outcome.goodness
    chi = f"chi-square {g.chi_square:.1f} on {g.dof} d.f., p = {g.p_value:.2f}"
    written += [figures.tracking_figure(by_week, out / "tracking.png"),
                figures.repeat_counts_figure(counts, out / "repeat_counts.png", chi),
                figures.statistics_figure(stats, out / "statistics.png")]
    if outcome.forecast.timeline.holdout_steps:
        written.append(figures.conditional_figure(conditional, out / "conditional.png"))
    fit = outcome.fit
    from sim import __version__

    summary = {
        "estimates": outcome.estimates, "intervals": outcome.intervals,
        "confidence": fit.confidence, "posterior_mode": fit.mode,
        "first_guess": dict(outcome.start),
        "goodness_of_fit": {"statistic": "Pearson chi-square of the repeat counts 0..7+",
                            "chi_square": g.chi_square, "dof": g.dof, "p_value": g.p_value},
        "distance": {"value": fit.distance, "statistics": int(fit.targets.used.sum()),
                     "parameters": len(fit.parameters)},
        "holdout": holdout_summary(outcome),
        "top20_share": {"log": log_top_share(outcome),
                        "market": outcome.forecast.top20_share},
        "posterior_effective_size": fit.posterior.effective_size,
        "rounds": [{"center": r.center.tolist(), "half_width": r.half_width.tolist(),
                    "estimate": r.estimate.tolist(), "distance": r.distance,
                    "edge_mass": r.edge_mass.tolist()} for r in fit.rounds],
        "unsettled": list(fit.unsettled), "weighting": fit.weighting,
        "simulations_this_run": fit.simulations, "seconds": seconds,
        "simulator": simulator_kind, "log": log_source, "command": list(command),
        "trustmarket_version": __version__,
    }
    path = out / "summary.json"
    path.write_text(json.dumps(_plain(summary), indent=1), encoding="utf-8")
    written.append(path)
    return written

