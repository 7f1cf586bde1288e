"""Where the headline fails: the conditions sweep and its scenario discovery.

``scenarios/sweeps/conditions.toml`` samples the parameters a researcher would doubt (a
Latin hypercube over price sensitivity, horizon, turnover, word of mouth, trust, deal
dependence, acquisition cost, discount depth, time preference and competitors' price
responses). Its outcome is stated in the file: the trust builder's cumulative profit
minus the discounter's at the end of each run, whose length is the sampled horizon.
Every ``trustmarket claims`` runs it (reduced in ``--quick``) and asks
:func:`sim.sweep.discovery.discover` where that outcome is negative; the region found is
printed with its coverage and density — computed from this run's numbers, never written
by hand.
"""

from __future__ import annotations

import numpy as np

from sim.claims.runner import ClaimRunner
from sim.claims.verdicts import Claim, Finding, above, finding
from sim.sweep.discovery import discover, write_discovery

#: The sweep file (in ``scenarios/sweeps/``) and the condition under which the claim fails.
SWEEP = "conditions"
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
    """The headline's findings over the conditions sweep: the trust builder's lead inside
    the region where discovery finds it failing, and outside it; with the discovery's
    figures, a note, and the region in words (for the claim's conditions)."""
    from sim.sweep.discovery_figures import figures

    out = runner.sweep(SWEEP)
    d = discover(out, FAILS_WHERE, labels=LABELS)
    write_discovery(d, out / "discovery", figures=())  # the tables; the report draws
    inside = np.zeros(len(d.y), dtype=bool)
    for b in d.boxes:
        inside |= b.contains(d.x)
    lead = d.outcomes[OUTCOME]
    region = d.region_sentence("bribery out-earns trust")
    what = (f"conditions sweep ({len(d.y)} points x {d.replications} replication(s), "
            f"{len(d.x.columns)} parameters)")
    metric = ("cumulative profit, trust builder minus discounter, at the end of each run "
              "(money; mean over the sweep's points")
    rows = [] if not d.boxes else [finding(claim, f"{metric} inside the region where it fails)",
                    lead[inside], above(0), f"{what}: {region}"),
            finding(claim, f"{metric} outside that region)", lead[~inside],
                    above(0), f"{what}: outside the discovered region")]
    notes = [f"Scenario discovery over the {what}: the discounter out-earns the trust builder "
             f"at {d.share:.0%} of the points. {region}. ({d.settings.describe()}.) CART "
             f"(depth {d.tree.depth}) agrees on "
             + "; ".join(f"{leaf.rule} (density {leaf.density:.2f}, coverage "
                         f"{leaf.coverage:.2f})" for leaf in d.tree.leaves[
                             d.tree.leaves["predicts"]].head(2).itertuples())
             + ". Feature scores: " + ", ".join(f"{LABELS.get(n, n)} {v:.2f}"
                                                for n, v in d.scores.head(4).items()) + "."]
    figs = {f"discovery_{name}": fig for name, fig in figures(d).items()}
    return rows, figs, notes, region
