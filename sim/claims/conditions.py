"""Where the headline fails: the conditions sweeps and their scenario discovery.

``scenarios/sweeps/conditions.toml`` samples the parameters a researcher would doubt (a
Latin hypercube over price sensitivity, horizon, turnover, word of mouth, trust, deal
dependence, acquisition cost, discount depth, time preference and competitors' price
responses). Its outcome is stated in the file: the trust builder's cumulative profit
minus the discounter's at the end of each run, whose length is the sampled horizon.
``scenarios/sweeps/conditions_market.toml`` keeps the headline's market and varies only
price sensitivity and the horizon. Every ``trustmarket claims`` runs both (reduced in
``--quick``) and asks
:func:`sim.sweep.discovery.discover` where that outcome is negative; the region found is
printed with its coverage and density — computed from this run's numbers, never written
by hand.
"""

from __future__ import annotations

import numpy as np

from sim.claims.runner import ClaimRunner
from sim.claims.verdicts import Claim, Finding, above, finding
from sim.sweep.discovery import discover, write_discovery

#: The sweep files (in ``scenarios/sweeps/``), what each asks, the figures' prefix, and
#: the condition under which the claim fails. ``conditions`` is the wide sweep over
#: eleven doubted parameters; ``conditions_market`` keeps the headline's market and varies
#: the two doubts reviewers raised (price sensitivity and the horizon).
SWEEPS = (
    ("conditions", "conditions sweep", "discovery"),
    ("conditions_market", "headline-market sweep (every other setting at the headline's)",
     "market_discovery"),
)
SWEEP = SWEEPS[0][0]
FAILS_WHERE = "cumulative_profit_difference < 0"
OUTCOME = "cumulative_profit_difference"

#: How the sweep's parameters are named in the report's sentences.
LABELS = {
    "customers.price_sensitivity": "price sensitivity",
    "run.steps": "horizon (weeks)",
    "customers.exit_probability": "turnover (share leaving per week)",
    "customers.wom_reach": "word-of-mouth reach",
    "customers.trust_gain": "trust gain",
    "customers.failure_tolerance": "failure tolerance",
    "customers.deal_dependence_gain": "deal-dependence gain",
    "market.contact_cost": "acquisition cost per contact",
    "firms.0.levers.discount_depth": "discount depth",
    "market.annual_discount_rate": "annual discount rate",
    "market.price_response": "competitors' price response",
}


def conditions_findings(claim: Claim, runner: ClaimRunner
                        ) -> tuple[list[Finding], dict, list[str], str]:
    """The headline's findings over its conditions sweeps: for each, the trust builder's
    lead inside the region where discovery finds it failing, and outside it; with the
    discoveries' figures, notes, and the regions in words (for the claim's conditions)."""
    rows, figs, notes, regions = [], {}, [], []
    for name, title, prefix in SWEEPS:
        r, f, n, region = _one_sweep(claim, runner, name, title, prefix)
        rows += r
        figs.update(f)
        notes += n
        regions.append(region)
    return rows, figs, notes, "; ".join(regions)


def _one_sweep(claim: Claim, runner: ClaimRunner, name: str, title: str, prefix: str
               ) -> tuple[list[Finding], dict, list[str], str]:
    from sim.sweep.discovery_figures import figures

    out = runner.sweep(name)
    d = discover(out, FAILS_WHERE, labels=LABELS)
    write_discovery(d, out / "discovery", figures=())  # the tables; the report draws
    inside = np.zeros(len(d.y), dtype=bool)
    for b in d.boxes:
        inside |= b.contains(d.x)
    lead = d.outcomes[OUTCOME]
    region = d.region_sentence("bribery out-earns trust")
    what = (f"{title} ({len(d.y)} points x {d.replications} replication(s), "
            f"{len(d.x.columns)} parameters)")
    metric = ("cumulative profit, trust builder minus discounter, at the end of each run "
              f"(money; mean over the {name} sweep's points")
    rows = [] if not d.boxes else [finding(claim, f"{metric} inside the region where it fails)",
                    lead[inside], above(0), f"{what}: {region}"),
            finding(claim, f"{metric} outside that region)", lead[~inside],
                    above(0), f"{what}: outside the discovered region")]
    leaves = d.tree.leaves[d.tree.leaves["predicts"]].head(2)
    notes = [f"Scenario discovery over the {what}: the discounter out-earns the trust builder "
             f"at {d.share:.0%} of the points. {region}. ({d.settings.describe()}.) CART "
             f"(depth {d.tree.depth}) "
             + ("finds no leaf where it mostly fails" if leaves.empty else "agrees on "
                + "; ".join(f"{leaf.rule} (density {leaf.density:.2f}, coverage "
                            f"{leaf.coverage:.2f})" for leaf in leaves.itertuples()))
             + ". Feature scores: " + ", ".join(f"{LABELS.get(n, n)} {v:.2f}"
                                                for n, v in d.scores.head(4).items()) + "."]
    figs = {f"{prefix}_{fig_name}": fig for fig_name, fig in figures(d).items()}
    return rows, figs, notes, region
