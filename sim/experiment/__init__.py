"""Experiments: ``run(scenario) -> Results`` (replications, seeds, CIs, crossovers) and
side-by-side comparison of scenarios.

Imports the market model (:mod:`sim.model`) and below; never reaches inside a model.
"""

from sim.experiment.replications import (
    Replication,
    Results,
    replication_seed,
    run,
    run_replication,
)
from sim.experiment.statistics import (
    CROSSOVER_COLUMNS,
    crossover_step,
    mean_ci,
    pairwise_crossovers,
)

__all__ = ["CROSSOVER_COLUMNS", "Replication", "Results", "crossover_step", "mean_ci",
           "pairwise_crossovers", "replication_seed", "run", "run_replication"]
