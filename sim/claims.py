"""The seeds' claims as experiments, and the report that says where each one holds.

Each :class:`Claim` names the seed idea it comes from (MODEL.md sections 1 and 3), the
scenario files that test it, and a function that runs them (with replications, through
:func:`sim.experiment.run`) and turns the collected tables into :class:`Finding` rows: a
metric, its mean with a 95 % confidence interval over replications, and a verdict that a
stated :class:`Rule` computes from those numbers. Nothing here hard-codes an outcome, and
firms are told apart by their levers (who discounts, who plugs holes), never by the name
of their strategy.

A claim's own verdict combines its rows: ``holds`` if every test holds, ``fails`` if none
does, ``conditional`` otherwise — with the conditions (the scenario settings under which
the tests held and failed) written next to it.

``trustmarket claims [--out DIR] [--quick]`` runs them all (see :func:`cmd_claims`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment import Results, mean_ci, run
from sim.report import leaky_bucket_figure, profit_figure, trust_ladder_figure
from sim.scenario import HOLE_LEVER, CustomerSpec, Levers, Scenario, load_scenario

#: The scenario files shipped with the package.
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
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


# --------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Size:
    """How large the claims' runs are: a share of each file's customers, and replications.

    ``replications=None`` keeps each file's ``run.replications``; run lengths are never
    shortened because several claims are about horizons.
    """

    customer_share: float = 1.0
    replications: int | None = None


FULL = Size()
#: ``--quick``: a fifth of the customers and four replications (adaptive claims use more).
QUICK = Size(customer_share=0.2, replications=4)


def shrink(scenario: Scenario, share: float) -> Scenario:
    """The scenario with ``share`` of its initial customers and arrivals (at least 50
    customers; arrivals stay positive if they were)."""
    if share >= 1.0:
        return scenario
    c = scenario.customers
    n = max(50, round(c.n_initial * share))
    arrivals = round(c.arrivals_per_step * share)
    if c.arrivals_per_step > 0:
        arrivals = max(1, arrivals)
    degree = scenario.network.mean_degree
    overrides: dict[str, Any] = {"customers.n_initial": n, "customers.arrivals_per_step": arrivals}
    if scenario.network.kind in ("watts_strogatz", "erdos_renyi", "barabasi_albert"):
        overrides["network.mean_degree"] = min(degree, 2 * ((n - 1) // 2))
    return scenario.with_overrides(overrides)


class ClaimRunner:
    """Loads, sizes and runs scenarios for the claims, caching each run's :class:`Results`.

    Parameters
    ----------
    scenario_dir
        Where the scenario files are.
    size
        :data:`FULL` or :data:`QUICK` (or any :class:`Size`).
    workers
        Worker processes per run (results do not depend on it).
    """

    def __init__(self, scenario_dir: Path = SCENARIO_DIR, size: Size = FULL, workers: int = 1,
                 log: Callable[[str], None] | None = None):
        self.scenario_dir = Path(scenario_dir)
        self.size = size
        self.workers = workers
        self.log = log or (lambda _msg: None)
        self._cache: dict[tuple[str, str], Results] = {}

    def scenario(self, name: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
        """The sized scenario ``scenario_dir/name.toml`` with ``overrides`` applied."""
        s = shrink(load_scenario(self.scenario_dir / f"{name}.toml"), self.size.customer_share)
        return s.with_overrides(overrides) if overrides else s

    def replications(self, scenario: Scenario, minimum: int = 1) -> int:
        """Replications for a run: the size's (or the file's), but at least ``minimum``."""
        n = self.size.replications or scenario.run.replications
        return max(n, minimum) if self.size.replications else n

    def results(self, name: str, overrides: Mapping[str, Any] | None = None,
                minimum_replications: int = 1) -> Results:
        """Run (or fetch from the cache) a sized scenario with overrides."""
        key = (name, repr(sorted((overrides or {}).items())))
        if key not in self._cache:
            s = self.scenario(name, overrides)
            n = self.replications(s, minimum_replications)
            start = time.perf_counter()
            self._cache[key] = run(s, replications=n, workers=self.workers)
            what = ", ".join(f"{k}={v}" for k, v in (overrides or {}).items())
            what = what if len(what) < 80 else what[:77] + "..."
            self.log(f"  ran {name} [{what}]: {n} x {s.run.steps} steps, "
                     f"{s.customers.n_initial} customers ({time.perf_counter() - start:.1f} s)")
        return self._cache[key]


# --------------------------------------------------------------------------- table helpers
def firm_table(results: Results) -> pd.DataFrame:
    """Per replication and firm: totals and final values (:meth:`Results.per_replication`)."""
    return results.per_replication()


def by_firm(results: Results, column: str) -> pd.DataFrame:
    """Wide table: one row per replication, one column per firm, of a per-replication
    value."""
    return firm_table(results).pivot(index="replication", columns="firm", values=column)


def discount_intensity(levers: Levers) -> float:
    """Share of list price given back on average: promotions (depth x time on) plus points."""
    on = levers.discount_duration / levers.discount_period if levers.discount_depth > 0 else 0.0
    return levers.discount_depth * on + levers.points_rate


def hole_plugging(levers: Levers) -> float:
    """Mean of the levers that plug the leaky bucket's holes."""
    return float(np.mean([getattr(levers, lever) for lever in set(HOLE_LEVER.values())]))


