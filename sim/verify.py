"""Verification by docking: the fast engine against known results and the reference model.

Rand & Rust (2011) ask of an agent-based marketing model documentation, programmatic
tests, corner cases and *docking* — agreement with an established model. The checks here
are runnable (``trustmarket verify``) and return rows of a table: ``check``,
``expected``, ``measured``, ``tolerance``, ``passed``.

* :func:`bass_checks` — with one firm, no churn and no failures, awareness driven by
  advertising (``p``) and word of mouth (``q``) in a well-mixed market follows the Bass
  model: the discrete recursion at the scenario's step length, and the continuous curve
  with weekly steps.
* :func:`bucket_check` — constant inflow ``A`` and exit probability ``d``: the base
  settles at ``A / d`` (the leaky bucket).
* :func:`clv_check` — constant retention ``r``, margin ``m``, discount rate ``i``: mean
  realised discounted lifetime value ``m (1 + i) / (1 + i - r)``.
* :func:`reach_checks` — a speaking customer tells ``wom_reach`` people on average (the
  seeds' "tells 3-5 people").
* :func:`corner_cases` — zero customers, one customer, one firm, isolated nodes, zero
  discount, certain failure, a firm nobody knows.
* :func:`equivalence` — the fast engine and :class:`sim.reference.ReferenceModel` agree
  statistically on time-averaged profit, trust-stage shares and churn rate.
"""

from __future__ import annotations

import argparse
import copy
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiment import replication_seed
from sim.model import MarketModel
from sim.scenario import HOLES, Scenario, load_scenario, scenario_from_dict

HEADLINE = Path(__file__).resolve().parent.parent / "scenarios" / "bribery_vs_trust.toml"
#: The (p, q) pairs of the Bass checks: Bass's own textbook pair first.
BASS_PAIRS = ((0.03, 0.38), (0.01, 0.5), (0.05, 0.25))
#: People a speaker tells in the Bass set-up; q is reached through persuasion = q / reach.
BASS_REACH = 10.0
COLUMNS = ["check", "expected", "measured", "tolerance", "passed"]


@dataclass
class Check:
    """One row of the verification table."""

    check: str
    expected: float
    measured: float
    tolerance: float
    passed: bool

    @classmethod
    def within(cls, check: str, expected: float, measured: float, tolerance: float,
               relative: bool = False) -> Check:
        """Passed when ``|measured - expected| <= tolerance`` (times ``|expected|`` if
        ``relative``)."""
        bound = tolerance * abs(expected) if relative else tolerance
        ok = bool(np.isfinite(measured) and abs(measured - expected) <= bound)
        return cls(check, float(expected), float(measured), float(tolerance), ok)


# ------------------------------------------------------------------ scenarios
def single_firm_market(n: int, steps: int, steps_per_year: int = 52,
                       **customers: Any) -> dict[str, Any]:
    """A plain one-firm market: everyone aware buys every step and is always satisfied,
    no failures, no churn, no word of mouth, no costs but goods — the set-up the analytic
    checks start from. ``customers`` overrides customer parameters."""
    data = load_scenario(HEADLINE).to_dict()
    data["name"] = "verification"
    data["run"].update(steps=steps, replications=1)
    data["market"].update(
        steps_per_year=steps_per_year, serve_cost=0.0, training_cost=0.0, service_cost=0.0,
        personalisation_cost=0.0, contact_cost=0.0, recovery_cost=0.0,
        failure_base=dict.fromkeys(HOLES, 0.0))
    data["network"] = {"kind": "empty"}
    data["customers"].update({
        "n_initial": n, "initial_awareness": 1.0, "purchase_probability": 1.0,
        "outside_utility": -100.0, "value_noise": 0.0, "initial_expectation": 0.0,
        "claim_weight": 0.0, "norm_weight": 0.0, "churn_sensitivity": 0.0, "spend_sigma": 0.0,
        "spend_median": 1.0, "spend_growth": 0.0, "wom_rate_satisfied": 0.0,
        "wom_rate_neutral": 0.0, "wom_rate_dissatisfied": 0.0, "wom_expectation_shift": 0.0,
        "trust_decay": 0.0, "expectation_adaptation": 0.0, **customers})
    firm = copy.deepcopy(data["firms"][1])
    firm.update(name="Only Firm", strategy="trust", position=0.5)
    firm["levers"] = {**firm.get("levers", {}), "list_price": 1.0, "discount_depth": 0.0,
                      "points_rate": 0.0, "advertising": 0.0, "claim_inflation": 0.0,
                      "quality": 0.0, "training": 0.0, "service": 0.0, "personalisation": 0.0,
                      "recovery": 0.0}
    data["firms"] = [firm]
    return data


