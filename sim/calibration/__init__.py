"""Calibration to a firm's transaction log: start a scenario from its own customers.

One concept per module: reading and checking the log (``log``), dates to steps
(``timeline``), the cohort at step resolution (``cohort``) and its statistics
(``statistics``, with BG/NBD in ``bgnbd`` as first guess and auxiliary model, and the
exact likelihood of the market's purchase process in ``process_likelihood``), the
simulator interface and a stand-in (``simulators``) beside the whole market (``market``),
the fit — parameters, response surface, synthetic-likelihood posterior, rounds, stored
simulations, spend (``parameters``, ``emulator``, ``posterior``, ``fit``, ``store``,
``spend``) — the forecast (``forecast``), and the outputs (``report``, ``figures``,
``scenario_file``, ``writing``), put together by ``pipeline`` and ``command``
(``trustmarket calibrate``). It may import the model, the experiments and everything
below them; the command line imports it. See docs/calibration.md.
"""

from sim.calibration.fit import Calibration, FitResult, FitSettings
from sim.calibration.log import LogError, LogFormat, TransactionLog, read_log
from sim.calibration.pipeline import Plan, prepare, run_calibration
from sim.calibration.simulators import ProcessSimulator, Simulator
from sim.calibration.timeline import Timeline, make_timeline

__all__ = ["Calibration", "FitResult", "FitSettings", "LogError", "LogFormat", "Plan",
           "ProcessSimulator", "Simulator", "Timeline", "TransactionLog", "make_timeline",
           "prepare", "read_log", "run_calibration"]
