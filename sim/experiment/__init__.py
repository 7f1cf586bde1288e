"""Experiments: ``run(scenario) -> Results`` (replications, seeds, CIs, crossovers) and
side-by-side comparison of scenarios.

Imports the market model (:mod:`sim.model`) and below; never reaches inside a model.
"""

from sim.experiment.replications import (
    Replication,
    Results,
    RunInterrupted,
    replication_seed,
    run,
    run_replication,
)
from sim.experiment.statistics import (
    CROSSOVER_COLUMNS,
    bootstrap_mean_ci,
    crossover_step,
    format_interval,
    mean_ci,
    pairwise_crossovers,
)

__all__ = ["CROSSOVER_COLUMNS", "Replication", "Results", "RunInterrupted",
           "bootstrap_mean_ci", "crossover_step", "format_interval", "mean_ci",
           "pairwise_crossovers", "replication_seed", "run", "run_replication"]
