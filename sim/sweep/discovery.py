"""Scenario discovery on a sweep: where in parameter space does a condition on an outcome
hold? (``trustmarket discover DIR --where "cumulative_profit_difference < 0"``)

The sweep's runs (read through :mod:`sim.sweep.store`) become cases — one per point,
its outcomes averaged over the replications, or one per run — and the condition, a safe
expression over outcome columns (:mod:`sim.sweep.expression`), marks the cases of
interest. Two views answer the question, as in EMA Workbench's scenario discovery
(Bryant & Lempert 2010; Kwakkel 2017): PRIM boxes with their peeling trajectories and
the limits' quasi-p-values (:mod:`sim.sweep.boxes`), and a CART tree with feature scores
(:mod:`sim.sweep.trees`). Writes ``DIR/discovery/``: ``boxes.csv``, ``trajectory.csv``,
``tree.txt``, ``tree_leaves.csv``, ``feature_scores.csv``, ``discovery.txt`` and the
figures of :mod:`sim.sweep.discovery_figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.sweep import store
from sim.sweep.analyze import outcome_columns, sweep_table
from sim.sweep.boxes import DEFAULT, Box, Settings, find_boxes
from sim.sweep.expression import ExpressionError, parse
from sim.sweep.trees import TreeView, classification_tree, feature_scores

#: What one case is: a point (outcomes averaged over its replications) or one run.
PER = ("point", "run")


@dataclass
class Discovery:
    """Where a condition holds: the cases, the PRIM boxes, the tree and the scores.

    ``x`` holds one row per case and one column per swept parameter, ``y`` whether the
    condition holds there; ``ranges`` maps each parameter to its swept ``(low, high)``
    or its list of options.
    """

    condition: str
    per: str
    x: pd.DataFrame
    y: np.ndarray
    ranges: dict[str, Any]
    boxes: list[Box]
    tree: TreeView
    scores: pd.Series
    settings: Settings
    replications: int = 1
    dropped_cases: int = 0
    source: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    #: The outcomes the condition uses, per case (from a sweep; empty otherwise).
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def share(self) -> float:
        """Share of the cases where the condition holds."""
        return float(self.y.mean())

    @property
    def coverage(self) -> float:
        """Share of the cases of interest inside any box (the boxes are disjoint)."""
        return float(sum(b.coverage for b in self.boxes))

    @property
    def density(self) -> float:
        """Share of the cases inside the boxes where the condition holds."""
        n = sum(b.n for b in self.boxes)
        return float(sum(b.k for b in self.boxes) / n) if n else float("nan")

    def label(self, name: str) -> str:
        """How a parameter is named in sentences."""
        return self.labels.get(name, name)

    def box_sentence(self, box: Box) -> str:
        """A box's restrictions in words: ``price sensitivity > 1.43 and horizon < 300``."""
        return " and ".join(limit_text(self.label(n), box.limits.loc[n])
                            for n in box.restricted)

    def region_sentence(self, subject: str | None = None) -> str:
        """Every box in words with its coverage and density, joined by "or"."""
        subject = subject or f"{self.condition} holds"
        if not self.boxes:
            return (f"{subject}: no box reaches density {self.settings.min_density:g} "
                    f"(the condition holds in {self.share:.0%} of the cases)")
        parts = [f"{self.box_sentence(b)} (coverage {b.coverage:.2f}, density "
                 f"{b.density:.2f})" for b in self.boxes]
        total = (f"; together coverage {self.coverage:.2f}, density {self.density:.2f}"
                 if len(self.boxes) > 1 else "")
        return f"{subject} when " + ", or when ".join(parts) + total


def limit_text(label: str, row: pd.Series) -> str:
    """One restriction in words."""
    if isinstance(row["low"], (set, frozenset)):
        return f"{label} in {{{', '.join(sorted(map(str, row['low'])))}}}"
    lo, hi = _num(row["low"]), _num(row["high"])
    if row["restricts_low"] and row["restricts_high"]:
        return f"{lo} <= {label} <= {hi}"
    return f"{label} > {lo}" if row["restricts_low"] else f"{label} < {hi}"