def ranked_firms(scenario: Scenario, score: Callable[[Levers], float]) -> tuple[str, str]:
    """Names of the firms with the lowest and the highest ``score`` of their levers."""
    firms = sorted(scenario.firms, key=lambda f: score(f.levers))
    return firms[0].name, firms[-1].name


def discounter_and_builder(scenario: Scenario) -> tuple[str, str]:
    """The firm that discounts most and the one that invests most in plugging holes."""
    return (ranked_firms(scenario, discount_intensity)[1],
            ranked_firms(scenario, hole_plugging)[1])


def window(results: Results, steps: int) -> pd.DataFrame:
    """Firm time series of the last ``steps`` steps."""
    ts = results.timeseries
    return ts[ts["step"] > ts["step"].max() - steps]


def defection_rate(results: Results, steps: int) -> pd.DataFrame:
    """Per replication and firm, over the last ``steps`` steps: customers lost per active
    customer and step, counting both churn and customers who left the market.

    People leaving the market are not booked as churn, so they are recovered from the
    stock-flow identity ``active[t] = active[t-1] + new[t] - churned[t] - exits[t]``.
    """
    ts = results.timeseries.sort_values(["replication", "firm", "step"])
    prev = ts.groupby(["replication", "firm"])["active_customers"].shift(1)
    exits = (prev + ts["new_customers"] - ts["churned"] - ts["active_customers"]).clip(lower=0)
    ts = ts.assign(prev_active=prev, exits=exits)
    last = ts[ts["step"] > ts["step"].max() - steps]
    g = last.groupby(["replication", "firm"])
    out = pd.DataFrame({
        "lost": g["churned"].sum() + g["exits"].sum(),
        "exposure": g["prev_active"].sum(),
        "inflow": g["new_customers"].mean(),
        "profit": g["profit"].mean(),
        "active": g["active_customers"].last(),
    })
    out["rate"] = out["lost"] / out["exposure"].clip(lower=1)
    return out.reset_index()


def _steps_label(s: Scenario) -> str:
    years = s.run.steps / s.market.steps_per_year
    return f"{s.run.steps} steps ({years:g} years)"


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
    evaluate: Callable[[Claim, ClaimRunner], ClaimResult]


