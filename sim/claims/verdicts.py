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
VERDICTS = ("holds", "fails", "conditional", "inconclusive")

#: "Mostly inside": the share of a confidence interval's length that must lie inside a
#: published range for a finding to hold against it.
MOSTLY = 0.5

#: Replications beyond which a search for "replications needed" gives up (reported as inf).
MAX_REPLICATIONS = 1_000_000


#: Columns of ``claims.csv`` (the first seven are the interface; then the conditions the
#: row was measured under, its replications, those an inconclusive row would need to be
#: decided at its observed mean and s.d., and the rule in words).
CSV_COLUMNS = ("claim", "source", "metric", "value", "ci_low", "ci_high", "verdict",
               "conditions", "replications", "replications_needed", "rule")


# --------------------------------------------------------------------------- verdict rules
@dataclass(frozen=True)
class Rule:
    """A verdict computed from a metric's estimate and 95 % confidence interval, by a rule
    that fewer replications cannot game (a wider interval never makes a verdict easier):

    * ``"above"``: holds if the whole interval lies above ``low``; fails if it lies wholly
      below (the opposite is shown); inconclusive if it contains ``low``;
    * ``"below"``: the mirror image, with ``high``;
    * ``"within"`` (a published range ``[low, high]``): holds if the estimate lies in the
      range *and* at least :data:`MOSTLY` of the interval's length lies inside it;
      otherwise inconclusive if the interval covers the whole range (too wide to tell);
      otherwise fails (the estimate lies outside and the interval excludes part of the
      range).
    """

    kind: str
    low: float = -math.inf
    high: float = math.inf

    def __call__(self, value: float, ci_low: float, ci_high: float) -> str:
        """``"holds"``, ``"fails"`` or ``"inconclusive"`` (``fails`` if any is NaN)."""
        if not all(np.isfinite([value, ci_low, ci_high])):
            return "fails"
        if self.kind == "above":
            return "holds" if ci_low > self.low else (
                "fails" if ci_high < self.low else "inconclusive")
        if self.kind == "below":
            return "holds" if ci_high < self.high else (
                "fails" if ci_low > self.high else "inconclusive")
        if self.kind == "within":
            if self.low <= value <= self.high and inside_share(
                    ci_low, ci_high, self.low, self.high) >= MOSTLY:
                return "holds"
            return "inconclusive" if ci_low <= self.low and ci_high >= self.high else "fails"
        raise ValueError(f"unknown rule kind {self.kind!r}")  # pragma: no cover

    def describe(self) -> str:
        """The rule in words, for the report."""
        if self.kind == "above":
            return (f"holds if the 95 % CI lies above {self.low:g}, fails if below, else "
                    "inconclusive")
        if self.kind == "below":
            return (f"holds if the 95 % CI lies below {self.high:g}, fails if above, else "
                    "inconclusive")
        return (f"holds if the estimate lies in [{self.low:g}, {self.high:g}] and at least "
                f"{MOSTLY:.0%} of the 95 % CI's length inside it; inconclusive if the CI "
                "covers the whole range; else fails")


def inside_share(ci_low: float, ci_high: float, low: float, high: float) -> float:
    """Share of the interval ``[ci_low, ci_high]``'s length inside ``[low, high]`` (a
    point interval counts as wholly inside or outside)."""
    width = ci_high - ci_low
    if width <= 0:
        return float(low <= ci_low <= high)
    return max(0.0, min(ci_high, high) - max(ci_low, low)) / width


def above(threshold: float = 0.0) -> Rule:
    """Rule: the interval lies above ``threshold``."""
    return Rule("above", low=threshold)


def below(threshold: float = 0.0) -> Rule:
    """Rule: the interval lies below ``threshold``."""
    return Rule("below", high=threshold)


def within(low: float, high: float) -> Rule:
    """Rule: the estimate and most of its interval lie in the published range
    ``[low, high]``."""
    return Rule("within", low=low, high=high)


def combine(verdicts: Sequence[str]) -> str:
    """A claim's verdict from its tests: *holds* if all hold; if none holds, *fails* if
    any fails, else *inconclusive*; otherwise *conditional*."""
    if verdicts and all(v == "holds" for v in verdicts):
        return "holds"
    if not any(v == "holds" for v in verdicts):
        return "fails" if any(v == "fails" for v in verdicts) else "inconclusive"
    return "conditional"


