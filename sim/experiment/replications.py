"""The experiment boundary: ``run(scenario) -> Results``.

Replication ``r`` of a scenario with root seed ``s`` always uses
``SeedSequence(s, spawn_key=(r,))`` — the r-th child of ``SeedSequence(s).spawn`` — so a
replication's result does not depend on how many replications run, in which order, or on
how many workers. Sweeps and executors call :func:`run_replication` or :func:`run` and never
reach inside the model.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.statistics import mean_ci, mean_of_defined, pairwise_crossovers
from sim.interrupts import ignore_interrupts, stop_pool
from sim.model import MarketModel
from sim.model.market import warm_up
from sim.model.metrics import FIRM_LABELS, FIRM_METRICS, STOCK_METRICS
from sim.scenario import CHURN_CAUSES, Scenario


@dataclass
class Replication:
    """The time series of one replication, with the seed that produced it."""

    replication: int
    seed_entropy: int
    spawn_key: tuple[int, ...]
    firms: pd.DataFrame
    market: pd.DataFrame
    #: Per-customer snapshots (``run.customer_snapshot_every``), or None when not asked for.
    customers: pd.DataFrame | None = None
    #: One row per purchase (``run.record_purchases``), or None when not asked for.
    purchases: pd.DataFrame | None = None


def replication_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication`` under root seed ``root_seed``."""
    return np.random.SeedSequence(root_seed, spawn_key=(replication,))


def run_replication(scenario: Scenario, replication: int, root_seed: int | None = None,
                    steps: int | None = None, seed: np.random.SeedSequence | None = None,
                    model: type = MarketModel,
                    on_step: Callable[[int], object] | None = None) -> Replication:
    """Build and run one replication of ``scenario`` for ``steps`` (default ``run.steps``).

    The seed is ``seed`` if given (sweeps pass ``SeedSequence(root, spawn_key=(point, r))``),
    else :func:`replication_seed` of ``root_seed`` (default ``run.seed``) and ``replication``.
    ``model`` is the model class: :class:`~sim.model.MarketModel`, or another taking the
    same arguments and giving the same tables (the per-agent reference model).
    ``on_step(1)`` is called after every step (a progress bar's ``update``).
    """
    if seed is None:
        seed = replication_seed(scenario.run.seed if root_seed is None else root_seed,
                                replication)
    market_model = model(scenario, seed=seed)
    for _ in range(scenario.run.steps if steps is None else steps):
        market_model.step()
        if on_step is not None:
            on_step(1)
    firms = market_model.firm_timeseries()
    market = market_model.market_timeseries()
    snapshots = getattr(market_model, "customer_snapshots", None)
    customers = pd.concat(snapshots, ignore_index=True) if snapshots else None
    purchases = (market_model.purchase_table() if scenario.run.record_purchases
                 and hasattr(market_model, "purchase_table") else None)
    for df in (firms, market, customers, purchases):
        if df is not None:
            df.insert(0, "replication", replication)
    return Replication(replication, seed.entropy, tuple(seed.spawn_key), firms, market,
                       customers, purchases)