def _headline(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    res = runner.results("bribery_vs_trust")
    s = res.scenario
    briber, builder = discounter_and_builder(s)
    profit = by_firm(res, "cumulative_profit")
    cond = f"bribery_vs_trust, {_steps_label(s)}"
    rows = [finding(claim, f"cumulative profit, trust builder minus discounter, after "
                    f"{s.run.steps} steps (money)", profit[builder] - profit[briber],
                    above(0), cond)]
    cross = res.crossovers()
    hit = cross[(cross["leader"] == briber) & (cross["challenger"] == builder)]
    # The crossover must happen within the run: its CI lies below the run length.
    rule = below(s.run.steps)
    if hit.empty:
        step, low, high, crossed = np.nan, np.nan, np.nan, 0
    else:
        h = hit.iloc[0]
        step, low, high = (float(h["crossover_step_mean"]), float(h["crossover_step_ci_low"]),
                           float(h["crossover_step_ci_high"]))
        crossed = int(h["crossed"])
    rows.append(Finding(claim.key, claim.source, "crossover step: the trust builder's "
                        "cumulative profit overtakes the discounter's for good", step, low,
                        high, rule(step, low, high), f"{cond}; overtook in {crossed}/"
                        f"{len(res.replications)} replications", rule))
    fig = profit_figure(res.timeseries, s.market.steps_per_year, "bribery_vs_trust")
    return ClaimResult(rows, {"profit": fig})


def _tactical(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    # A 26-step run is cheap: even the quick report can afford the file's replications.
    res = runner.results("tactical_discount", minimum_replications=CHEAP_MIN_REPLICATIONS)
    s = res.scenario
    briber, builder = discounter_and_builder(s)
    npv = by_firm(res, "npv")
    c = s.customers
    cond = (f"tactical_discount, {_steps_label(s)}, {s.market.annual_discount_rate:.0%}/year "
            f"discounting, {c.exit_probability:g}/step of people leave the market")
    rows = [finding(claim, "NPV, discounter minus trust builder (money)",
                    npv[briber] - npv[builder], above(0), cond)]
    fig = profit_figure(res.timeseries, s.market.steps_per_year, "tactical_discount")
    return ClaimResult(rows, {"profit": fig})


#: Replications the quick report still runs for claims whose runs are short.
CHEAP_MIN_REPLICATIONS = 12
#: Weekly probabilities of leaving the market in the turnover sweep of :func:`_conditions`.
TURNOVER_GRID = (0.0, 0.005, 0.01, 0.02, 0.04)
#: Horizons (in steps) at which the headline's cumulative profits are compared.
HORIZON_GRID = (26, 52, 104, 208, 520)


def _conditions(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    """Trust's advantage across horizons (from the headline run) and population turnover."""
    base = runner.results("bribery_vs_trust")
    s = base.scenario
    briber, builder = discounter_and_builder(s)
    ts = base.timeseries
    wide = ts.pivot_table(index=["replication", "step"], columns="firm",
                          values="cumulative_profit")
    adv = (wide[builder] - wide[briber]).unstack("step")
    rows = []
    horizons = sorted({h for h in HORIZON_GRID if h < s.run.steps} | {s.run.steps})
    for h in horizons:
        rows.append(finding(claim, f"cumulative profit, trust builder minus discounter, "
                            f"after {h} steps (money)", adv[h].to_numpy(), above(0),
                            f"bribery_vs_trust market, horizon {h} steps, no turnover"))
    sweep = []
    for p in TURNOVER_GRID[1:]:
        arrivals = round(s.customers.n_initial * p)
        res = runner.results("bribery_vs_trust", {"customers.exit_probability": p,
                                                  "customers.arrivals_per_step": arrivals})
        profit = by_firm(res, "cumulative_profit")
        f = finding(claim, f"cumulative profit, trust builder minus discounter, after "
                    f"{s.run.steps} steps, with {p:g}/step leaving the market (money)",
                    profit[builder] - profit[briber], above(0),
                    f"bribery_vs_trust market, horizon {s.run.steps} steps, "
                    f"{1 - (1 - p) ** s.market.steps_per_year:.0%}/year of people replaced")
        rows.append(f)
        sweep.append((p, f))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    mean = adv.mean(axis=0)
    half = stats.t.ppf(0.975, max(len(adv) - 1, 1)) * adv.std(axis=0, ddof=1) / np.sqrt(
        len(adv))
    years = mean.index / s.market.steps_per_year
    ax1.plot(years, mean, color="C2")
    ax1.fill_between(years, mean - half, mean + half, color="C2", alpha=0.25)
    ax1.axhline(0, color="grey", lw=0.8)
    ax1.set(title="Trust builder minus discounter: cumulative profit by horizon",
            xlabel="horizon (years)", ylabel="money")
    headline_end = rows[len(horizons) - 1]  # the full-length run without turnover
    points = [(0.0, headline_end), *sweep]
    ax2.errorbar([p for p, _ in points], [f.value for _, f in points],
                 yerr=[[f.value - f.ci_low for _, f in points],
                       [f.ci_high - f.value for _, f in points]], fmt="o-", capsize=4)
    ax2.axhline(0, color="grey", lw=0.8)
    ax2.set(title=f"... after {s.run.steps} steps, by population turnover",
            xlabel="probability of leaving the market per step", ylabel="money")
    fig.tight_layout()
    return ClaimResult(rows, {"conditions": fig})


def _leaky_bucket(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    res = runner.results("leaky_bucket")
    s = res.scenario
    leaky, plugged = ranked_firms(s, hole_plugging)
    per = firm_table(res).set_index(["replication", "firm"])
    ts = res.timeseries
    exposure = ts.groupby(["replication", "firm"])["active_customers"].sum()
    per_customer = per[["acquisition_cost", "revenue"]].div(exposure.clip(lower=1), axis=0)
    rate = per["churn_rate"].unstack("firm")
    pc = per_customer.unstack("firm")
    cond = f"leaky_bucket, {_steps_label(s)}"
    rows = [
        finding(claim, "churn per active customer and step, leaky minus plugged",
                rate[leaky] - rate[plugged], above(0), cond),
        finding(claim, "acquisition spend per active customer and step, leaky minus plugged "
                "(money)", pc["acquisition_cost"][leaky] - pc["acquisition_cost"][plugged],
                above(0), cond),
        finding(claim, "revenue per active customer and step (customer quality), plugged "
                "minus leaky (money)", pc["revenue"][plugged] - pc["revenue"][leaky],
                above(0), cond),
    ]
    # Docking (MODEL.md section 3): the level of a bucket with inflow A and loss rate d
    # settles near A/d. Measured over the last year: level / (mean inflow / loss rate).
    year = s.market.steps_per_year
    d = defection_rate(res, year)
    d["ratio"] = d["active"] / (d["inflow"] / d["rate"].clip(lower=1e-9))
    for firm in (leaky, plugged):
        rows.append(finding(claim, f"docking: customer base / (inflow / loss rate) over the "
                            f"last year, {firm}", d.loc[d["firm"] == firm, "ratio"],
                            overlaps(0.8, 1.2), cond + " (A/d steady state within 20 %)"))
    fig = leaky_bucket_figure(ts, year, title="leaky_bucket")
    return ClaimResult(rows, {"bucket": fig})


def _price_war(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    war = runner.results("price_war")
    s = war.scenario
    peace = runner.results("price_war", {"market.price_response": 0.0})
    total_war = by_firm(war, "cumulative_profit").sum(axis=1)
    total_peace = by_firm(peace, "cumulative_profit").sum(axis=1)
    shallow = min(s.firms, key=lambda f: f.levers.discount_depth)
    ts = war.timeseries
    late = ts[(ts["firm"] == shallow.name)
              & (ts["step"] > ts["step"].max() - s.market.steps_per_year)]
    depth = late.groupby("replication")["discount_depth"].max() - shallow.levers.discount_depth
    cond = (f"price_war, {_steps_label(s)}, price_response {s.market.price_response:g} "
            "against 0 (same seeds)")
    rows = [
        finding(claim, "combined cumulative profit, responding minus non-responding market "
                "(money)", total_war - total_peace, below(0), cond),
        finding(claim, f"promotion depth of the shallower discounter ({shallow.name}) in the "
                "last year minus its starting depth", depth, above(0), cond),
    ]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    spy = s.market.steps_per_year
    for label, res, style in (("responding", war, "-"), ("not responding", peace, "--")):
        t = res.timeseries
        tot = t.groupby(["replication", "step"])["cumulative_profit"].sum().groupby(
            "step").mean()
        ax1.plot(tot.index / spy, tot, style, label=label)
        depth_now = t[t["discount_depth"] > 0].groupby(["firm", "step"])[
            "discount_depth"].mean()
        if label == "responding":
            for firm in depth_now.index.get_level_values("firm").unique():
                d = depth_now.loc[firm]
                ax2.plot(d.index / spy, d, ".", ms=2, label=firm)
    ax1.set(title="Combined cumulative profit", xlabel="years", ylabel="money")
    ax1.legend()
    ax2.set(title="Promotion depth when a promotion runs (responding market)",
            xlabel="years", ylabel="depth")
    ax2.legend()
    fig.tight_layout()
    return ClaimResult(rows, {"price_war": fig})


#: Adaptive claims need more replications than four to estimate a share.
ADAPTIVE_MIN_REPLICATIONS = 20


def non_discounting_alternative(scenario: Scenario, alternatives: Sequence[str]) -> str:
    """Of a firm's alternatives, the one that gives least back in discounts and points
    (ties: the one that plugs the holes most)."""
    return min(alternatives, key=lambda a: (discount_intensity(scenario.strategies[a]),
                                            -hole_plugging(scenario.strategies[a])))


def trust_counterfactual(scenario: Scenario) -> dict[str, Any]:
    """Overrides that fix every adaptive firm on its non-discounting alternative."""
    overrides: dict[str, Any] = {}
    for i, f in enumerate(scenario.firms):
        if f.adaptive is None:
            continue
        alt = non_discounting_alternative(scenario, f.adaptive.alternatives)
        overrides |= {f"firms.{i}.adaptive": None, f"firms.{i}.strategy": alt,
                      f"firms.{i}.levers": dataclasses.asdict(scenario.strategies[alt])}
    return overrides


def bribery_traps(results: Results, counterfactual: Results) -> pd.Series:
    """Per replication: did the market end in a bribery trap?

    A replication ends in a *bribery trap* when every adaptive firm ends the run on a
    discounting strategy (one whose levers give a positive :func:`discount_intensity`) and
    every adaptive firm's mean profit per step over the last year is below that firm's
    mean over the counterfactual runs in which all adaptive firms keep their
    non-discounting alternative from the start.
    """
    s = results.scenario
    adaptive = [f.name for f in s.firms if f.adaptive is not None]
    year = s.market.steps_per_year
    last = results.timeseries[results.timeseries["step"] == results.timeseries["step"].max()]
    on_discount = last.set_index(["replication", "firm"])["current_strategy"].map(
        lambda name: discount_intensity(s.strategies[name]) > 0).unstack("firm")[adaptive]
    profit = window(results, year).groupby(["replication", "firm"])["profit"].mean().unstack(
        "firm")[adaptive]
    reference = window(counterfactual, year).groupby("firm")["profit"].mean()[adaptive]
    return on_discount.all(axis=1) & (profit < reference).all(axis=1)


def _adaptive(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    base = runner.scenario("adaptive_firms")
    n_min = ADAPTIVE_MIN_REPLICATIONS
    counter = runner.results("adaptive_firms", trust_counterfactual(base), n_min)
    traps: dict[str, pd.Series] = {}
    runs: dict[str, Results] = {}
    for horizon in ("myopic", "far_sighted"):
        overrides = {f"firms.{i}.adaptive.horizon": horizon
                     for i, f in enumerate(base.firms) if f.adaptive is not None}
        runs[horizon] = runner.results("adaptive_firms", overrides, n_min)
        traps[horizon] = bribery_traps(runs[horizon], counter)
    cond = (f"adaptive_firms, {_steps_label(base)}, reviews every "
            f"{base.firms[0].adaptive.review_every if base.firms[0].adaptive else '-'} steps")
    rows = []
    # Myopic reviews: traps emerge at all; far-sighted ones: most replications avoid them.
    horizon_rules = {"myopic": above(0), "far_sighted": below(0.5)}
    for horizon, t in traps.items():
        p, lo, hi = proportion_ci(int(t.sum()), len(t))
        rule = horizon_rules[horizon]
        rows.append(Finding(claim.key, claim.source, f"share of replications ending in a "
                            f"bribery trap, {horizon.replace('_', '-')} reviewers", p, lo, hi,
                            rule(p, lo, hi), cond + f"; {int(t.sum())}/{len(t)} replications "
                            "(Wilson interval)", rule))
    m, f = traps["myopic"], traps["far_sighted"]
    d, lo, hi = difference_ci(int(m.sum()), len(m), int(f.sum()), len(f))
    rule = above(0)
    rows.append(Finding(claim.key, claim.source, "bribery-trap share, myopic minus "
                        "far-sighted", d, lo, hi, rule(d, lo, hi), cond + " (Newcombe interval)",
                        rule))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    labels = ["myopic", "far-sighted"]
    ax1.bar(labels, [r.value for r in rows[:2]],
            yerr=[[r.value - r.ci_low for r in rows[:2]], [r.ci_high - r.value for r in rows[:2]]],
            capsize=6, color=["C3", "C0"])
    ax1.set(title="Replications ending in a bribery trap (95 % CI)", ylabel="share",
            ylim=(0, 1))
    spy = base.market.steps_per_year
    for (horizon, res), colour in zip(runs.items(), ("C3", "C0"), strict=True):
        t = res.timeseries
        discounting = {name: discount_intensity(lv) > 0
                       for name, lv in res.scenario.strategies.items()}
        disc = t["current_strategy"].map(discounting)
        share = disc.groupby(t["step"]).mean()
        ax2.plot(share.index / spy, share, color=colour, label=horizon.replace("_", "-"))
    ax2.set(title="Share of firms on a discounting strategy", xlabel="years", ylabel="share",
            ylim=(0, 1))
    ax2.legend()
    fig.tight_layout()
    return ClaimResult(rows, {"adaptive": fig})


def _market_year(results: Results) -> pd.DataFrame:
    """Per replication, over the last year: transfers, active customers, members, profit."""
    last = window(results, results.scenario.market.steps_per_year)
    per_step = last.groupby(["replication", "step"])[
        ["churn_competitor_offer", "active_customers", "programme_members", "profit"]].sum()
    g = per_step.groupby("replication")
    return pd.DataFrame({
        "transfer": g["churn_competitor_offer"].sum() / g["active_customers"].mean(),
        "participation": g["programme_members"].mean() / g["active_customers"].mean(),
        "profit": g["profit"].sum(),
    })


def _loyalty(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    uk = runner.results("loyalty_programme_markets_uk")
    ch = runner.results("loyalty_programme_markets_ch")
    a, b = _market_year(uk), _market_year(ch)
    cond = (f"loyalty_programme_markets_uk vs _ch, {_steps_label(uk.scenario)}, "
            "last year, same seeds")
    rows = [finding(claim, "customer transfer rate per year, UK-like minus Swiss-like (seeds: "
                    "0.24 - 0.07 = 0.17)", a["transfer"] - b["transfer"], above(0), cond)]
    profit = mean_ci((a["profit"] - b["profit"]).to_numpy())
    notes = [f"Calibration check, programme participation: UK-like {a['participation'].mean():.2f}"
             f", Swiss-like {b['participation'].mean():.2f} (seeds: 0.83, 0.15). Transfer rate "
             f"per year: UK-like {a['transfer'].mean():.2f}, Swiss-like "
             f"{b['transfer'].mean():.2f} (seeds: 0.24, 0.07). Profit in the last year, "
             f"UK-like minus Swiss-like: {profit[0]:,.0f} [{profit[1]:,.0f}, {profit[2]:,.0f}] "
             "(the points cost money)."]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(2)
    for k, (label, d) in enumerate((("UK-like", a), ("Swiss-like", b))):
        ax.bar(x + 0.38 * k, [d["participation"].mean(), d["transfer"].mean()], 0.38,
               label=label)
    ax.scatter(x, [0.83, 0.24], marker="_", s=400, color="k", label="seeds: UK")
    ax.scatter(x + 0.38, [0.15, 0.07], marker="_", s=400, color="grey", label="seeds: CH")
    ax.set_xticks(x + 0.19, ["programme participation", "transfer rate / year"])
    ax.set(title="Loyalty-programme markets (simulated means; seeds' figures as bars)")
    ax.legend()
    fig.tight_layout()
    return ClaimResult(rows, {"loyalty": fig}, notes)


def _satisfied(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    res = runner.results("satisfied_but_gone")
    per = firm_table(res).groupby("replication")[["satisfied_churners", "churned"]].sum()
    share = per["satisfied_churners"] / per["churned"]
    cond = f"satisfied_but_gone, {_steps_label(res.scenario)}, all firms"
    rows = [finding(claim, "share of defectors whose last rating was satisfied or very "
                    "satisfied (Bain: 0.65-0.85)", share, overlaps(0.65, 0.85), cond)]
    fig = trust_ladder_figure(res.timeseries, res.scenario.market.steps_per_year,
                              "satisfied_but_gone")
    return ClaimResult(rows, {"trust_ladder": fig})


def _spurious(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    res = runner.results("spurious_loyalty")
    per = firm_table(res)
    main = per.groupby("firm")["purchases"].mean().idxmax()
    p = per[per["firm"] == main].set_index("replication")
    repeat = 1 - p["new_customers"] / p["purchases"]
    attached = (p["stage_emotional"] + p["stage_behavioural"]) / p["active_customers"]
    cond = f"spurious_loyalty, {_steps_label(res.scenario)}, the main supplier ({main})"
    rows = [
        finding(claim, "repeat-purchase rate (1 - first purchases / purchases)", repeat,
                above(0.8), cond),
        finding(claim, "share of its active customers with emotional or behavioural trust",
                attached, below(0.5), cond),
    ]
    fig = trust_ladder_figure(res.timeseries, res.scenario.market.steps_per_year,
                              "spurious_loyalty")
    return ClaimResult(rows, {"trust_ladder": fig})


def _cognitive_share(results: Results) -> pd.DataFrame:
    p = firm_table(results)
    p["cognitive_or_more"] = (p["stage_cognitive"] + p["stage_emotional"]
                              + p["stage_behavioural"]) / p["active_customers"]
    return p.pivot(index="replication", columns="firm", values="cognitive_or_more")


def _needs_drift(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    fast = runner.results("needs_drift")
    s = fast.scenario
    default_drift = CustomerSpec().need_drift
    slow = runner.results("needs_drift", {"customers.need_drift": default_drift})
    standard, tailor = ranked_firms(s, lambda lv: lv.personalisation)
    rows = []
    for res, drift in ((fast, s.customers.need_drift), (slow, default_drift)):
        share = _cognitive_share(res)
        rows.append(finding(claim, f"share of active customers with cognitive trust or more, "
                            f"personalising minus standard firm (need drift {drift:g}/step)",
                            share[tailor] - share[standard], above(0),
                            f"needs_drift, {_steps_label(s)}, need_drift {drift:g}"))
    rate = by_firm(fast, "churn_needs_moved") / fast.timeseries.groupby(
        ["replication", "firm"])["active_customers"].sum().unstack("firm")
    rows.append(finding(claim, f"churn through moved needs per active customer and step, "
                        f"standard minus personalising firm (need drift "
                        f"{s.customers.need_drift:g}/step)", rate[standard] - rate[tailor],
                        above(0), f"needs_drift, {_steps_label(s)}"))
    fig = trust_ladder_figure(fast.timeseries, s.market.steps_per_year, "needs_drift")
    return ClaimResult(rows, {"trust_ladder": fig})


#: Complaint probabilities of the service-recovery claim: the file's and a complaining one.
COMPLAINING = 0.4


def _service_recovery(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    rare = runner.results("service_recovery")
    s = rare.scenario
    often = runner.results("service_recovery", {"customers.complaint_probability": COMPLAINING})
    shrug, fix = ranked_firms(s, lambda lv: lv.recovery)
    rows = []
    churn_means = {}
    for res, p in ((rare, s.customers.complaint_probability), (often, COMPLAINING)):
        cond = f"service_recovery, {_steps_label(s)}, complaint probability {p:g}"
        rate = by_firm(res, "churn_rate")
        profit = by_firm(res, "cumulative_profit")
        churn_means[p] = rate.mean()
        rows.append(finding(claim, f"churn per active customer and step, no-recovery minus "
                            f"recovering firm (complaint probability {p:g})",
                            rate[shrug] - rate[fix], above(0), cond))
        rows.append(finding(claim, f"cumulative profit, recovering minus no-recovery firm "
                            f"(complaint probability {p:g}) (money)", profit[fix] - profit[shrug],
                            above(0), cond))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    x = np.arange(len(churn_means))
    for k, firm in enumerate((shrug, fix)):
        ax.bar(x + 0.38 * k, [m[firm] for m in churn_means.values()], 0.38, label=firm)
    ax.set_xticks(x + 0.19, [f"complaint probability {p:g}" for p in churn_means])
    ax.set(title="Churn per active customer and step", ylabel="share")
    ax.legend()
    fig.tight_layout()
    return ClaimResult(rows, {"churn": fig})


#: Percentage points of yearly retention the retention claim adds (Reichheld & Sasser: 5).
RETENTION_POINTS = 5.0


def _retention(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    base = runner.results("retention_to_profit")
    s = base.scenario
    spy = s.market.steps_per_year
    p0 = s.customers.exit_probability
    stay = (1 - p0) ** spy + RETENTION_POINTS / 100
    p1 = 1 - stay ** (1 / spy)
    more = runner.results("retention_to_profit", {"customers.exit_probability": p1})
    span = 2 * spy
    a = defection_rate(base, span).groupby("replication")[["lost", "exposure", "profit"]].sum()
    b = defection_rate(more, span).groupby("replication")[["lost", "exposure", "profit"]].sum()
    ret_a = (1 - a["lost"] / a["exposure"]) ** spy
    ret_b = (1 - b["lost"] / b["exposure"]) ** spy
    points = 100 * (ret_b - ret_a)
    rise = 100 * (b["profit"] / a["profit"] - 1)
    cond = (f"retention_to_profit, last {span} steps, exit probability {p0:g} vs {p1:.5f}/step "
            "(same seeds)")
    rows = [finding(claim, "profit rise per 5 points of measured retention (%) (Reichheld & "
                    "Sasser: 25-85)", rise * RETENTION_POINTS / points, overlaps(25, 85), cond)]
    gain = mean_ci(points.to_numpy())
    notes = [f"Measured yearly retention rose by {gain[0]:.2f} points [95 % CI {gain[1]:.2f}, "
             f"{gain[2]:.2f}] (from {ret_a.mean():.1%} to {ret_b.mean():.1%}): customers kept "
             "from leaving the market partly leave the firm in other ways; the profit rise is "
             "scaled to five points of the measured change."]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.bar(["base", f"+{RETENTION_POINTS:g} points from exits"],
           [a["profit"].mean() / span, b["profit"].mean() / span], color=["C7", "C2"])
    ax.set(title=f"Profit per step over the last {span} steps "
           f"(retention {ret_a.mean():.0%} vs {ret_b.mean():.0%})", ylabel="money/step")
    fig.tight_layout()
    return ClaimResult(rows, {"profit": fig}, notes)


CLAIMS: tuple[Claim, ...] = (
    Claim("trust_beats_bribery", "Trust building out-earns discount bribery in the long "
          "run; the trust builder's cumulative profit overtakes the discounter's",
          "customer bribery does not build trust; economics of trust (Sasser: trust, not "
          "market share, goes with high profit)", ("bribery_vs_trust",), _headline),
    Claim("tactical_discount_pays", "Discounting pays for clearance, perishables and short "
          "horizons", "discounts are legitimate for clearance, fast payback, seasonal change, "
          "perishables", ("tactical_discount",), _tactical),
    Claim("bribery_loses_everywhere", "Customer bribery loses profit against trust building "
          "whatever the horizon and the turnover of customers",
          "long-term promotion leads to a disguised price war and lost profit",
          ("bribery_vs_trust",), _conditions),
    Claim("leaky_bucket", "Plugging the holes keeps customers for less than pouring new ones "
          "in, and raises customer quality", "the leaky bucket (Prof. Daniel Charmich); "
          "docking: steady base A/d", ("leaky_bucket",), _leaky_bucket),
    Claim("price_war", "Long-term promotion with competitors answering each other's prices "
          "becomes a price war that destroys profit", "disguised price war (the colour-TV "
          "industry)", ("price_war",), _price_war),
    Claim("adaptive_trap", "Myopic reviewers fall into a bribery trap that far-sighted "
          "reviewers avoid", "adaptive firms; long-term promotion as a price war; Sasser: "
          "trust, not market share, goes with profit", ("adaptive_firms",), _adaptive),
    Claim("programme_transfer", "Markets where more customers join loyalty programmes have "
          "more customer transfer, not less (UK 83 %/24 % vs Switzerland 15 %/7 %)",
          "customer bribery: loyalty-programme points do not build loyalty",
          ("loyalty_programme_markets_uk", "loyalty_programme_markets_ch"), _loyalty),
    Claim("satisfied_but_gone", "Most defectors were satisfied: 65-85 % of defecting "
          "customers said they were satisfied or very satisfied", "satisfied is not loyal "
          "(the Bain survey)", ("satisfied_but_gone",), _satisfied),
    Claim("spurious_loyalty", "Under shortage, repeat purchase is high without trust",
          "spurious loyalty", ("spurious_loyalty",), _spurious),
    Claim("needs_drift", "Personalisation keeps cognitive trust when needs move",
          "cognitive trust transfers when needs change; personalisation builds cognitive "
          "trust", ("needs_drift",), _needs_drift),
    Claim("service_recovery", "Service recovery keeps customers and pays for itself",
          "timely service and recovery; most dissatisfied customers do not complain",
          ("service_recovery",), _service_recovery),
    Claim("retention_to_profit", "Five points more retention raise profit by 25-85 %",
          "economics of trust (Reichheld & Sasser 1990)", ("retention_to_profit",),
          _retention),
)


# --------------------------------------------------------------------------- the report
@dataclass
class ClaimsReport:
    """Every claim's result, in order."""

    results: dict[str, ClaimResult]
    size: Size
    seconds: float

    def table(self) -> pd.DataFrame:
        """One row per finding plus one summary row per claim (the claim's verdict)."""
        rows = []
        for claim in CLAIMS:
            if claim.key not in self.results:
                continue
            found = self.results[claim.key].findings
            rows += [f.as_row() for f in found]
            rows.append(summary_finding(claim, found).as_row())
        return pd.DataFrame(rows, columns=[*CSV_COLUMNS, "rule"])


def summary_finding(claim: Claim, findings: Sequence[Finding]) -> Finding:
    """The claim's own row: the share of its tests that hold, the combined verdict, and
    the conditions under which its tests held and failed."""
    verdicts = [f.verdict for f in findings]
    held = [f.conditions for f in findings if f.verdict == "holds"]
    failed = [f.conditions + (" (contradicted)" if f.rule and f.rule.reversed(
        f.value, f.ci_low, f.ci_high) else " (not distinguishable)")
        for f in findings if f.verdict != "holds"]
    verdict = combine(verdicts)
    if verdict == "conditional":
        conditions = ("holds: " + "; ".join(dict.fromkeys(held)) + " | fails: "
                      + "; ".join(dict.fromkeys(failed)))
    else:
        conditions = "; ".join(dict.fromkeys(held or failed))
    share = float(np.mean([v == "holds" for v in verdicts])) if verdicts else np.nan
    return Finding(claim.key, claim.source, f"CLAIM: {claim.statement} (share of its "
                   f"{len(verdicts)} tests that hold)", share, np.nan, np.nan, verdict,
                   conditions)


def evaluate_claims(runner: ClaimRunner, only: Sequence[str] | None = None) -> ClaimsReport:
    """Evaluate the claims (all, or those whose keys are in ``only``)."""
    start = time.perf_counter()
    unknown = set(only or ()) - {c.key for c in CLAIMS}
    if unknown:
        raise ValueError(f"unknown claim(s) {sorted(unknown)}; known: "
                         f"{', '.join(c.key for c in CLAIMS)}")
    results = {}
    for claim in CLAIMS:
        if only and claim.key not in only:
            continue
        runner.log(f"{claim.key}:")
        results[claim.key] = claim.evaluate(claim, runner)
    return ClaimsReport(results, runner.size, time.perf_counter() - start)


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def format_table(report: ClaimsReport) -> str:
    """The table printed by ``trustmarket claims``."""
    lines = []
    table = report.table()
    for claim in CLAIMS:
        part = table[table["claim"] == claim.key]
        if part.empty:
            continue
        summary = part.iloc[-1]
        lines.append(f"\n[{summary['verdict'].upper()}] {claim.key}: {claim.statement}")
        lines.append(f"    seed: {claim.source}")
        for r in part.iloc[:-1].itertuples():
            lines.append(f"    {r.verdict:<6} {_fmt(r.value):>10} [{_fmt(r.ci_low)}, "
                         f"{_fmt(r.ci_high)}]  {r.metric}")
        if summary["verdict"] == "conditional":
            lines.append(f"    conditions: {summary['conditions']}")
    return "\n".join(lines)


def write_report(report: ClaimsReport, out_dir: Path, command: Sequence[str] = ()) -> list[Path]:
    """Write ``claims.csv``, ``claims.md`` and one PNG per claim figure into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = report.table()
    written = []
    csv = out_dir / "claims.csv"
    table[list(CSV_COLUMNS)].to_csv(csv, index=False)
    written.append(csv)
    size = ("quick (a fifth of the customers, 4 replications; adaptive claims "
            f"{ADAPTIVE_MIN_REPLICATIONS})" if report.size == QUICK else
            f"customer share {report.size.customer_share:g}, replications "
            f"{report.size.replications or 'as in each file'}")
    md = ["# Claims report", "",
          f"Size: {size}. Run time {report.seconds:.0f} s. Command: `{' '.join(command)}`.",
          "", "Each claim comes from a seed idea (MODEL.md); each metric is a mean over "
          "replications with its 95 % confidence interval, and its verdict is computed from "
          "those numbers by the rule shown. A claim holds if all its tests hold, fails if "
          "none does, and is conditional otherwise (conditions listed).", "",
          "| claim | verdict | tests holding |", "|---|---|---|"]
    for claim in CLAIMS:
        part = table[table["claim"] == claim.key]
        if not part.empty:
            s = part.iloc[-1]
            md.append(f"| {claim.key}: {claim.statement} | **{s['verdict']}** | "
                      f"{s['value']:.0%} |")
    for claim in CLAIMS:
        if claim.key not in report.results:
            continue
        result = report.results[claim.key]
        part = table[table["claim"] == claim.key]
        s = part.iloc[-1]
        md += ["", f"## {claim.key}: {claim.statement}", "",
               f"*Seed:* {claim.source}. *Scenarios:* "
               + ", ".join(f"`scenarios/{n}.toml`" for n in claim.scenarios)
               + f". *Verdict:* **{s['verdict']}**.", ""]
        if s["verdict"] == "conditional":
            md += [f"*Conditions:* {s['conditions']}", ""]
        md += ["| metric | value | 95 % CI | verdict | rule | conditions |",
               "|---|---|---|---|---|---|"]
        for r in part.iloc[:-1].itertuples():
            md.append(f"| {r.metric} | {_fmt(r.value)} | [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
                      f" | {r.verdict} | {r.rule} | {r.conditions} |")
        md += ["", *result.notes]
        for name, fig in result.figures.items():
            path = out_dir / f"{claim.key}_{name}.png"
            fig.savefig(path, dpi=100)
            plt.close(fig)
            written.append(path)
            md += ["", f"![{claim.key} {name}]({path.name})"]
    path = out_dir / "claims.md"
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    written.append(path)
    return written


# --------------------------------------------------------------------------- CLI
def cmd_claims(args: argparse.Namespace) -> int:
    """Run each seed claim's scenarios with replications; print and write the claims table
    (claims.csv, claims.md with figures) with a verdict per claim."""
    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    size = QUICK if args.quick else FULL
    runner = ClaimRunner(args.scenarios or SCENARIO_DIR, size, args.workers, log)
    try:
        report = evaluate_claims(runner, args.only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(report))
    written = write_report(report, args.out, command=["trustmarket", *sys.argv[1:]])
    print(f"\n{len(report.results)} claims in {report.seconds:.0f} s; wrote "
          f"{len(written)} files to {args.out}/")
    return 0
