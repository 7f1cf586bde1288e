"""Claims about customers: loyalty programmes and transfer, satisfied defectors,
spurious loyalty, drifting needs, service recovery."""

from __future__ import annotations

import pandas as pd

from sim.claims import figures
from sim.claims.runner import ClaimRunner, _steps_label, by_firm, firm_table, ranked_firms, window
from sim.claims.verdicts import Claim, ClaimResult, above, below, finding, within
from sim.experiment import Results, mean_ci
from sim.report import trust_ladder_figure
from sim.scenario import CustomerSpec


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


#: The seeds' difference in yearly customer transfer, UK minus Switzerland (0.24 - 0.07).
SEED_TRANSFER_GAP = 0.17


def _loyalty(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    uk = runner.results("loyalty_programme_markets_uk")
    ch = runner.results("loyalty_programme_markets_ch")
    a, b = _market_year(uk), _market_year(ch)
    cond = (f"loyalty_programme_markets_uk vs _ch, {_steps_label(uk.scenario)}, "
            "last year, same seeds")
    gap = a["transfer"] - b["transfer"]
    rows = [finding(claim, "customer transfer rate per year, UK-like minus Swiss-like (seeds: "
                    "0.24 - 0.07 = 0.17)", gap, above(0), cond),
            finding(claim, "the same, against half the seeds' gap (at least 0.085: the "
                    "magnitude, not only the sign)", gap, above(SEED_TRANSFER_GAP / 2), cond)]
    profit = mean_ci((a["profit"] - b["profit"]).to_numpy())
    notes = [f"Calibration check, programme participation: UK-like {a['participation'].mean():.2f}"
             f", Swiss-like {b['participation'].mean():.2f} (seeds: 0.83, 0.15). Transfer rate "
             f"per year: UK-like {a['transfer'].mean():.2f}, Swiss-like "
             f"{b['transfer'].mean():.2f} (seeds: 0.24, 0.07). Profit in the last year, "
             f"UK-like minus Swiss-like: {profit[0]:,.0f} [{profit[1]:,.0f}, {profit[2]:,.0f}] "
             "(the points cost money)."]
    fig = figures.loyalty_figure(a, b)
    return ClaimResult(rows, {"loyalty": fig}, notes)


def _satisfied(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    res = runner.results("satisfied_but_gone")
    per = firm_table(res).groupby("replication")[["satisfied_churners", "churned"]].sum()
    share = per["satisfied_churners"] / per["churned"]
    cond = f"satisfied_but_gone, {_steps_label(res.scenario)}, all firms"
    rows = [finding(claim, "share of defectors whose last rating was satisfied or very "
                    "satisfied (Bain: 0.65-0.85)", share, within(0.65, 0.85), cond)]
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
    fig = figures.recovery_figure(churn_means, (shrug, fix))
    return ClaimResult(rows, {"churn": fig})
