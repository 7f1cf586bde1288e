"""PRIM boxes: regions of parameter space where a condition mostly holds.

The Patient Rule Induction Method (Friedman & Fisher 1999) peels a box down from the
whole space, a small share of the cases at a time, trading *coverage* (the share of all
cases of interest inside the box) for *density* (the share of the box's cases that are
of interest); the sequence of boxes is the *peeling trajectory*. Peeling and pasting are
EMA Workbench's (``ema_workbench.analysis.prim``, Kwakkel 2017); the choice a person
makes on the trajectory in EMA's interactive workflow is made here by a stated rule, so
that a report can print the box:

1. on the trajectory, among the boxes with density at least ``min_density``, the one
   with the best balance of coverage and density (their harmonic mean, as an F-score
   balances recall and precision: it stops at the edge of a clean box, where a bare
   "highest coverage" would take in non-cases up to the density threshold) that keeps
   that density once its insignificant restrictions are relaxed — one end at a time,
   the end whose quasi-p-value (Bryant & Lempert 2010: a one-sided binomial test of the
   density the restriction adds) is largest, while it is above ``significance`` (the
   densest box if none qualifies);
2. PRIM is then run again on the same cases with only the dimensions that box restricts
   (Bryant & Lempert's advice to re-peel on the significant dimensions: greedy peeling on
   a few hundred noisy cases also cuts dimensions that do not matter, and the density
   those cuts seem to add is what the quasi-p-values reject); the re-peeled box, chosen
   by the same rule, is kept if it reaches ``min_density``;
3. further boxes are peeled from the cases outside the earlier ones (PRIM's covering),
   until a box misses ``min_density``, covers less than ``min_coverage`` of all cases of
   interest, or ``max_boxes`` are found. Coverage and mass are always shares of *all*
   cases, so the boxes' coverages add up.

References
----------
Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data.
Statistics and Computing 9, 123-143.
Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the box: a participatory,
computer-assisted approach to scenario discovery. Technological Forecasting and Social
Change 77, 34-49.
Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. Environmental Modelling &
Software 96, 239-250.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Columns of a box's limits table.
LIMIT_COLUMNS = ("low", "high", "qp_low", "qp_high", "restricts_low", "restricts_high")


@dataclass(frozen=True)
class Settings:
    """How boxes are peeled and chosen (see the module docstring)."""

    min_density: float = 0.8
    significance: float = 0.05
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05
    min_coverage: float = 0.05
    max_boxes: int = 3

    def describe(self) -> str:
        """The settings and the choice rule in one sentence (for reports)."""
        return (f"PRIM (EMA Workbench; peel alpha {self.peel_alpha:g}, paste alpha "
                f"{self.paste_alpha:g}, minimum mass {self.mass_min:g}); on each peeling "
                f"trajectory the box with the best harmonic mean of coverage and density "
                f"whose density stays >= "
                f"{self.min_density:g} once restricted ends with quasi-p > "
                f"{self.significance:g} are relaxed, re-peeled on the dimensions it "
                f"restricts; up to {self.max_boxes} boxes, each from the cases outside the "
                f"earlier ones, while density >= {self.min_density:g} and coverage >= "
                f"{self.min_coverage:g}")


#: The settings used unless others are given.
DEFAULT = Settings()


@dataclass
class Box:
    """One chosen PRIM box.

    ``limits`` has one row per parameter the box restricts (index: the parameter) with
    columns :data:`LIMIT_COLUMNS` (``low``/``high``: the limits, a set of choices for a
    categorical parameter in ``low``; ``qp_*``: quasi-p-values of the restricted ends,
    NaN for an end left open). ``trajectory`` is the box's peeling trajectory (coverage,
    density, mass, restricted dimensions, cases ``n`` and cases of interest ``k`` per
    step) and ``chosen`` the row chosen.
    """

    number: int
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    limits: pd.DataFrame
    trajectory: pd.DataFrame
    chosen: int
    dropped: list[str] = field(default_factory=list)
    #: The dimensions the chosen peeling ran on (all, or the re-peeled subset).
    dimensions: list[str] = field(default_factory=list)

    @property
    def restricted(self) -> list[str]:
        """The restricted parameters, the most significant first."""
        qp = self.limits[["qp_low", "qp_high"]].min(axis=1, skipna=True).fillna(1.0)
        return list(qp.sort_values(kind="stable").index)

    def contains(self, x: pd.DataFrame) -> np.ndarray:
        """Which rows of ``x`` (cases x parameters) lie inside the box."""
        return _inside(x, self.limits[["low", "high"]].T.reset_index(drop=True))


def _ema_prim():
    """EMA Workbench's PRIM module (imported on first use: it takes seconds)."""
    with warnings.catch_warnings():
        # it warns on import about optional parallel back-ends we do not use
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def _new_prim(x: pd.DataFrame, y: np.ndarray, settings: Settings):
    prim = _ema_prim()
    kwargs = {"peel_alpha": settings.peel_alpha, "paste_alpha": settings.paste_alpha,
              "mass_min": settings.mass_min}
    if "threshold" in inspect.signature(prim.Prim).parameters:
        # ema_workbench 2.x (the last line for Python 3.11) counts cases with y >= threshold
        # as of interest and replaces a final box less dense than it by the whole space:
        # any threshold in (0, 1] counts 0/1 right; a small one keeps every box to choose from
        kwargs["threshold"] = 1e-6
    return prim.Prim(x, y, **kwargs)


