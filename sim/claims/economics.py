"""The economics of keeping against winning: what a firm spends to win one new customer,
and to keep one customer for a year.

Seed idea tested: "keeping a customer costs 1/5-1/6 of winning one" (economics of trust;
the leaky bucket: pouring new customers in is expensive and endless). Both costs are
derived from metrics the model already collects (``sim.model.metrics``), per replication
and firm over the whole run:

* **winning cost** = acquisition spend (``acquisition_cost``: advertising contacts times
  their cost) / customers won (``new_customers``);
* **keeping cost** = retention spend (``service_cost`` — training, service and
  personalisation — plus ``recovery_cost`` and ``points_cost``) per customer-year kept,
  where a customer is *kept* in a step when it was already the firm's customer in the
  step before (``active_customers - new_customers``, never below 0: customers won and
  lost within one step are not kept), and a year is ``steps_per_year`` steps;
* **ratio** = winning cost / keeping cost; the seeds say 5-6.

Price promotions are left out of both: they are paid on every purchase, by new and old
customers alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.claims.runner import (
    ClaimRunner,
    _steps_label,
    discounter_and_builder,
    hole_plugging,
    ranked_firms,
)
from sim.claims.verdicts import Claim, ClaimResult, finding, within
from sim.experiment import Results, mean_ci

#: Retention spend: the flows that keep customers rather than win them.
RETENTION_SPEND = ("service_cost", "recovery_cost", "points_cost")

#: The seeds' figure: winning a customer costs 5-6 times keeping one.
SEED_RATIO = (5.0, 6.0)


def winning_and_keeping(results: Results) -> pd.DataFrame:
    """Per replication and firm: ``winning_cost`` (per new customer), ``keeping_cost``
    (per customer-year kept) and their ``ratio`` (module docstring)."""
    ts = results.timeseries
    keys = [ts["replication"], ts["firm"]]
    spend = ts[list(RETENTION_SPEND)].sum(axis=1).groupby(keys).sum()
    kept = (ts["active_customers"] - ts["new_customers"]).clip(lower=0).groupby(keys).sum()
    acquisition = ts.groupby(["replication", "firm"])["acquisition_cost"].sum()
    won = ts.groupby(["replication", "firm"])["new_customers"].sum()
    year = results.scenario.market.steps_per_year
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({"winning_cost": acquisition / won.where(won > 0),
                            "keeping_cost": spend / (kept.where(kept > 0) / year)})
    out["ratio"] = out["winning_cost"] / out["keeping_cost"]
    return out.reset_index()


def _keeping(claim: Claim, runner: ClaimRunner) -> ClaimResult:
    rows, notes = [], []
    for name, pick in (("leaky_bucket", lambda s: ranked_firms(s, hole_plugging)),
                       ("bribery_vs_trust", discounter_and_builder)):
        res = runner.results(name)
        table = winning_and_keeping(res)
        cond = f"{name}, {_steps_label(res.scenario)}"
        for firm in pick(res.scenario):
            t = table[table["firm"] == firm]
            rows.append(finding(claim, f"winning cost per new customer / keeping cost per "
                                f"customer-year, {firm} (seeds: {SEED_RATIO[0]:g}-"
                                f"{SEED_RATIO[1]:g})", t["ratio"], within(*SEED_RATIO), cond))
            win, keep = (mean_ci(t[c].to_numpy(float)) for c in ("winning_cost",
                                                                  "keeping_cost"))
            notes.append(f"{name}, {firm}: winning a customer costs {win[0]:.3g} "
                         f"[{win[1]:.3g}, {win[2]:.3g}], keeping one for a year {keep[0]:.3g} "
                         f"[{keep[1]:.3g}, {keep[2]:.3g}] (money).")
    notes.append("Winning cost = advertising spend / customers won; keeping cost = training, "
                 "service, personalisation, complaint handling and points spend / customer-"
                 "years kept (customers who were already the firm's in the step before).")
    return ClaimResult(rows, {}, notes)