def replications_needed(rule: Rule, value: float, interval_at: Callable[[int], tuple[float,
                        float]], start: int) -> float:
    """The fewest replications (more than ``start``) at which ``rule`` would give a
    decisive verdict, if the estimate stayed at ``value`` and the interval at ``n``
    replications were ``interval_at(n)``; ``inf`` beyond :data:`MAX_REPLICATIONS`."""
    def decided(n: int) -> bool:
        lo, hi = interval_at(n)
        return rule(value, lo, hi) != "inconclusive"

    hi = max(start + 1, 2)
    while not decided(hi):
        if hi >= MAX_REPLICATIONS:
            return math.inf
        hi = min(2 * hi, MAX_REPLICATIONS)
    lo = max(start + 1, 2)
    while lo < hi:  # the interval shrinks as n grows: bisect for the first decided n
        mid = (lo + hi) // 2
        if decided(mid):
            hi = mid
        else:
            lo = mid + 1
    return float(hi)


def t_interval_at(mean: float, sd: float, confidence: float = 0.95
                  ) -> Callable[[int], tuple[float, float]]:
    """The Student-t interval around ``mean`` with s.d. ``sd`` as a function of n."""
    def at(n: int) -> tuple[float, float]:
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
        return (mean - half, mean + half)
    return at


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
    replications: int = 0
    #: Replications an inconclusive finding would need to be decided (NaN otherwise).
    replications_needed: float = math.nan

    def as_row(self) -> dict[str, Any]:
        """The finding as a table row (the rule in words)."""
        row = {k: getattr(self, k) for k in CSV_COLUMNS if k != "rule"}
        row["rule"] = self.rule.describe() if self.rule else (
            "holds if all tests hold; if none holds, fails if any fails, else inconclusive; "
            "otherwise conditional")
        return row


def finding(claim: Claim, metric: str, values: Sequence[float] | np.ndarray, rule: Rule,
            conditions: str) -> Finding:
    """Summarise per-replication ``values`` as mean and t-interval and apply ``rule``;
    an inconclusive finding gets the replications it would need."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    mean, low, high = mean_ci(values)
    verdict = rule(mean, low, high)
    needed = math.nan
    if verdict == "inconclusive" and values.size >= 2:
        needed = replications_needed(rule, mean, t_interval_at(mean, float(values.std(ddof=1))),
                                     values.size)
    return Finding(claim.key, claim.source, metric, mean, low, high, verdict, conditions, rule,
                   int(values.size), needed)


def interval_finding(claim: Claim, metric: str, mean: float, low: float, high: float, n: int,
                     rule: Rule, conditions: str) -> Finding:
    """A finding from a mean and its Student-t interval over ``n`` replications computed
    elsewhere (e.g. crossover steps); the s.d. for "replications needed" is read back
    from the interval's width."""
    verdict = rule(mean, low, high)
    needed = math.nan
    if verdict == "inconclusive" and n >= 2:
        sd = (high - low) / 2 * math.sqrt(n) / stats.t.ppf(0.975, n - 1)
        needed = replications_needed(rule, mean, t_interval_at(mean, sd), n)
    return Finding(claim.key, claim.source, metric, mean, low, high, verdict, conditions, rule,
                   n, needed)


def share_finding(claim: Claim, metric: str, successes: int, n: int, rule: Rule,
                  conditions: str) -> Finding:
    """A share over ``n`` replications with its Wilson interval, judged by ``rule``."""
    p, low, high = proportion_ci(successes, n)
    verdict = rule(p, low, high)
    needed = math.nan
    if verdict == "inconclusive":
        needed = replications_needed(rule, p, lambda m: proportion_ci(p * m, m)[1:], n)
    return Finding(claim.key, claim.source, metric, p, low, high, verdict, conditions, rule,
                   n, needed)


def proportion_ci(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float,
                                                                              float]:
    """Share with a Wilson score interval (Wilson 1927)."""
    if n == 0:
        return (np.nan, np.nan, np.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (p, centre - half, centre + half)


def difference_ci(s1: float, n1: int, s2: float, n2: int,
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


def difference_finding(claim: Claim, metric: str, s1: int, n1: int, s2: int, n2: int,
                       rule: Rule, conditions: str) -> Finding:
    """The difference of two shares with Newcombe's interval, judged by ``rule``."""
    d, low, high = difference_ci(s1, n1, s2, n2)
    verdict = rule(d, low, high)
    needed = math.nan
    if verdict == "inconclusive":
        p1, p2 = s1 / n1, s2 / n2
        needed = replications_needed(rule, d, lambda m: difference_ci(p1 * m, m, p2 * m, m)[1:],
                                     min(n1, n2))
    return Finding(claim.key, claim.source, metric, d, low, high, verdict, conditions, rule,
                   min(n1, n2), needed)


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
