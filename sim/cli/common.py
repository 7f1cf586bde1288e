"""What the commands share: exit codes, the default scenario, the model
class ``--engine`` names, and commands that write their own folder."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sim import preflight
from sim.scenario import HEADLINE

#: Exit codes.
OK, FAILED, BAD_INPUT, INTERRUPTED = 0, 1, 2, 130


def default_scenario() -> Path:
    """The headline scenario shipped in ``scenarios/``."""
    return HEADLINE


def add_allow_large(p: argparse.ArgumentParser) -> None:
    """Add ``--allow-large``: run even when the memory estimate exceeds what is free."""
    p.add_argument(preflight.ALLOW_LARGE, action="store_true",
                   help="run even if the memory estimate exceeds the memory available")


def model_class(engine: str) -> type:
    """The model class ``--engine`` names."""
    if engine == "reference":
        from sim.verify.reference import ReferenceModel

        return ReferenceModel
    from sim.model import MarketModel

    return MarketModel


def into(folder, handler: Callable[[argparse.Namespace], int],
          args: argparse.Namespace) -> int:
    """Run a command that writes into ``folder`` itself; then list what it wrote in the
    folder's manifest and remove what an earlier run left there. A command that fails
    before writing anything leaves the folder as it was."""
    code = handler(args)
    if code != 0 and not folder.written_since_check():
        return code
    if folder.path.is_dir():
        removed = folder.finish(argv=args.command_line, extra={"exit_code": code})
        if removed:
            print(f"removed {len(removed)} file(s) of an earlier run from {folder.path}: "
                  + ", ".join(removed), file=sys.stderr)
    return code