def find_boxes(x: pd.DataFrame, y: np.ndarray, settings: Settings = DEFAULT) -> list[Box]:
    """PRIM boxes where ``y`` (a boolean per row of ``x``) holds (module docstring).

    Parameters
    ----------
    x
        Cases x parameters (numeric, or categorical as ``category`` dtype).
    y
        Whether the condition holds in each case.
    settings
        Peeling and choice settings.
    """
    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        raise ValueError(f"the condition holds in {int(y.sum())} of {y.size} cases: there "
                         "is nothing to tell apart")
    # whole-number parameters as floats: PRIM writes fractional limits (pandas 3 refuses
    # them in an integer column)
    x = x.reset_index(drop=True).apply(
        lambda c: c.astype(float) if pd.api.types.is_integer_dtype(c) else c)
    remaining = np.ones(len(y), dtype=bool)
    boxes: list[Box] = []
    while len(boxes) < settings.max_boxes and y[remaining].any() and not y[remaining].all():
        box = _peel(x[remaining].reset_index(drop=True), y[remaining], len(boxes) + 1,
                    settings, (int(y[remaining].sum()) / int(y.sum()),
                               int(remaining.sum()) / len(y)))
        if box is None or box.limits.empty or box.density < settings.min_density or (
                box.coverage < settings.min_coverage):
            break
        boxes.append(box)
        remaining &= ~box.contains(x)
    return boxes


def _peel(x: pd.DataFrame, y: np.ndarray, number: int, settings: Settings,
          scale: tuple[float, float]) -> Box | None:
    """One box on these cases: peel all dimensions, then re-peel the significant ones.

    ``scale`` is (cases of interest here / all, cases here / all), to report coverage and
    mass as shares of all cases."""
    prim_box = _find(x, y, settings)
    if prim_box is None or prim_box.peeling_trajectory.empty:
        return None
    dims = _significant_dimensions(prim_box, settings)
    if dims and len(dims) < len(x.columns):
        again = _chosen(_find(x[dims], y, settings), number, settings, scale, dims)
        if again is not None and not again.limits.empty and (
                again.density >= settings.min_density):
            return again
    return _chosen(prim_box, number, settings, scale, list(x.columns))


def _significant_dimensions(prim_box, settings: Settings) -> list[str]:
    """The dimensions restricted with quasi-p <= ``significance`` (at either end) by the
    box of highest coverage with density >= ``min_density`` (or the densest)."""
    i = _candidates(prim_box.peeling_trajectory, settings.min_density)[0]
    limits = _limits(prim_box, i)
    best = limits[["qp_low", "qp_high"]].min(axis=1, skipna=True)
    return [n for n in prim_box.prim.x.columns if n in best.index
            and best[n] <= settings.significance]


def _candidates(trajectory: pd.DataFrame, min_density: float) -> list[int]:
    """Trajectory entries with density >= ``min_density``, best balance first (the
    harmonic mean of coverage and density, ties to the larger coverage); the densest
    entry alone if none is dense enough."""
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        return [int(trajectory["density"].idxmax())]
    c, d = dense["coverage"], dense["density"]
    balance = 2 * c * d / (c + d)
    order = pd.DataFrame({"balance": balance, "coverage": c}).sort_values(
        ["balance", "coverage"], ascending=False, kind="stable")
    return [int(i) for i in order.index]


