"""The summary statistics a customer-base model is judged by, from a :class:`Cohort`.

Per customer (Fader, Hardie & Lee 2005's RFM summary, at step resolution): the step of
the first purchase, the *frequency* ``x`` (repeat purchases in the calibration period),
the *recency* ``t_x`` (steps from the first to the last purchase) and the *age* ``T``
(steps from the first purchase to the calibration end).

The fitted statistics are means over customers of per-customer *features*, so a
bootstrap of customers is one matrix product (:func:`bootstrap_weights`):

* **weekly repeat transactions** of the cohort, per customer, in blocks of steps (the
  shape of the tracking plot: rising while the cohort arrives, then fading as customers
  drop out);
* **the distribution of repeat counts** ``x = 0, 1, ..., 6, 7+`` (most first-time buyers
  never return; a few buy every few weeks);
* **recency** by frequency group (``x = 1``, ``2-3``, ``4+``): the mean of ``t_x / T``,
  each customer weighted 1/N, so a group that is empty contributes 0 — low values for
  frequent buyers are the trace of silent dropout;
* **BG/NBD scores** (when an auxiliary fit is given): each customer's derivative of the
  BG/NBD log-likelihood at the parameters fitted to the log — zero on average for the
  log, and not for a simulated cohort whose (x, t_x, T) look different. They carry the
  joint information of frequency and recency that the marginal statistics lose
  (the efficient method of moments, Gallant & Tauchen 1996).

Spend per transaction is summarised by quantiles of the log amount
(:func:`spend_quantiles`), fitted separately: in the model a basket does not change
whether or when a customer buys.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration import bgnbd
from sim.calibration.cohort import Cohort

#: Repeat counts 0..REPEAT_CAP-1 each, and REPEAT_CAP or more together.
REPEAT_CAP = 7
#: Frequency groups whose recency is a statistic: (lowest x, highest x).
RECENCY_GROUPS: tuple[tuple[int, float], ...] = ((1, 1), (2, 3), (4, np.inf))
#: Quantiles of log spend per transaction.
SPEND_QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)
#: The BG/NBD parameters whose log-likelihood scores are statistics.
AUXILIARY_NAMES: tuple[str, ...] = ("log r", "log alpha", "log a", "log b")
#: The statistic families, and those the fit matches unless told otherwise (the others are
#: reported as checks: fitting the weekly blocks too traded their level away for their
#: shape, and seasonal bumps no model here has pulled the fit; see docs/calibration.md).
FAMILIES: tuple[str, ...] = ("weekly repeats", "repeat counts", "recency", "BG/NBD scores")
FITTED_DEFAULT: tuple[str, ...] = ("repeat counts", "BG/NBD scores")
#: Target number of blocks the weekly repeats are summed into.
WEEKLY_BLOCKS = 13


def rfm(cohort: Cohort, calibration_steps: int, holdout_steps: int = 0) -> pd.DataFrame:
    """One row per customer: ``first_step``, ``frequency`` (x), ``recency`` (t_x),
    ``age`` (T), ``holdout`` (repeat purchases in the holdout) and ``spend`` (mean amount
    per transaction in the calibration period), all at step resolution."""
    n, end = cohort.n_customers, calibration_steps
    in_cal = cohort.step <= end
    repeat = cohort.is_repeat()
    cal_repeat = repeat & in_cal
    frequency = np.bincount(cohort.customer[cal_repeat], minlength=n)
    last = np.array(cohort.first_step, dtype=np.int64)
    np.maximum.at(last, cohort.customer[in_cal], cohort.step[in_cal])
    holdout = np.bincount(cohort.customer[repeat & (cohort.step > end)
                                          & (cohort.step <= end + holdout_steps)],
                          minlength=n)
    spent = np.bincount(cohort.customer[in_cal], weights=cohort.amount[in_cal], minlength=n)
    bought = np.bincount(cohort.customer[in_cal], minlength=n)
    return pd.DataFrame({
        "first_step": cohort.first_step, "frequency": frequency,
        "recency": last - cohort.first_step, "age": end - cohort.first_step,
        "holdout": holdout, "spend": spent / np.maximum(bought, 1)})


def weekly_repeats(cohort: Cohort, steps: int) -> np.ndarray:
    """Repeat purchases of the whole cohort in each step 1..steps (index 0 = step 1)."""
    repeat = cohort.is_repeat() & (cohort.step <= steps)
    return np.bincount(cohort.step[repeat] - 1, minlength=steps)[:steps].astype(float)


@dataclass(frozen=True)
class StatisticSet:
    """The fitted purchase statistics of a calibration period of ``calibration_steps``.

    ``block`` steps are summed into one weekly-repeats statistic (default: about
    :data:`WEEKLY_BLOCKS` blocks).
    """

    calibration_steps: int
    block: int = 0
    #: BG/NBD (r, alpha, a, b) fitted to the log, for the score statistics (None: none).
    auxiliary: tuple[float, float, float, float] | None = None
    #: The families the fit matches; the others are only reported (the fit of each).
    fitted: tuple[str, ...] = FITTED_DEFAULT

    def fitted_mask(self) -> np.ndarray:
        """Which statistics (columns of :meth:`features`) the fit matches."""
        mask = np.zeros(len(self.names()), bool)
        for family, cols in self.families().items():
            mask[cols] = family in self.fitted
        return mask

    @property
    def block_steps(self) -> int:
        """Steps per weekly-repeats block."""
        return self.block or max(1, round(self.calibration_steps / WEEKLY_BLOCKS))

    @property
    def n_blocks(self) -> int:
        """Weekly-repeats blocks (the last may be shorter)."""
        return -(-self.calibration_steps // self.block_steps)

    def names(self) -> list[str]:
        """Statistic names, in the order of :meth:`features`' columns."""
        b, end = self.block_steps, self.calibration_steps
        blocks = [f"repeats/customer steps {i * b + 1}-{min((i + 1) * b, end)}"
                  for i in range(self.n_blocks)]
        shares = [f"share x={k}" for k in range(REPEAT_CAP)] + [f"share x={REPEAT_CAP}+"]
        recency = [f"recency x={lo}" + ("" if hi == lo else "+" if np.isinf(hi) else f"-{hi:g}")
                   for lo, hi in RECENCY_GROUPS]
        scores = [f"BG/NBD score {p}" for p in AUXILIARY_NAMES] if self.auxiliary else []
        return blocks + shares + recency + scores

    def families(self) -> dict[str, slice]:
        """Which columns belong to which statistic: weekly repeats, repeat counts, recency
        and the BG/NBD scores."""
        k = self.n_blocks
        r = k + REPEAT_CAP + 1 + len(RECENCY_GROUPS)
        out = {"weekly repeats": slice(0, k), "repeat counts": slice(k, k + REPEAT_CAP + 1),
               "recency": slice(k + REPEAT_CAP + 1, r)}
        if self.auxiliary:
            out["BG/NBD scores"] = slice(r, r + len(AUXILIARY_NAMES))
        return out

    def features(self, cohort: Cohort) -> np.ndarray:
        """(n_customers, n_statistics): each customer's contribution, so that the
        statistics are the column means."""
        n, end = cohort.n_customers, self.calibration_steps
        repeat = cohort.is_repeat() & (cohort.step <= end)
        block = (cohort.step[repeat] - 1) // self.block_steps
        weekly = np.zeros((n, self.n_blocks))
        np.add.at(weekly, (cohort.customer[repeat], block), 1.0)
        summary = rfm(cohort, end)
        x = summary["frequency"].to_numpy()
        counts = np.zeros((n, REPEAT_CAP + 1))
        counts[np.arange(n), np.minimum(x, REPEAT_CAP)] = 1.0
        age = summary["age"].to_numpy()
        ratio = np.where(age > 0, summary["recency"].to_numpy() / np.maximum(age, 1), 0.0)
        recency = np.column_stack([ratio * ((x >= lo) & (x <= hi)) for lo, hi in RECENCY_GROUPS])
        parts = [weekly, counts, recency]
        if self.auxiliary:
            parts.append(bgnbd.scores(self.auxiliary, x, summary["recency"].to_numpy(), age))
        return np.hstack(parts)

    def statistics(self, cohort: Cohort) -> np.ndarray:
        """The statistics of a cohort (column means of :meth:`features`)."""
        return self.features(cohort).mean(axis=0)


