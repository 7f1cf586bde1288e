"""Claims about profit: trust against bribery, tactical discounts, the conditions of the
headline, the leaky bucket, price wars, adaptive firms' traps, retention and profit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.claims import figures
from sim.claims.ablation import Ingredient, ablate, ablation_summary
from sim.claims.conditions import conditions_findings
from sim.claims.runner import (
    ClaimRunner,
    _steps_label,
    by_firm,
    defection_rate,
    discount_intensity,
    discounter_and_builder,
    firm_table,
    hole_plugging,
    ranked_firms,
    window,
)
from sim.claims.verdicts import (
    Claim,
    ClaimResult,
    above,
    below,
    difference_finding,
    finding,
    interval_finding,
    share_finding,
    within,
)
from sim.experiment import Results, mean_ci
from sim.report import leaky_bucket_figure, profit_figure
from sim.scenario import Scenario


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
    rows.append(interval_finding(claim, "crossover step: the trust builder's cumulative "
                                 "profit overtakes the discounter's for good", step, low, high,
                                 crossed, rule, f"{cond}; overtook in {crossed}/"
                                 f"{len(res.replications)} replications"))
    fig = profit_figure(res.timeseries, s.market.steps_per_year, "bribery_vs_trust")
    found, figs, notes, _region = conditions_findings(claim, runner)
    return ClaimResult(rows + found, {"profit": fig, **figs}, notes)


def _tactical(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    # A 26-step run is cheap: even the quick report can afford the file's replications.
    res = runner.results("tactical_discount", minimum_replications=CHEAP_MIN_REPLICATIONS)
    s = res.scenario
    briber, builder = discounter_and_builder(s)
    c = s.customers
    cond = (f"tactical_discount, {_steps_label(s)}, {s.market.annual_discount_rate:.0%}/year "
            f"discounting, {c.exit_probability:g}/step of people leave the market")

    def lead(r: Results) -> pd.Series:
        npv = by_firm(r, "npv")
        return npv[briber] - npv[builder]

    label = "the discounter's NPV lead over the trust builder (money)"
    rows = [finding(claim, label, lead(res), above(0), cond)]
    ablations, table = ablate(claim, runner, "tactical_discount", res,
                              tactical_ingredients(s, runner.scenario("bribery_vs_trust")),
                              lead, label, CHEAP_MIN_REPLICATIONS)
    rows += ablations
    notes = [ablation_summary(table, mean_ci(lead(res).to_numpy(float)), "The discounter's "
                              "NPV lead"),
             "Each ingredient is removed alone (set to the headline market's value, or the "
             "discounter's lever to the trust builder's), on the same seeds; a change whose "
             "95 % CI lies below 0 means the ingredient helped the discounter."]
    figs = {"profit": profit_figure(res.timeseries, s.market.steps_per_year,
                                    "tactical_discount"),
            "ablation": figures.ablation_figure(mean_ci(lead(res).to_numpy(float)), table,
                                                label)}
    return ClaimResult(rows, figs, notes)


def tactical_ingredients(s: Scenario, headline: Scenario) -> list[Ingredient]:
    """The tactical season's ingredients, each with the overrides that remove it: the
    market's (short horizon, steep time preference, transient clientele, set to the
    headline market's values) and the discounter's levers (promotions and points; heavy
    advertising, set to the trust builder's)."""
    briber, builder = discounter_and_builder(s)
    i = next(k for k, f in enumerate(s.firms) if f.name == briber)
    lv, trust_lv = s.firms[i].levers, next(f.levers for f in s.firms if f.name == builder)
    c, h = s.customers, headline.customers
    return [
        Ingredient("the short horizon", f"{s.run.steps} steps", f"{headline.run.steps} steps",
                   {"run.steps": headline.run.steps}),
        Ingredient("the steep time preference", f"{s.market.annual_discount_rate:.0%}/year",
                   f"{headline.market.annual_discount_rate:.0%}/year",
                   {"market.annual_discount_rate": headline.market.annual_discount_rate}),
        Ingredient("the transient clientele", f"{c.exit_probability:g}/step leave, "
                   f"{c.arrivals_per_step} arrive", f"{h.exit_probability:g} leave, "
                   f"{h.arrivals_per_step} arrive",
                   {"customers.exit_probability": h.exit_probability,
                    "customers.arrivals_per_step": h.arrivals_per_step}),
        Ingredient("the discounter's promotions and points", f"{lv.discount_depth:.0%} off "
                   f"{lv.discount_duration}/{lv.discount_period} steps, {lv.points_rate:.0%} "
                   "points", "no promotions, no points",
                   {f"firms.{i}.levers.discount_depth": 0.0,
                    f"firms.{i}.levers.points_rate": 0.0}),
        Ingredient("the discounter's heavy advertising", f"advertising {lv.advertising:g}",
                   f"{trust_lv.advertising:g} (the trust builder's)",
                   {f"firms.{i}.levers.advertising": trust_lv.advertising}),
    ]


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
    headline_end = rows[len(horizons) - 1]  # the full-length run without turnover
    fig = figures.conditions_figure(adv, s.market.steps_per_year, s.run.steps,
                                    [(0.0, headline_end), *sweep])
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
                            within(0.8, 1.2), cond + " (A/d steady state within 20 %)"))
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
    fig = figures.price_war_figure(war, peace, s.market.steps_per_year)
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
        rows.append(share_finding(claim, f"share of replications ending in a bribery trap, "
                                  f"{horizon.replace('_', '-')} reviewers", int(t.sum()),
                                  len(t), horizon_rules[horizon], cond + f"; {int(t.sum())}/"
                                  f"{len(t)} replications (Wilson interval)"))
    m, f = traps["myopic"], traps["far_sighted"]
    rows.append(difference_finding(claim, "bribery-trap share, myopic minus far-sighted",
                                   int(m.sum()), len(m), int(f.sum()), len(f), above(0),
                                   cond + " (Newcombe interval)"))
    discounting = {name: discount_intensity(lv) > 0 for name, lv in base.strategies.items()}
    fig = figures.adaptive_figure(rows[:2], runs, discounting, base.market.steps_per_year)
    return ClaimResult(rows, {"adaptive": fig})


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
                    "Sasser: 25-85)", rise * RETENTION_POINTS / points, within(25, 85), cond)]
    gain = mean_ci(points.to_numpy())
    notes = [f"Measured yearly retention rose by {gain[0]:.2f} points [95 % CI {gain[1]:.2f}, "
             f"{gain[2]:.2f}] (from {ret_a.mean():.1%} to {ret_b.mean():.1%}): customers kept "
             "from leaving the market partly leave the firm in other ways; the profit rise is "
             "scaled to five points of the measured change."]
    fig = figures.retention_figure(a["profit"].mean() / span, b["profit"].mean() / span,
                                   RETENTION_POINTS, span, ret_a.mean(), ret_b.mean())
    return ClaimResult(rows, {"profit": fig}, notes)
