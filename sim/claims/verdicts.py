"""The vocabulary of the claims report: a claim, its findings, and the rules that turn
a metric's mean and confidence interval into a verdict.

Nothing here hard-codes an outcome: every verdict is computed from simulated numbers by
a stated :class:`Rule`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from sim.experiment import mean_ci

#: The verdicts a finding or a claim can have.
VERDICTS = ("holds", "fails", "conditional")


#: Columns of ``claims.csv`` (the first seven are the interface; ``conditions`` explains).
CSV_COLUMNS = ("claim", "source", "metric", "value", "ci_low", "ci_high", "verdict",
               "conditions")


# --------------------------------------------------------------------------- verdict rules
@dataclass(frozen=True)
class Rule:
    """A verdict computed from a metric's mean and 95 % confidence interval.

    ``kind`` is one of ``"above"`` (holds if the whole interval lies above ``low``),
    ``"below"`` (holds if it lies below ``high``) or ``"overlaps"`` (holds if the interval
    meets ``[low, high]``; used to compare with a published range).
    """

    kind: str
    low: float = -math.inf
    high: float = math.inf

    def __call__(self, value: float, ci_low: float, ci_high: float) -> str:
        """``"holds"`` or ``"fails"`` for these numbers (``fails`` if they are NaN)."""
        if not all(np.isfinite([value, ci_low, ci_high])):
            return "fails"
        if self.kind == "above":
            ok = ci_low > self.low
        elif self.kind == "below":
            ok = ci_high < self.high
        elif self.kind == "overlaps":
            ok = ci_high >= self.low and ci_low <= self.high
        else:  # pragma: no cover - a programming error, not a user input
            raise ValueError(f"unknown rule kind {self.kind!r}")
        return "holds" if ok else "fails"

    def reversed(self, value: float, ci_low: float, ci_high: float) -> bool:
        """Whether a failing interval lies wholly on the wrong side (the opposite is shown),
        rather than merely including the threshold (nothing is shown)."""
        if self.kind == "above":
            return bool(ci_high < self.low)
        if self.kind == "below":
            return bool(ci_low > self.high)
        return bool(ci_high < self.low or ci_low > self.high)

    def describe(self) -> str:
        """The rule in words, for the report."""
        if self.kind == "above":
            return f"holds if the 95 % CI lies above {self.low:g}"
        if self.kind == "below":
            return f"holds if the 95 % CI lies below {self.high:g}"
        return f"holds if the 95 % CI meets [{self.low:g}, {self.high:g}]"


def above(threshold: float = 0.0) -> Rule:
    """Rule: the interval lies above ``threshold``."""
    return Rule("above", low=threshold)


def below(threshold: float = 0.0) -> Rule:
    """Rule: the interval lies below ``threshold``."""
    return Rule("below", high=threshold)


def overlaps(low: float, high: float) -> Rule:
    """Rule: the interval meets the published range ``[low, high]``."""
    return Rule("overlaps", low=low, high=high)


def combine(verdicts: Sequence[str]) -> str:
    """A claim's verdict from its tests: all hold, none holds, or some do."""
    held = [v == "holds" for v in verdicts]
    if held and all(held):
        return "holds"
    if not any(held):
        return "fails"
    return "conditional"


# --------------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Finding:
    """One row of the claims table: a metric, its value with CI, and its verdict."""

    claim: str
    source: str
    metric: str
    value: float
    ci_low: float
    ci_high: float
    verdict: str
    conditions: str = ""
    rule: Rule | None = None  #: the rule that computed the verdict (None: the claim's row)

    def as_row(self) -> dict[str, Any]:
        """The finding as a table row (the rule in words)."""
        row = {k: getattr(self, k) for k in CSV_COLUMNS}
        row["rule"] = self.rule.describe() if self.rule else (
            "holds if all tests hold, fails if none, else conditional")
        return row


def finding(claim: Claim, metric: str, values: Sequence[float] | np.ndarray, rule: Rule,
            conditions: str) -> Finding:
    """Summarise per-replication ``values`` as mean and t-interval and apply ``rule``."""
    mean, low, high = mean_ci(np.asarray(values, dtype=float))
    return Finding(claim.key, claim.source, metric, mean, low, high, rule(mean, low, high),
                   conditions, rule)


def proportion_ci(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float,
                                                                            float]:
    """Share with a Wilson score interval (Wilson 1927)."""
    if n == 0:
        return (np.nan, np.nan, np.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (p, centre - half, centre + half)


def difference_ci(s1: int, n1: int, s2: int, n2: int,
                  confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference of two shares with Newcombe's hybrid Wilson interval.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions. Statistics in Medicine 17, 873-890 (method 10).
    """
    p1, l1, u1 = proportion_ci(s1, n1, confidence)
    p2, l2, u2 = proportion_ci(s2, n2, confidence)
    d = p1 - p2
    return (d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


# --------------------------------------------------------------------------- claims
@dataclass
class ClaimResult:
    """What evaluating a claim gives: its rows and the figures that illustrate it."""

    findings: list[Finding]
    figures: dict[str, plt.Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    """A seed's claim and how the simulation tests it."""

    key: str
    statement: str
    source: str
    scenarios: tuple[str, ...]
    #: Runs the claim's scenarios with a :class:`~sim.claims.runner.ClaimRunner`.
    evaluate: Callable[[Claim, Any], ClaimResult]
