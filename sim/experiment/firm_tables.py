"""One run's firm metrics in one array, for callers that reduce a run to a few numbers.

:func:`run_firm_tables` runs the market as :func:`~sim.experiment.run_replication` does,
with a :class:`FirmRecorder` in place of the model's DataCollector: each step's firm
table (one row per firm, one column per :data:`~sim.model.metrics.FIRM_METRICS` name)
is copied into a preallocated array, and no Mesa records, market series or DataFrames
are made. Sweeps use it (:mod:`sim.sweep.outcomes`).
"""

from __future__ import annotations

import numpy as np

from sim.model import MarketModel
from sim.scenario import Scenario


class FirmRecorder:
    """Stands in for a market's DataCollector: keeps every step's firm table, nothing else.

    Parameters
    ----------
    steps
        Steps the run will take (rows reserved).
    n_firms, n_metrics
        Shape of the model's ``firm_table``.
    """

    def __init__(self, steps: int, n_firms: int, n_metrics: int):
        self.table = np.empty((steps, n_firms, n_metrics))
        self._rows = self.table.reshape(steps, n_firms * n_metrics)  # a view: one row a step
        self.steps = 0

    def collect(self, model: MarketModel) -> None:
        """Copy this step's firm table."""
        # flat to flat: numpy's copy of a 2-d block costs twice a row's, at these sizes
        self._rows[self.steps] = model.firm_table.reshape(-1)
        self.steps += 1

    @property
    def collected(self) -> np.ndarray:
        """(steps so far, firms, metrics)."""
        return self.table[:self.steps]


def run_firm_tables(scenario: Scenario, seed: np.random.SeedSequence
                    ) -> tuple[np.ndarray, list[str]]:
    """Build and run one market of ``scenario`` for ``run.steps`` steps with ``seed``,
    as :func:`~sim.experiment.run_replication` does, keeping only the firm metrics:
    return them as one array (steps, firms, :data:`~sim.model.metrics.FIRM_METRICS`)
    and the firms' names. Values are those of ``run_replication(...).firms``."""
    model = MarketModel(scenario, seed=seed)
    steps = scenario.run.steps
    recorder = FirmRecorder(steps, *model.firm_table.shape)
    model.datacollector = recorder
    for _ in range(steps):
        model.step()
    return recorder.collected, [f.name for f in model.firms]