def _num(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def parameter_ranges(table: Mapping[str, Any]) -> dict[str, Any]:
    """Each swept parameter's range or options, from the sweep file's [sweep] table."""
    out: dict[str, Any] = {}
    for p in table["parameters"]:
        if "range" in p:
            out[p["path"]] = (float(p["range"][0]), float(p["range"][1]))
        else:
            out[p["path"]] = list(p.get("values", p.get("choices", [])))
    return out


@dataclass
class Cases:
    """A sweep's cases: parameters ``x``, whether the condition holds ``y``, the outcomes
    the condition uses (per case), the swept ranges, replications per point and the
    cases left out because an outcome was undefined."""

    x: pd.DataFrame
    y: np.ndarray
    outcomes: pd.DataFrame
    ranges: dict[str, Any]
    replications: int
    dropped: int


def sweep_cases(out: str | Path, where: str, per: str = "point") -> Cases:
    """The cases of the sweep in ``out`` under the condition ``where``.

    Raises
    ------
    ExpressionError
        When ``where`` is not a condition or names an outcome the sweep does not have.
    """
    if per not in PER:
        raise ValueError(f"per must be one of {PER}, got {per!r}")
    table = sweep_table(out)
    ranges = parameter_ranges(table)
    names = list(ranges)
    runs = store.load_runs(out)
    outcomes = outcome_columns(runs, [*names, *table.get("derived", {})])
    condition = parse(where)
    if not condition.is_condition:
        raise ExpressionError(f"{where!r} is not a condition: compare an outcome, e.g. "
                              f"\"{outcomes[0] if outcomes else 'OUTCOME'} < 0\"")
    condition.check_names(outcomes, "outcome")
    used = list(condition.names)
    if per == "point":
        grouped = runs.groupby("point", sort=True)
        frame = grouped[names].first().join(grouped[used].mean())
    else:
        frame = runs[[*names, *used]]
    defined = frame[used].notna().all(axis=1)
    frame = frame[defined].reset_index(drop=True)
    y = np.asarray(condition.evaluate({n: frame[n].to_numpy(float) for n in used}), dtype=bool)
    x = frame[names].copy()
    for name in names:
        if not pd.api.types.is_numeric_dtype(x[name]):
            x[name] = x[name].astype("category")
    return Cases(x, y, frame[used], ranges, int(table.get("replications", 1)),
                 int((~defined).sum()))


def discover_cases(x: pd.DataFrame, y: np.ndarray, ranges: Mapping[str, Any] | None = None,
                   condition: str = "condition", settings: Settings = DEFAULT,
                   tree_depth: int = 3, seed: int = 0, *, per: str = "case",
                   replications: int = 1, dropped_cases: int = 0, source: str = "",
                   labels: Mapping[str, str] | None = None) -> Discovery:
    """Scenario discovery on plain cases (``x``: cases x parameters, ``y``: booleans;
    ``ranges``: each parameter's swept range, default the cases' own span)."""
    y = np.asarray(y, dtype=bool)
    ranges = dict(ranges) if ranges else {
        c: ((float(x[c].min()), float(x[c].max())) if pd.api.types.is_numeric_dtype(x[c])
            else sorted(x[c].unique())) for c in x.columns}
    boxes = find_boxes(x, y, settings)
    return Discovery(condition, per, x, y, ranges, boxes,
                     classification_tree(x, y, tree_depth, seed=seed),
                     feature_scores(x, y, seed), settings, replications, dropped_cases,
                     source, dict(labels or {}))


def discover(out: str | Path, where: str, per: str = "point", settings: Settings = DEFAULT,
             tree_depth: int = 3, seed: int = 0,
             labels: Mapping[str, str] | None = None) -> Discovery:
    """Scenario discovery on the sweep in ``out``: where does ``where`` hold?

    Parameters
    ----------
    out
        A sweep's results directory.
    where
        A condition on outcome columns, e.g. ``"cumulative_profit_difference < 0"``.
    per
        ``"point"`` (each point's outcomes averaged over its replications) or ``"run"``.
    settings
        PRIM's peeling and box choice (:class:`~sim.sweep.boxes.Settings`).
    tree_depth, seed
        Depth of the CART tree; seed of the tree and of the feature scores.
    labels
        Names for the parameters in sentences (default: their paths).
    """
    c = sweep_cases(out, where, per)
    d = discover_cases(c.x, c.y, c.ranges, where, settings, tree_depth, seed, per=per,
                       replications=c.replications if per == "point" else 1,
                       dropped_cases=c.dropped, source=str(out), labels=labels)
    d.outcomes = c.outcomes
    return d


# --------------------------------------------------------------------------- output
def boxes_table(d: Discovery) -> pd.DataFrame:
    """One row per box and restricted parameter: limits, quasi-p-values, swept range, and
    the box's coverage, density and mass."""
    rows = []
    for b in d.boxes:
        for name in b.restricted:
            r = b.limits.loc[name]
            rng = d.ranges.get(name)
            rows.append({"box": b.number, "parameter": name, "restriction":
                         limit_text(name, r), "low": r["low"], "high": r["high"],
                         "qp_low": r["qp_low"], "qp_high": r["qp_high"],
                         "range": rng, "coverage": b.coverage, "density": b.density,
                         "mass": b.mass, "cases": b.n, "cases_of_interest": b.k})
    return pd.DataFrame(rows)


def trajectory_table(d: Discovery) -> pd.DataFrame:
    """Every box's peeling trajectory (``chosen`` marks the box reported)."""
    parts = []
    for b in d.boxes:
        t = b.trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()
        t.insert(0, "box", b.number)
        t["chosen"] = t.index == b.chosen
        parts.append(t.reset_index(names="step"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def format_discovery(d: Discovery) -> str:
    """The text ``trustmarket discover`` prints."""
    what = (f"{len(d.y)} points (outcomes averaged over {d.replications} replication(s) "
            "each)" if d.per == "point" else f"{len(d.y)} {d.per}s")
    lines = [f"Scenario discovery{' on ' + d.source if d.source else ''}: where "
             f"{d.condition}", f"{what}; the condition holds in {int(d.y.sum())} "
             f"({d.share:.0%})" + (f"; {d.dropped_cases} case(s) with the outcome undefined "
                                   "left out" if d.dropped_cases else ""), "",
             d.settings.describe() + ":"]
    for b in d.boxes:
        lines.append(f"  box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, "
                     f"mass {b.mass:.2f} ({b.n} cases, {b.k} of interest)"
                     + (f"; dropped as not significant: {', '.join(b.dropped)}"
                        if b.dropped else ""))
        for name in b.restricted:
            r = b.limits.loc[name]
            qp = " ".join(f"qp {end} {r[f'qp_{end}']:.2g}" for end in ("low", "high")
                          if np.isfinite(r[f"qp_{end}"]))
            lines.append(f"    {limit_text(name, r):<55} range {_range_text(d.ranges.get(name))}"
                         f"  {qp}")
    lines += ["", d.region_sentence(), "",
              f"CART (depth {d.tree.depth}, training accuracy {d.tree.accuracy:.2f}); leaves "
              "where the condition mostly holds:"]
    for leaf in d.tree.leaves[d.tree.leaves["predicts"]].itertuples():
        lines.append(f"  density {leaf.density:.2f}, coverage {leaf.coverage:.2f} "
                     f"({leaf.n} cases): {leaf.rule}")
    lines += ["", "Feature scores (extra trees, share of impurity decrease):"]
    lines += [f"  {name:<40} {score:.3f}" for name, score in d.scores.items()]
    return "\n".join(lines)


def _range_text(rng: Any) -> str:
    if isinstance(rng, tuple):
        return f"[{_num(rng[0])}, {_num(rng[1])}]"
    return "{" + ", ".join(map(str, rng or [])) + "}"


def write_discovery(d: Discovery, folder: str | Path,
                    figures: Sequence[str] = ("peeling", "limits", "scatter")) -> list[Path]:
    """Write the tables, the text report and the figures into ``folder``."""
    from sim.sweep import discovery_figures

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (("boxes.csv", boxes_table(d)), ("trajectory.csv", trajectory_table(d)),
                        ("tree_leaves.csv", d.tree.leaves),
                        ("feature_scores.csv", d.scores.rename("score").rename_axis(
                            "parameter").reset_index())):
        table.to_csv(folder / name, index=False)
        written.append(folder / name)
    (folder / "tree.txt").write_text(d.tree.rules, encoding="utf-8")
    (folder / "discovery.txt").write_text(format_discovery(d) + "\n", encoding="utf-8")
    written += [folder / "tree.txt", folder / "discovery.txt"]
    written += discovery_figures.save_figures(d, folder, figures)
    return written
