"""Measure the peak memory of single runs, to set the constants of the memory estimate
(:mod:`sim.scenario.resources`).

Each configuration runs in a fresh interpreter (``python -c``) that builds the headline
market with overrides, runs one replication, and reports its peak resident set
(``VmHWM`` of ``/proc/self/status``, else ``resource.getrusage(RUSAGE_SELF).ru_maxrss``,
which Linux carries over ``exec`` from a large parent such as a test run) beside the
estimate. Run it after a
change of the engine's arrays and update the constants so that the ratios printed stay
near 1::

    python benchmarks/memory_constants.py            # prints one row per configuration
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, resource, sys
from sim.experiment import run_replication
from sim.scenario import HEADLINE, load_scenario
from sim.scenario.resources import estimate_run
s = load_scenario(HEADLINE).with_overrides(json.loads(sys.argv[1]))
run_replication(s, 0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:  # ru_maxrss survives exec: a child of a large process reports its parent's size
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(json.dumps({"peak": peak, "estimate": estimate_run(s, replications=1).total}))
"""

#: name -> scenario overrides (one replication each).
CONFIGURATIONS = {
    "base": {"customers.n_initial": 1000, "run.steps": 3},
    "arrays 200k": {"customers.n_initial": 200_000, "run.steps": 3,
                    "network.builder": "arrays"},
    "arrays 600k": {"customers.n_initial": 600_000, "run.steps": 3,
                    "network.builder": "arrays"},
    "arrays 200k k=40": {"customers.n_initial": 200_000, "run.steps": 3,
                         "network.builder": "arrays", "network.mean_degree": 40},
    "networkx 60k": {"customers.n_initial": 60_000, "run.steps": 3,
                     "network.builder": "networkx"},
    "networkx 60k k=40": {"customers.n_initial": 60_000, "run.steps": 3,
                          "network.builder": "networkx", "network.mean_degree": 40},
    "complete 3000": {"customers.n_initial": 3000, "run.steps": 3,
                      "network.kind": "complete"},
    "snapshots 100k": {"customers.n_initial": 100_000, "run.steps": 10,
                       "run.customer_snapshot_every": 1, "network.builder": "arrays"},
    "purchases 100k": {"customers.n_initial": 100_000, "run.steps": 60,
                       "run.record_purchases": True, "network.builder": "arrays"},
    "steps 20000": {"customers.n_initial": 100, "run.steps": 20_000,
                    "network.mean_degree": 4},
}


def measure(overrides: dict) -> dict:
    """Peak RSS and estimate (bytes) of one replication with ``overrides``."""
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(overrides)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    names = sys.argv[1:] or list(CONFIGURATIONS)
    for name in names:
        m = measure(CONFIGURATIONS[name])
        print(f"{name:<22} peak {m['peak'] / 2**20:8.0f} MiB  estimate "
              f"{m['estimate'] / 2**20:8.0f} MiB  ratio {m['estimate'] / m['peak']:.2f}",
              flush=True)