@dataclass
class Results:
    """All replications of one scenario, and the statistics reported on them."""

    scenario: Scenario
    replications: list[Replication] = field(default_factory=list)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Firm metrics: one row per replication, step and firm."""
        return pd.concat([r.firms for r in self.replications], ignore_index=True)

    @property
    def market_timeseries(self) -> pd.DataFrame:
        """Market metrics: one row per replication and step."""
        return pd.concat([r.market for r in self.replications], ignore_index=True)

    @property
    def purchases(self) -> pd.DataFrame | None:
        """Every purchase of every replication (``run.record_purchases``): replication,
        step, customer, firm, units, revenue; None when not asked for."""
        tables = [r.purchases for r in self.replications if r.purchases is not None]
        return pd.concat(tables, ignore_index=True) if tables else None

    @property
    def customer_snapshots(self) -> pd.DataFrame | None:
        """Per-customer snapshots of every replication (``run.customer_snapshot_every``),
        one row per replication, snapshot step and customer; None when not asked for."""
        tables = [r.customers for r in self.replications if r.customers is not None]
        return pd.concat(tables, ignore_index=True) if tables else None

    def seeds(self) -> pd.DataFrame:
        """The seed of every replication (entropy and spawn key), to rerun any of them."""
        return pd.DataFrame({
            "replication": [r.replication for r in self.replications],
            "seed_entropy": [r.seed_entropy for r in self.replications],
            "spawn_key": [" ".join(map(str, r.spawn_key)) for r in self.replications],
        })

    def per_replication(self) -> pd.DataFrame:
        """One row per replication and firm: totals of flows, final values of stocks."""
        ts = self.timeseries
        keys = ["replication", "firm", "strategy"]
        flows = [c for c in FIRM_METRICS if c not in STOCK_METRICS
                 and not c.startswith(("mean_", "satisfied_churn_share"))]
        totals = ts.groupby(keys, sort=False)[flows].sum()
        last = ts[ts["step"] == ts["step"].max()].set_index(keys)[[*STOCK_METRICS,
                                                                     *FIRM_LABELS]]
        out = totals.join(last).reset_index()
        exposure = ts.groupby(keys, sort=False)["active_customers"].sum().to_numpy()
        out["churn_rate"] = out["churned"].to_numpy() / np.maximum(exposure, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["satisfied_churn_share"] = out["satisfied_churners"] / out["churned"]
        return out

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """One row per firm: means over replications with confidence intervals.

        Columns include ``firm``, ``strategy``, ``cumulative_profit_mean``,
        ``cumulative_profit_ci_low``/``_high``, ``npv_mean`` (and CI), the final customers
        per trust stage, ``churn_rate`` (share of active customers lost per step),
        acquisition, discount and deadweight spend, and churn by cause.
        """
        per = self.per_replication()
        rows = []
        for (firm, strategy), g in per.groupby(["firm", "strategy"], sort=False):
            row: dict[str, object] = {"firm": firm, "strategy": strategy,
                                      "replications": len(g)}
            for metric in ("cumulative_profit", "npv"):
                mean, low, high = mean_ci(g[metric].to_numpy(), confidence)
                row |= {f"{metric}_mean": mean, f"{metric}_ci_low": low,
                        f"{metric}_ci_high": high}
            for metric in ("churn_rate", "satisfied_churn_share", "active_customers",
                           "stage_none", "stage_cognitive", "stage_emotional",
                           "stage_behavioural", "acquisition_cost", "discount_cost",
                           "points_cost", "service_cost", "deadweight_discount", "revenue",
                           "new_customers", "churned",
                           *(f"churn_{c}" for c in CHURN_CAUSES)):
                row[metric] = mean_of_defined(g[metric].to_numpy(dtype=float))
            rows.append(row)
        return pd.DataFrame(rows)

    def crossovers(self, confidence: float = 0.95) -> pd.DataFrame:
        """For each ordered pair of firms, when the second's cumulative profit overtakes the
        first's for good: per-replication crossover steps summarised as mean and CI.

        Only pairs where the challenger ends ahead in at least one replication are listed;
        ``crossed`` counts the replications in which it overtook.
        """
        return pairwise_crossovers(self.timeseries, "firm", confidence)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run`; ``results`` holds the replications that finished."""

    def __init__(self, results: Results, requested: int):
        super().__init__(f"interrupted after {len(results.replications)} of {requested} "
                         "replications")
        self.results = results
        self.requested = requested


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None,
        workers: int = 1, progress: bool = False, model: type = MarketModel) -> Results:
    """Run the scenario's replications and return them with their statistics.

    Parameters
    ----------
    scenario
        The validated scenario.
    replications, seed
        Override ``run.replications`` and ``run.seed``.
    workers
        Worker processes; results are identical for any number.
    progress
        Show a progress bar on standard error.
    model
        The model class (default :class:`~sim.model.MarketModel`; see :func:`run_replication`).

    Raises
    ------
    RunInterrupted
        On Ctrl-C, holding the replications that had finished.
    """
    n = scenario.run.replications if replications is None else replications
    root = scenario.run.seed if seed is None else seed
    results = Results(scenario)
    bar = _progress_bar(n, scenario, progress)
    try:
        for rep in _replications(scenario, range(n), root, workers, model,
                                 bar.update if bar else None):
            results.replications.append(rep)
            if bar:
                bar.set_postfix_str(f"{len(results.replications)}/{n} replications")
    except KeyboardInterrupt as exc:
        results.replications.sort(key=lambda r: r.replication)
        raise RunInterrupted(results, n) from exc
    finally:
        if bar:
            bar.close()
    results.replications.sort(key=lambda r: r.replication)
    return results


def _replications(scenario: Scenario, indices: Iterable[int], root: int, workers: int,
                  model: type, on_step: Callable[[int], object] | None
                  ) -> Iterable[Replication]:
    if workers <= 1:
        for i in indices:
            yield run_replication(scenario, i, root, model=model, on_step=on_step)
        return
    if model is MarketModel:
        warm_up()  # compiled once here, loaded by every worker
    # Mesa switches multiprocessing to "spawn"; be explicit so behaviour does not depend on it.
    ctx = multiprocessing.get_context("spawn")
    # Workers ignore Ctrl-C: the parent stops them and keeps what has finished.
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                initializer=ignore_interrupts) as pool:
        try:
            futures = [pool.submit(run_replication, scenario, i, root, None, None, model)
                       for i in indices]
            for fut in cf.as_completed(futures):
                rep = fut.result()
                if on_step is not None:
                    on_step(scenario.run.steps)
                yield rep
        except (KeyboardInterrupt, GeneratorExit):  # also when the consumer was interrupted
            stop_pool(pool)
            raise


def _progress_bar(n: int, scenario: Scenario, show: bool) -> Any:
    """A bar over every replication's steps (so that the first steps show even while the
    engine compiles), or None."""
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=n * scenario.run.steps, desc=scenario.name, unit="step")
