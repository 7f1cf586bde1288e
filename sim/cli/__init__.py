"""The ``trustmarket`` command line: the parser, the entry point and the exit codes.

Each sub-command lives in a function ``cmd_<name>(args) -> int`` registered in
:data:`COMMANDS` with the function that adds its arguments; modules of later
capabilities (verification, claims, sweeps, the app) register theirs the same way. The
commands live in modules by what they work on (:mod:`sim.cli.markets`,
:mod:`sim.cli.sweeps`, :mod:`sim.cli.classroom`,
:mod:`sim.cli.calibration`); the package may import every layer
of ``sim`` below it.

Every command checks its inputs, its output folder and the memory a run needs before it
simulates anything (:mod:`sim.preflight`). Exit codes: 0 done, 1 a check failed (``verify``,
``validate``) or the work stopped on a failure such as a full disk, 2 bad input (an
error that names what to change), 130 interrupted (Ctrl-C). No error of the input or the
disk ends in a traceback.
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Callable, Sequence

from sim.cli.calibration import add_calibrate, cmd_calibrate
from sim.cli.classroom import add_app, cmd_app
from sim.cli.common import BAD_INPUT, FAILED, INTERRUPTED, OK
from sim.cli.markets import (
    add_claims,
    add_compare,
    add_run,
    add_validate,
    add_verify,
    cmd_claims,
    cmd_compare,
    cmd_run,
    cmd_validate,
    cmd_verify,
)
from sim.cli.sweeps import (
    add_analyze,
    add_discover,
    add_sweep,
    cmd_analyze,
    cmd_discover,
    cmd_sweep,
)
from sim.interrupts import catch_interrupts, received
from sim.outputs import OutputError
from sim.scenario import ScenarioError
from sim.scenario.resources import ResourceError

__all__ = ["BAD_INPUT", "COMMANDS", "FAILED", "INTERRUPTED", "OK", "build_parser", "main"]


#: name -> (help, add_arguments, handler)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {
    "run": ("run a scenario and compare the firms' long-run profit", add_run, cmd_run),
    "validate": ("check scenario files without running them", add_validate, cmd_validate),
    "claims": ("run the seeds' claims as experiments and report verdicts", add_claims,
               cmd_claims),
    "compare": ("put scenarios' long-run profit side by side", add_compare, cmd_compare),
    "sweep": ("run a sweep of scenario parameters x replications (local or Dask)", add_sweep,
              cmd_sweep),
    "analyze": ("tables, sensitivity indices and figures of a finished sweep", add_analyze,
                cmd_analyze),
    "discover": ("scenario discovery: where in a sweep a condition on an outcome holds",
                 add_discover, cmd_discover),
    "app": ("start the classroom app in the browser (a Solara page)", add_app, cmd_app),
    "verify": ("check the model against known results and the reference model", add_verify,
               cmd_verify),
    "calibrate": ("fit a scenario's customers to a transaction log; forecast a holdout",
                  add_calibrate, cmd_calibrate),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog="trustmarket",
        description="Agent-based market simulator: customer satisfaction, trust, and "
                    "discount bribery vs trust building.")
    parser.add_argument("--version", action="version", version=f"trustmarket {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=handler.__doc__)
        add_arguments(p)
        p.set_defaults(handler=handler)
    return parser


def say_what_the_engine_does() -> None:
    """Show the engine's notices (compiling on the first run) on standard error, one line
    each, without the rest of the logging of the libraries below."""
    log = logging.getLogger("trustmarket")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("trustmarket: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``trustmarket`` console script."""
    args = build_parser().parse_args(argv)
    say_what_the_engine_does()
    #: the command as typed (recorded in provenance files and resume hints)
    args.command_line = ["trustmarket", *(sys.argv[1:] if argv is None else argv)]
    with catch_interrupts():
        try:
            return args.handler(args)
        except (ScenarioError, ResourceError, OutputError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return BAD_INPUT
        except OSError as exc:
            if received():
                print("interrupted", file=sys.stderr)
                return INTERRUPTED
            where = f" ({exc.filename})" if exc.filename else ""
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            print(f"error: {'disk full' if full else exc.strerror or exc}{where}: "
                  + ("free some space and run the command again" if full else
                     "check the path and its permissions, then run the command again"),
                  file=sys.stderr)
            return FAILED
        except BaseException as exc:
            # Ctrl-C can surface as another exception (numba, Dask, pickling) chained to
            # it: the signal was counted, so it is reported as what it was.
            if isinstance(exc, KeyboardInterrupt) or (received() and not isinstance(
                    exc, SystemExit)):
                print("interrupted", file=sys.stderr)
                return INTERRUPTED
            raise
