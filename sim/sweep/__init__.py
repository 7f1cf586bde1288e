"""Scenario sweeps: a design over parameters x replications, run locally or on Dask,
written incrementally and resumable, analysed with confidence intervals and sensitivity
indices.

A sweep file names a base scenario and describes the space (:mod:`sim.sweep.spec`); the
design turns it into points (:mod:`sim.sweep.design`); every (point, replication) is one
run with its own seed, evaluated through :func:`sim.experiment.run_replication`
(:mod:`sim.sweep.execute`) and written to Parquet as it finishes (:mod:`sim.sweep.store`);
:mod:`sim.sweep.analyze` turns the runs into tables and figures. Imports experiments and
below; only the command line imports it.
"""

from sim.sweep.spec import SweepSpec, load_sweep

__all__ = ["SweepSpec", "load_sweep"]