def bass_market(p: float, q: float, n: int, steps: int, steps_per_year: int) -> Scenario:
    """The Bass set-up: one firm, a well-mixed market, nobody aware at first.

    Mapping (per step): advertising = p; every adopter speaks every step
    (``wom_rate_satisfied = 1``, always satisfied, ``wom_memory`` longer than the run,
    no advocacy bonus) and tells ``BASS_REACH`` people on average; each recommendation
    persuades with probability ``q / BASS_REACH``. The awareness hazard of an unaware
    person is then ``p + persuasion * messages``, whose mean is ``p + q F`` — Bass's
    hazard, with ``F`` the share aware (everyone aware buys at once, so awareness is
    adoption).
    """
    data = single_firm_market(n, steps, steps_per_year, initial_awareness=0.0,
                              wom_rate_satisfied=1.0, wom_memory=steps + 1,
                              advocacy_multiplier=1.0, wom_reach=BASS_REACH,
                              wom_persuasion=q / BASS_REACH)
    data["network"] = {"kind": "well_mixed"}
    data["firms"][0]["levers"]["advertising"] = p
    return scenario_from_dict(data, source=f"<bass p={p} q={q}>")


def bass_recursion(p: float, q: float, steps: int) -> np.ndarray:
    """Discrete Bass: ``F[t+1] = F[t] + (p + q F[t]) (1 - F[t])``, ``F[0] = 0``;
    returns ``F[1..steps]``."""
    out, f = np.empty(steps), 0.0
    for t in range(steps):
        f = f + (p + q * f) * (1.0 - f)
        out[t] = f
    return out


