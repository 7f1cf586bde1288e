"""Verification: the per-agent reference model, docking against known results and
against that model, corner cases, and the suite ``trustmarket verify`` runs.

Imports the market model and experiments; nothing imports this package but the CLI.
"""

from sim.verify.analytic import (
    BASS_PAIRS,
    COLUMNS,
    Check,
    bass_checks,
    bass_curve,
    bass_market,
    bass_recursion,
    bucket_check,
    bucket_market,
    clv_check,
    clv_market,
    model_recursion,
    reach_checks,
    single_firm_market,
)
from sim.verify.corners import corner_cases
from sim.verify.mechanisms import mechanism_checks
from sim.verify.reference_docking import EQUIVALENCE_SCENARIOS, equivalence, equivalence_scenario
from sim.verify.suite import cmd_verify, format_table, run_all

__all__ = ["BASS_PAIRS", "COLUMNS", "EQUIVALENCE_SCENARIOS", "Check", "bass_checks",
           "bass_curve", "bass_market", "bass_recursion", "bucket_check", "bucket_market",
           "clv_check", "clv_market", "cmd_verify", "corner_cases", "equivalence",
           "equivalence_scenario", "format_table", "mechanism_checks", "model_recursion",
           "reach_checks", "run_all", "single_firm_market"]