def spend_quantiles(cohort: Cohort, calibration_steps: int,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """Quantiles :data:`SPEND_QUANTILES` of the log amount per transaction (amounts > 0)
    in the calibration period; ``weights`` per customer (bootstrap counts) if given,
    as a (B, n_customers) array giving (B, n_quantiles)."""
    keep = (cohort.step <= calibration_steps) & (cohort.amount > 0)
    values = np.log(cohort.amount[keep])
    if weights is None:
        return np.quantile(values, SPEND_QUANTILES)
    order = np.argsort(values, kind="stable")
    per_row = np.asarray(weights, float)[:, cohort.customer[keep][order]]
    cum = np.cumsum(per_row, axis=1)
    cum /= cum[:, -1:]
    return np.stack([values[order][np.minimum((cum < q).sum(axis=1), values.size - 1)]
                     for q in SPEND_QUANTILES], axis=1)


def bootstrap_weights(first_step: np.ndarray, replicates: int,
                      rng: np.random.Generator) -> np.ndarray:
    """(replicates, n) counts of each customer in a bootstrap resample of the cohort,
    resampled within first-purchase steps (the simulation keeps each step's arrivals)."""
    n = first_step.size
    out = np.zeros((replicates, n))
    for step in np.unique(first_step):
        members = np.flatnonzero(first_step == step)
        out[:, members] = rng.multinomial(members.size, np.full(members.size, 1 / members.size),
                                          size=replicates)
    return out


def stratified_covariance(features: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """The covariance of ``features``' column means under :func:`bootstrap_weights`'
    resampling within ``strata``, exactly (no replicates): ``sum_h n_h C_h / n^2``, with
    ``C_h`` stratum ``h``'s covariance of the rows (divided by ``n_h``)."""
    n, m = features.shape
    total = np.zeros((m, m))
    for stratum in np.unique(strata):
        rows = features[strata == stratum]
        centred = rows - rows.mean(axis=0)
        total += centred.T @ centred
    return total / n ** 2


def top_share(spend: np.ndarray, top: float = 0.2) -> float:
    """Share of total spend from the ``top`` share of customers (the 80/20 figure)."""
    spend = np.sort(np.asarray(spend, float))[::-1]
    k = max(1, round(top * spend.size))
    total = spend.sum()
    return float(spend[:k].sum() / total) if total > 0 else float("nan")
