"""The command that fits a scenario's customers to a firm's transaction log."""

from __future__ import annotations

import argparse

from sim import preflight
from sim.cli.common import into
from sim.outputs import OutputFolder, named

#: The files ``trustmarket calibrate`` writes at the top of its ``--out`` folder (its
#: stored simulations are in ``work/``).
CALIBRATE_FILES = ("calibrated.toml", "estimates.csv", "statistics.csv", "repeat_counts.csv",
                   "tracking.csv", "tracking_weekly.csv", "conditional.csv", "tracking.png",
                   "repeat_counts.png", "statistics.png", "conditional.png", "summary.json")


def add_calibrate(p: argparse.ArgumentParser) -> None:
    """The arguments of ``trustmarket calibrate``."""
    from sim.calibration.command import add_arguments

    add_arguments(p)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit a scenario's customer parameters to a firm's transaction log by simulation,
    forecast a holdout, and write the calibrated scenario, tables and figures (see
    docs/calibration.md)."""
    preflight.checked_scenario(args.scenario)
    folder = OutputFolder(args.out, "calibrate", named(*CALIBRATE_FILES))
    folder.check()  # before the log is read or anything simulated

    from sim.calibration.command import cmd_calibrate as handler

    return into(folder, handler, args)
