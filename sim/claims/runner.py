"""Running the claims' scenarios: sizing them (full or quick), caching each run, and the
table helpers the claims share (firms told apart by their levers, never their names)."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment import Results, run
from sim.scenario import HOLE_LEVER, SHIPPED, Levers, Scenario, load_scenario
from sim.sweep.spec import SweepSpec, load_sweep, sweep_from_dict

#: The scenario files shipped with the package.
SCENARIO_DIR = SHIPPED


# --------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Size:
    """How large the claims' runs are: a share of each file's customers, and replications.

    ``replications=None`` keeps each file's ``run.replications``; run lengths are never
    shortened because several claims are about horizons.
    """

    customer_share: float = 1.0
    replications: int | None = None
    #: Points and replications of the claims' sweeps (None: as in the sweep file).
    sweep_samples: int | None = None
    sweep_replications: int | None = None


FULL = Size()


#: ``--quick``: a fifth of the customers and four replications (adaptive claims use more);
#: the conditions sweep with 100 points of one replication each.
QUICK = Size(customer_share=0.2, replications=4, sweep_samples=100, sweep_replications=1)


def shrink(scenario: Scenario, share: float) -> Scenario:
    """The scenario with ``share`` of its initial customers and arrivals (at least 50
    customers; arrivals stay positive if they were)."""
    if share >= 1.0:
        return scenario
    c = scenario.customers
    n = max(50, round(c.n_initial * share))
    arrivals = round(c.arrivals_per_step * share)
    if c.arrivals_per_step > 0:
        arrivals = max(1, arrivals)
    degree = scenario.network.mean_degree
    overrides: dict[str, Any] = {"customers.n_initial": n, "customers.arrivals_per_step": arrivals}
    if scenario.network.kind in ("watts_strogatz", "erdos_renyi", "barabasi_albert"):
        overrides["network.mean_degree"] = min(degree, 2 * ((n - 1) // 2))
    return scenario.with_overrides(overrides)


class ClaimRunner:
    """Loads, sizes and runs scenarios for the claims, caching each run's :class:`Results`.

    Parameters
    ----------
    scenario_dir
        Where the scenario files are.
    size
        :data:`FULL` or :data:`QUICK` (or any :class:`Size`).
    workers
        Worker processes per run (results do not depend on it).
    """

    def __init__(self, scenario_dir: Path = SCENARIO_DIR, size: Size = FULL, workers: int = 1,
                 log: Callable[[str], None] | None = None, sweep_dir: Path | None = None):
        self.scenario_dir = Path(scenario_dir)
        self.size = size
        self.workers = workers
        self.log = log or (lambda _msg: None)
        #: Where the claims' sweeps keep their runs (a temporary folder if not given).
        self.sweep_dir = Path(sweep_dir) if sweep_dir else None
        self._cache: dict[tuple[str, str], Results] = {}
        self._sweeps: dict[str, Path] = {}

    def scenario(self, name: str, overrides: Mapping[str, Any] | None = None) -> Scenario:
        """The sized scenario ``scenario_dir/name.toml`` with ``overrides`` applied."""
        s = shrink(load_scenario(self.scenario_dir / f"{name}.toml"), self.size.customer_share)
        return s.with_overrides(overrides) if overrides else s

    def replications(self, scenario: Scenario, minimum: int = 1) -> int:
        """Replications for a run: the size's (or the file's), but at least ``minimum``."""
        n = self.size.replications or scenario.run.replications
        return max(n, minimum) if self.size.replications else n

    def results(self, name: str, overrides: Mapping[str, Any] | None = None,
                minimum_replications: int = 1) -> Results:
        """Run (or fetch from the cache) a sized scenario with overrides."""
        key = (name, repr(sorted((overrides or {}).items())))
        if key not in self._cache:
            s = self.scenario(name, overrides)
            n = self.replications(s, minimum_replications)
            start = time.perf_counter()
            self._cache[key] = run(s, replications=n, workers=self.workers)
            what = ", ".join(f"{k}={v}" for k, v in (overrides or {}).items())
            what = what if len(what) < 80 else what[:77] + "..."
            self.log(f"  ran {name} [{what}]: {n} x {s.run.steps} steps, "
                     f"{s.customers.n_initial} customers ({time.perf_counter() - start:.1f} s)")
        return self._cache[key]


    def sweep(self, name: str) -> Path:
        """Run (or reuse) the sweep file ``scenario_dir/sweeps/<name>.toml`` at this size;
        return its results directory.

        The runs go to ``sweep_dir/<name>`` (``<name>_quick`` when reduced); a folder
        that already holds this very sweep (same sha256) is resumed, so only missing runs
        are run; one that holds another is replaced (it is the report's own output).
        """
        if name in self._sweeps:
            return self._sweeps[name]
        from sim.sweep.execute import run_sweep
        from sim.sweep.store import provenance

        path = self.scenario_dir / "sweeps" / f"{name}.toml"
        if not path.is_file():
            path = SCENARIO_DIR / "sweeps" / f"{name}.toml"
        spec = sized_sweep(path, self.size)
        if self.sweep_dir is None:
            self.sweep_dir = Path(tempfile.mkdtemp(prefix="trustmarket-claims-"))
        shipped = load_sweep(path)
        reduced = (spec.samples, spec.replications) != (shipped.samples, shipped.replications)
        out = self.sweep_dir / (f"{name}_quick" if reduced else name)
        resume = False
        if (out / "provenance.json").is_file():
            resume = provenance(out).get("digest") == spec.digest
            if not resume:
                shutil.rmtree(out)
        start = time.perf_counter()
        counts = run_sweep(spec, out, workers=self.workers, resume=resume, progress=False,
                           command=["trustmarket", "claims"])
        self.log(f"  swept {path.name}: {counts['ran']} run(s) now, {counts['done_before']} "
                 f"already in {out} ({spec.samples} points x {spec.replications} "
                 f"replication(s); {time.perf_counter() - start:.1f} s)")
        self._sweeps[name] = out
        return out


def sized_sweep(path: Path, size: Size) -> SweepSpec:
    """The sweep file with the size's points and replications written into its text (so
    the results' provenance records the sweep that ran)."""
    text = path.read_text(encoding="utf-8")
    for key, value in (("samples", size.sweep_samples),
                       ("replications", size.sweep_replications)):
        if value is not None:
            text, count = re.subn(rf"(?m)^{key}\s*=\s*\d+", f"{key} = {value}", text, count=1)
            if not count:
                raise ValueError(f"{path}: no '{key} = N' line in [sweep] to resize")
    spec = sweep_from_dict(tomllib.loads(text), path, text)
    if size.sweep_samples is not None and spec.samples != size.sweep_samples:
        raise ValueError(f"{path}: resizing did not set samples to {size.sweep_samples}")
    return spec


# --------------------------------------------------------------------------- table helpers
def firm_table(results: Results) -> pd.DataFrame:
    """Per replication and firm: totals and final values (:meth:`Results.per_replication`)."""
    return results.per_replication()


def by_firm(results: Results, column: str) -> pd.DataFrame:
    """Wide table: one row per replication, one column per firm, of a per-replication
    value."""
    return firm_table(results).pivot(index="replication", columns="firm", values=column)


def discount_intensity(levers: Levers) -> float:
    """Share of list price given back on average: promotions (depth x time on) plus points."""
    on = levers.discount_duration / levers.discount_period if levers.discount_depth > 0 else 0.0
    return levers.discount_depth * on + levers.points_rate


def hole_plugging(levers: Levers) -> float:
    """Mean of the levers that plug the leaky bucket's holes."""
    return float(np.mean([getattr(levers, lever) for lever in set(HOLE_LEVER.values())]))


def ranked_firms(scenario: Scenario, score: Callable[[Levers], float]) -> tuple[str, str]:
    """Names of the firms with the lowest and the highest ``score`` of their levers."""
    firms = sorted(scenario.firms, key=lambda f: score(f.levers))
    return firms[0].name, firms[-1].name


def discounter_and_builder(scenario: Scenario) -> tuple[str, str]:
    """The firm that discounts most and the one that invests most in plugging holes."""
    return (ranked_firms(scenario, discount_intensity)[1],
            ranked_firms(scenario, hole_plugging)[1])


def window(results: Results, steps: int) -> pd.DataFrame:
    """Firm time series of the last ``steps`` steps."""
    ts = results.timeseries
    return ts[ts["step"] > ts["step"].max() - steps]


def defection_rate(results: Results, steps: int) -> pd.DataFrame:
    """Per replication and firm, over the last ``steps`` steps: customers lost per active
    customer and step, counting both churn and customers who left the market.

    People leaving the market are not booked as churn, so they are recovered from the
    stock-flow identity ``active[t] = active[t-1] + new[t] - churned[t] - exits[t]``.
    """
    ts = results.timeseries.sort_values(["replication", "firm", "step"])
    prev = ts.groupby(["replication", "firm"])["active_customers"].shift(1)
    exits = (prev + ts["new_customers"] - ts["churned"] - ts["active_customers"]).clip(lower=0)
    ts = ts.assign(prev_active=prev, exits=exits)
    last = ts[ts["step"] > ts["step"].max() - steps]
    g = last.groupby(["replication", "firm"])
    out = pd.DataFrame({
        "lost": g["churned"].sum() + g["exits"].sum(),
        "exposure": g["prev_active"].sum(),
        "inflow": g["new_customers"].mean(),
        "profit": g["profit"].mean(),
        "active": g["active_customers"].last(),
    })
    out["rate"] = out["lost"] / out["exposure"].clip(lower=1)
    return out.reset_index()


def _steps_label(s: Scenario) -> str:
    years = s.run.steps / s.market.steps_per_year
    return f"{s.run.steps} steps ({years:g} years)"