def bass_curve(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Continuous Bass: ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def _adoption(scenario: Scenario, replications: int, seed: int) -> np.ndarray:
    """Mean share of customers who have adopted after each step, over replications."""
    n = scenario.customers.n_initial
    curves = []
    for r in range(replications):
        model = MarketModel(scenario, seed=replication_seed(seed, r))
        share = []
        for _ in range(scenario.run.steps):
            model.step()
            share.append(model.firms[0].metrics["active_customers"] / n)
        curves.append(share)
    return np.mean(curves, axis=0)


def bass_checks(n: int = 10_000, replications: int = 8, seed: int = 1,
                pairs: Iterable[tuple[float, float]] = BASS_PAIRS,
                tolerance: float = 0.02, years: int = 10,
                curves: dict[str, Any] | None = None) -> list[Check]:
    """Bass diffusion, discrete (yearly steps) and continuous (weekly steps).

    ``measured`` is the largest absolute gap between the simulated adoption share
    (mean of ``replications`` yearly runs, and of half as many weekly ones: 52 times the
    steps each) and the curve over ``years`` years; ``curves``, if given,
    receives the simulated and analytic curves for the figure.
    """
    rows = []
    for p, q in pairs:
        yearly = bass_market(p, q, n, years, steps_per_year=1)
        sim_yearly = _adoption(yearly, replications, seed)
        exact = bass_recursion(p, q, years)
        rows.append(Check(f"Bass p={p} q={q}: yearly steps follow the discrete recursion "
                          f"(F(6)={exact[5]:.3f}, F(10)={exact[min(9, years - 1)]:.3f})", 0.0,
                          float(np.max(np.abs(sim_yearly - exact))), tolerance,
                          bool(np.max(np.abs(sim_yearly - exact)) <= tolerance)))
        weekly = bass_market(p / 52, q / 52, n, 52 * years, steps_per_year=52)
        sim_weekly = _adoption(weekly, max(1, replications // 2), seed)
        t = np.arange(1, 52 * years + 1) / 52
        smooth = bass_curve(p, q, t)
        gap = float(np.max(np.abs(sim_weekly - smooth)))
        rows.append(Check(f"Bass p={p} q={q}: weekly steps follow the continuous curve "
                          f"(F(6)={bass_curve(p, q, 6.0):.3f}, F(10)={bass_curve(p, q, 10.0):.3f})",
                          0.0, gap, tolerance, gap <= tolerance))
        if curves is not None:
            curves[(p, q)] = {"years": np.arange(1, years + 1), "yearly": sim_yearly,
                              "recursion": exact, "t": t, "weekly": sim_weekly,
                              "continuous": smooth}
    return rows


def bucket_market(inflow: int, exit_probability: float, steps: int) -> Scenario:
    """The leaky-bucket set-up (``scenarios/verification/leaky_bucket_steady_state.toml``):
    nobody at first, ``inflow`` people arrive every step and buy from the only firm at
    once, each leaves the market with probability ``exit_probability`` a step."""
    data = single_firm_market(0, steps, exit_probability=exit_probability,
                              arrivals_per_step=inflow)
    return scenario_from_dict(data, source="<leaky bucket>")


def bucket_check(inflow: int = 50, exit_probability: float = 0.02, steps: int = 600,
                 replications: int = 4, seed: int = 2, tolerance: float = 0.02) -> Check:
    """Leaky bucket: constant inflow ``A`` and exit probability ``d`` give a base ``A / d``.

    Measured: the firm's base after each step's inflow (active at the end of the step
    plus those who left during it), averaged over the second half of the run.
    """
    scenario = bucket_market(inflow, exit_probability, steps)
    bases = []
    for r in range(replications):
        model = MarketModel(scenario, seed=replication_seed(seed, r))
        for step in range(steps):
            model.step()
            if step >= steps // 2:
                m = model.firms[0].metrics
                bases.append(m["active_customers"] + m["exits"])
    expected = inflow / exit_probability
    return Check.within(f"leaky bucket: inflow {inflow}/step, exit probability "
                        f"{exit_probability} -> base A/d (relative)", expected,
                        float(np.mean(bases)), tolerance, relative=True)


def clv_market(n: int, retention: float, price: float, unit_cost: float,
               annual_rate: float) -> Scenario:
    """The lifetime-value set-up (``scenarios/verification/lifetime_value.toml``): yearly
    steps, ``n`` customers who buy one unit a year until they leave (probability
    ``1 - retention`` after each purchase), run until fewer than 1e-7 would remain."""
    steps = math.ceil(math.log(1e-7) / math.log(retention))
    data = single_firm_market(n, steps, steps_per_year=1,
                              exit_probability=round(1.0 - retention, 12))  # 0.2, not 0.19999...
    data["market"].update(unit_cost=unit_cost, quality_unit_cost=0.0,
                          annual_discount_rate=annual_rate)
    data["firms"][0]["levers"]["list_price"] = price
    return scenario_from_dict(data, source="<clv>")


def clv_check(n: int = 20_000, retention: float = 0.8, price: float = 1.0,
              unit_cost: float = 0.6, annual_rate: float = 0.1, seed: int = 3,
              tolerance: float = 0.02) -> Check:
    """Customer lifetime value with constant retention ``r``, margin ``m`` per period and
    discount rate ``i`` (yearly steps): mean realised value ``m (1 + i) / (1 + i - r)``.

    Every customer buys one unit each period until leaving (exit probability ``1 - r``
    after each purchase); the firm's NPV, discounted to the first purchase, divided by
    the number of customers is the realised mean lifetime value.
    """
    scenario = clv_market(n, retention, price, unit_cost, annual_rate)
    steps = scenario.run.steps
    model = MarketModel(scenario, seed=seed)
    for _ in range(steps):
        model.step()
    margin = price - unit_cost
    expected = margin * (1 + annual_rate) / (1 + annual_rate - retention)
    realised = model.firms[0].npv / model.step_discount / n
    return Check.within(f"lifetime value: m={margin:g}, r={retention}, i={annual_rate} -> "
                        "m(1+i)/(1+i-r) (relative)", expected, realised, tolerance,
                        relative=True)


def reach_checks(n: int = 5_000, steps: int = 30, seed: int = 4,
                 tolerance: float = 0.03) -> list[Check]:
    """A speaking customer tells ``wom_reach`` people on average, on a Watts-Strogatz graph
    (degree around 10) and in a well-mixed market."""
    rows = []
    for kind, reach in (("watts_strogatz", 4.0), ("well_mixed", 3.0), ("watts_strogatz", 5.0)):
        data = single_firm_market(n, steps, wom_rate_satisfied=0.3, wom_reach=reach,
                                  wom_memory=steps + 1)
        data["network"] = {"kind": kind, "mean_degree": 10}
        model = MarketModel(scenario_from_dict(data, source="<reach>"), seed=seed)
        told = speakers = 0
        for _ in range(steps):
            model.step()
            mm = model.market_metrics
            told += mm["messages_positive"] + mm["messages_negative"]
            speakers += mm["speakers"]
        rows.append(Check.within(f"word of mouth reach on {kind}: people told per speaker "
                                 "(relative)", reach, told / max(speakers, 1), tolerance,
                                 relative=True))
    return rows


# ------------------------------------------------------------------ corner cases
def _run(data: Mapping[str, Any], steps: int = 30, seed: int = 5) -> MarketModel:
    model = MarketModel(scenario_from_dict(data, source="<corner case>"), seed=seed)
    for _ in range(steps):
        model.step()
    return model


def _totals(model: MarketModel) -> pd.DataFrame:
    return model.firm_timeseries().groupby("firm").sum(numeric_only=True)


def corner_cases(seed: int = 5) -> list[Check]:
    """Degenerate markets that must run and give the obvious answer (measured 1 = yes)."""
    headline = load_scenario(HEADLINE).to_dict()
    headline["run"]["steps"] = 30

    def case(name: str, build: Callable[[dict[str, Any]], None],
             holds: Callable[[MarketModel], bool]) -> Check:
        data = copy.deepcopy(headline)
        build(data)
        try:
            ok = bool(holds(_run(data, seed=seed)))
        except Exception as exc:  # a corner case that crashes fails its check, not the suite
            return Check(f"corner case: {name} (crashed: {type(exc).__name__}: {exc})",
                         1.0, 0.0, 0.0, False)
        return Check(f"corner case: {name}", 1.0, float(ok), 0.0, ok)

    def set_customers(**kw: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d["customers"].update(**kw)

    def one_firm(d: dict[str, Any]) -> None:
        d["firms"] = d["firms"][:1]

    def isolated(d: dict[str, Any]) -> None:
        d["network"] = {"kind": "empty"}

    def no_discount(d: dict[str, Any]) -> None:
        for f in d["firms"]:
            f.setdefault("levers", {}).update(discount_depth=0.0, points_rate=0.0)

    def certain_failure(d: dict[str, Any]) -> None:
        d["market"].update(failure_base=dict.fromkeys(HOLES, 1.0), failure_mitigation=0.0)

    def unknown_firm(d: dict[str, Any]) -> None:
        d["customers"].update(initial_awareness=0.0)
        d["firms"][0].setdefault("levers", {})["advertising"] = 0.0
        d["firms"][1].setdefault("levers", {})["advertising"] = 0.2

    return [
        case("zero customers: no purchases, no revenue", set_customers(n_initial=0),
             lambda m: (_totals(m)[["purchases", "revenue", "active_customers"]] == 0)
             .all().all()),
        case("one customer: at most one active customer, at most one purchase a step",
             set_customers(n_initial=1),
             lambda m: (m.firm_timeseries().groupby("step")[["active_customers", "purchases"]]
                        .sum() <= 1).all().all()),
        case("one firm: nobody is lost to a competitor's offer", one_firm,
             lambda m: _totals(m)["churn_competitor_offer"].sum() == 0
             and _totals(m)["purchases"].sum() > 0),
        case("isolated nodes: speakers but no messages heard", isolated,
             lambda m: m.market_timeseries()[["messages_positive", "messages_negative"]]
             .sum().sum() == 0 and m.market_timeseries()["speakers"].sum() > 0),
        case("zero discount: no discount cost, no deal purchases, no deadweight", no_discount,
             lambda m: (_totals(m)[["discount_cost", "deal_purchases", "deadweight_discount",
                                    "points_cost"]] == 0).all().all()),
        case("100 % failure probability: every purchase fails", certain_failure,
             lambda m: bool((_totals(m)["failures"] == _totals(m)["purchases"]).all()
                            and _totals(m)["purchases"].sum() > 0)),
        case("a firm nobody knows: no aware people, no purchases, no revenue", unknown_firm,
             lambda m: (_totals(m).iloc[0][["aware", "purchases", "revenue"]] == 0).all()),
    ]


# ------------------------------------------------------------------ docking with the reference
VERIFICATION_DIR = HEADLINE.parent / "verification"
#: Mechanism sets of the equivalence tests: scenario files (small markets: 200 customers,
#: 60 steps), each the headline market with some mechanisms switched off or amplified.
EQUIVALENCE_SCENARIOS: dict[str, Path] = {
    # awareness only through recommendations; no failures, no churn, no deals
    "word_of_mouth": VERIFICATION_DIR / "word_of_mouth.toml",
    # big holes, sensitive customers, frequent complaints; no word of mouth, no deals
    "failures_and_churn": VERIFICATION_DIR / "failures_and_churn.toml",
    # promotions, points, deal dependence; no failures, no word of mouth
    "discounting": VERIFICATION_DIR / "discounting.toml",
    # trust builds fast: behavioural trust's habit, resistance to rivals' promotions,
    # advocacy and discounting of hearsay all come into play
    "trust_ladder": VERIFICATION_DIR / "trust_ladder.toml",
    # the full headline market, made small below
    "headline": HEADLINE,
}


def equivalence_scenario(name: str, n: int = 200, steps: int = 60) -> Scenario:
    """The mechanism set ``name`` of :data:`EQUIVALENCE_SCENARIOS` at ``n`` customers and
    ``steps`` steps (the headline also starts with 30 % aware, as the small sets do)."""
    overrides: dict[str, Any] = {"customers.n_initial": n, "run.steps": steps}
    if name == "headline":
        overrides["customers.initial_awareness"] = 0.3
    return load_scenario(EQUIVALENCE_SCENARIOS[name]).with_overrides(overrides)


def replication_outcomes(model_factory: Callable[[np.random.SeedSequence], Any], steps: int,
                         replications: int, seed: int) -> pd.DataFrame:
    """One row per replication and firm: time-averaged profit, churn rate (churned per
    active customer and step) and trust-stage shares of active customers."""
    rows = []
    for r in range(replications):
        model = model_factory(replication_seed(seed, r))
        for _ in range(steps):
            model.step()
        ts = model.firm_timeseries()
        for firm, df in ts.groupby("firm", sort=True):
            active = df["active_customers"].to_numpy(float)
            row = {"replication": r, "firm": firm, "profit": df["profit"].mean(),
                   "churn_rate": df["churned"].sum() / max(active.sum(), 1.0)}
            for stage in ("none", "cognitive", "emotional", "behavioural"):
                row[f"share_{stage}"] = df[f"stage_{stage}"].sum() / max(active.sum(), 1.0)
            rows.append(row)
    return pd.DataFrame(rows)


OUTCOMES = ("profit", "churn_rate", "share_none", "share_cognitive", "share_emotional",
            "share_behavioural")


def compare_outcomes(fast: pd.DataFrame, reference: pd.DataFrame, label: str,
                     confidence: float = 0.99) -> list[Check]:
    """Welch two-sample comparison per firm and outcome: passed when the difference of
    means lies within the ``confidence`` bound (``measured`` is the difference,
    ``tolerance`` the bound)."""
    rows = []
    z = stats.norm.ppf(0.5 + confidence / 2)
    for (firm, a), (_, b) in zip(fast.groupby("firm"), reference.groupby("firm"), strict=True):
        for outcome in OUTCOMES:
            x, y = a[outcome].to_numpy(float), b[outcome].to_numpy(float)
            se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
            bound = z * se + 1e-12
            diff = float(x.mean() - y.mean())
            rows.append(Check(f"{label}: {firm} {outcome}, fast - reference", 0.0, diff, bound,
                              abs(diff) <= bound))
    return rows


def equivalence(name: str, n: int = 200, steps: int = 60, replications: int = 30,
                seed: int = 6, engine: str | None = None) -> list[Check]:
    """Fast engine vs :class:`~sim.reference.ReferenceModel` on one mechanism set of
    :data:`EQUIVALENCE_SCENARIOS` at ``n`` customers.

    ``engine`` is the fast model's (default: its default, numba when installed). The
    numba kernels do not call :mod:`sim.rules`; to test a patched rule, pass ``"numpy"``.
    """
    from sim.reference import ReferenceModel

    scenario = equivalence_scenario(name, n, steps)
    fast = replication_outcomes(lambda s: MarketModel(scenario, seed=s, engine=engine), steps,
                                replications, seed)
    reference = replication_outcomes(lambda s: ReferenceModel(scenario, seed=s), steps,
                                     replications, seed + 1)
    return compare_outcomes(fast, reference, f"docking {name}")


# ------------------------------------------------------------------ the suite
def run_all(quick: bool = False, curves: dict[str, Any] | None = None,
            progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every check as one table (columns :data:`COLUMNS`).

    ``quick`` runs fewer Bass pairs and replications (the analytic tolerances stay).
    """
    say = progress or (lambda _msg: None)
    rows: list[Check] = []
    say("Bass diffusion")
    rows += bass_checks(pairs=BASS_PAIRS[:1] if quick else BASS_PAIRS, curves=curves)
    say("leaky bucket, lifetime value, word-of-mouth reach")
    rows.append(bucket_check(replications=2 if quick else 4))
    rows.append(clv_check())
    rows += reach_checks()
    say("corner cases")
    rows += corner_cases()
    for name in EQUIVALENCE_SCENARIOS:
        say(f"docking with the reference model: {name}")
        rows += equivalence(name, replications=30)
    return pd.DataFrame([r.__dict__ for r in rows], columns=COLUMNS)


def bass_figure(curves: Mapping[tuple[float, float], Mapping[str, np.ndarray]]):
    """Simulated vs Bass adoption curves, one panel per (p, q)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 4), squeeze=False)
    for ax, ((p, q), c) in zip(axes[0], curves.items(), strict=True):
        ax.plot(c["t"], c["continuous"], color="black", lw=1, label="Bass, continuous")
        ax.plot(c["t"], c["weekly"], color="tab:blue", lw=2, alpha=0.7,
                label="simulated, weekly steps")
        ax.plot(c["years"], c["recursion"], "s", mfc="none", color="black",
                label="Bass, discrete recursion")
        ax.plot(c["years"], c["yearly"], "o", color="tab:orange", ms=4,
                label="simulated, yearly steps")
        ax.set(title=f"p = {p}, q = {q}", xlabel="years", ylabel="share adopted", ylim=(0, 1))
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def format_table(table: pd.DataFrame) -> str:
    """The verification table as aligned text."""
    lines = [f"{'check':<92} {'expected':>10} {'measured':>10} {'tolerance':>10}  result"]
    for r in table.itertuples():
        lines.append(f"{r.check[:92]:<92} {r.expected:>10.4g} {r.measured:>10.4g} "
                     f"{r.tolerance:>10.3g}  {'pass' if r.passed else 'FAIL'}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    """Run the docking suite; print and write verify.csv and bass.png; exit 1 on a failure."""
    import sys
    import time

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    started = time.perf_counter()
    curves: dict[str, Any] = {}
    table = run_all(quick=args.quick, curves=curves,
                    progress=None if args.quiet else
                    (lambda msg: print(f"... {msg}", file=sys.stderr, flush=True)))
    print(format_table(table))
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "verify.csv", index=False)
    fig = bass_figure(curves)
    fig.savefig(out / "bass.png", dpi=110)
    plt.close(fig)
    failed = int((~table["passed"]).sum())
    print(f"\n{len(table) - failed}/{len(table)} checks passed in "
          f"{time.perf_counter() - started:.0f} s; wrote {out / 'verify.csv'} and "
          f"{out / 'bass.png'}")
    return 1 if failed else 0