def _find(x: pd.DataFrame, y: np.ndarray, settings: Settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' and numpy's warnings inside ema_workbench
        return _new_prim(x, y.astype(int), settings).find_box()


def _chosen(prim_box, number: int, settings: Settings, scale: tuple[float, float],
            dims: list[str]) -> Box | None:
    """The box the rule chooses on ``prim_box``'s trajectory (module docstring, step 1)."""
    if prim_box is None or prim_box.peeling_trajectory.empty:
        return None
    trajectory = prim_box.peeling_trajectory.copy()
    candidates = _candidates(trajectory, settings.min_density)
    of_interest, cases = scale
    trajectory["coverage"] *= of_interest
    trajectory["mass"] *= cases
    for rank, i in enumerate(candidates):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prim_box.select(int(i))
            j, limits, dropped = _significant(prim_box, int(i), settings.significance)
        stats = prim_box.peeling_trajectory.iloc[j]
        if stats["density"] >= settings.min_density or rank == len(candidates) - 1:
            return Box(number, float(stats["coverage"]) * of_interest, float(stats["density"]),
                       float(stats["mass"]) * cases, int(stats["n"]), int(stats["k"]), limits,
                       trajectory, int(i), dropped, dims)
    return None  # pragma: no cover - the loop always returns on its last candidate


def _significant(prim_box, i: int, significance: float) -> tuple[int, pd.DataFrame, list[str]]:
    """Relax, one at a time, the restricted end whose quasi-p-value is largest while it is
    above ``significance`` (a categorical restriction as a whole); return the resulting
    trajectory entry, its limits and the ends relaxed."""
    dropped: list[str] = []
    while True:
        limits = _limits(prim_box, i)
        ends = pd.concat([limits["qp_low"].rename(lambda n: (n, "low")),
                          limits["qp_high"].rename(lambda n: (n, "high"))]).dropna()
        if ends.empty or ends.max() <= significance:
            return i, limits, dropped
        name, end = ends.idxmax()
        _relax(prim_box, i, name, end)
        dropped.append(f"{name} ({end} end)")
        i = len(prim_box.peeling_trajectory) - 1


def _relax(prim_box, i: int, name: str, end: str) -> None:
    """Append to the trajectory the box ``i`` with one end of ``name`` back at the initial
    limit (EMA's ``drop_restriction`` relaxes both ends at once)."""
    initial = prim_box.box_lims[0]
    lims = prim_box.box_lims[i].copy()
    if isinstance(lims[name].iloc[0], (set, frozenset)):
        lims[name] = initial[name]
    else:
        row = 0 if end == "low" else 1
        lims.loc[lims.index[row], name] = initial[name].iloc[row]
    prim = prim_box.prim
    remaining = prim.yi_remaining
    cases = prim.x.loc[remaining].reset_index(drop=True)
    prim_box.update(lims, remaining[_inside(cases, lims)])


def _inside(x: pd.DataFrame, lims: pd.DataFrame) -> np.ndarray:
    """Rows of ``x`` inside box limits (row 0 lows, row 1 highs; sets for categories)."""
    inside = np.ones(len(x), dtype=bool)
    for name in lims.columns:
        lo, hi = lims[name].iloc[0], lims[name].iloc[1]
        if isinstance(lo, (set, frozenset)):
            inside &= x[name].isin(lo).to_numpy()
        else:
            inside &= ((x[name] >= lo) & (x[name] <= hi)).to_numpy()
    return inside


def _limits(prim_box, i: int) -> pd.DataFrame:
    """The restricted parameters of trajectory entry ``i`` with their quasi-p-values."""
    initial, current = prim_box.box_lims[0], prim_box.box_lims[i]
    rows = {}
    restricted = []
    for name in current.columns:
        lo, hi = current[name].iloc[0], current[name].iloc[1]
        if isinstance(lo, (set, frozenset)):
            if len(lo) < len(initial[name].iloc[0]):
                restricted.append(name)
                rows[name] = (frozenset(lo), frozenset(lo), True, True)
        else:
            low_cut = bool(lo > initial[name].iloc[0])
            high_cut = bool(hi < initial[name].iloc[1])
            if low_cut or high_cut:
                restricted.append(name)
                rows[name] = (lo, hi, low_cut, high_cut)
    if not restricted:
        return pd.DataFrame(columns=list(LIMIT_COLUMNS))
    # the quasi-p-values behind PrimBox.inspect(), which fails on categorical parameters
    # under pandas 3 (it writes a set into a float column); {name: [low end, high end]}
    qp = prim_box._calculate_quasi_p(i, restricted)
    out = pd.DataFrame(
        [{"parameter": name, "low": rows[name][0], "high": rows[name][1],
          "qp_low": _qp(qp[name][0]) if rows[name][2] else np.nan,
          "qp_high": _qp(qp[name][1]) if rows[name][3] else np.nan,
          "restricts_low": rows[name][2], "restricts_high": rows[name][3]}
         for name in restricted]).set_index("parameter")
    return out


def _qp(value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return value if value >= 0 else float("nan")  # EMA writes -1 for an end left open
