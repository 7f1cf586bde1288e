"""From a sweep's parameter space to the points to run.

* ``grid`` — every combination of the parameters' values (a range contributes
  ``levels`` evenly spaced values);
* ``lhs`` — a Latin hypercube of ``samples`` points (scipy's ``qmc.LatinHypercube``);
* ``sobol`` — Saltelli's scheme for Sobol indices, ``samples * (d + 2)`` points
  (SALib ``sample.sobol``, first and total order);
* ``morris`` — ``samples`` Morris trajectories, ``samples * (d + 1)`` points (SALib).

Sampled designs draw in the unit cube and map each coordinate through
:meth:`sim.sweep.spec.Parameter.from_unit`: ranges by their distribution, discrete
values and categorical choices by equal-width bins. Every design is seeded from the
sweep's seed, so the same file gives the same points.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.sweep.spec import SweepSpec


def salib_problem(spec: SweepSpec) -> dict:
    """The SALib problem: every parameter on the unit interval (mapped afterwards)."""
    return {"num_vars": len(spec.parameters), "names": spec.names,
            "bounds": [[0.0, 1.0]] * len(spec.parameters)}


def unit_sample(spec: SweepSpec) -> np.ndarray | None:
    """The design's points in the unit cube, or None for a grid."""
    d = len(spec.parameters)
    if spec.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, seed=np.random.default_rng(spec.seed)).random(
            spec.samples)
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(salib_problem(spec), spec.samples, calc_second_order=False,
                            seed=spec.seed)
    if spec.design == "morris":
        from SALib.sample import morris

        return morris.sample(salib_problem(spec), spec.samples, num_levels=spec.morris_levels,
                             seed=spec.seed)
    return None


def points(spec: SweepSpec) -> pd.DataFrame:
    """One row per point (index ``point``), one column per parameter path; sampled
    designs also keep their unit-cube coordinates as ``u:<path>`` (for the analysis)."""
    unit = unit_sample(spec)
    if unit is None:
        grids = [p.grid_values(spec.levels) for p in spec.parameters]
        rows = list(itertools.product(*grids))
        table = pd.DataFrame(rows, columns=spec.names)
    else:
        table = pd.DataFrame({p.path: [p.from_unit(float(u)) for u in unit[:, j]]
                              for j, p in enumerate(spec.parameters)})
        for j, p in enumerate(spec.parameters):
            table[f"u:{p.path}"] = unit[:, j]
    table.index.name = "point"
    return table
