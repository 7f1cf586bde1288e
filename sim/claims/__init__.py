"""The seeds' claims as experiments, and the report that says where each one holds.

Each claim names the seed idea it comes from, the scenario files that test it, and a
function that runs them (through :func:`sim.experiment.run`) and turns the collected
tables into findings: a metric, its mean with a 95 % confidence interval over
replications, and a verdict a stated rule computes from those numbers. Nothing here
hard-codes an outcome, and firms are told apart by their levers, never by the name of
their strategy. Imports experiments, the model's metrics and reports.
"""

from sim.claims.catalogue import CLAIMS
from sim.claims.report import ClaimsReport, cmd_claims, evaluate_claims, format_table, write_report
from sim.claims.runner import FULL, QUICK, SCENARIO_DIR, ClaimRunner, Size, shrink
from sim.claims.verdicts import VERDICTS, Claim, ClaimResult, Finding, Rule, above, below, within

__all__ = ["CLAIMS", "FULL", "QUICK", "SCENARIO_DIR", "VERDICTS", "Claim", "ClaimResult",
           "ClaimRunner", "ClaimsReport", "Finding", "Rule", "Size", "above", "below",
           "cmd_claims", "evaluate_claims", "format_table", "shrink",
           "within", "write_report"]
