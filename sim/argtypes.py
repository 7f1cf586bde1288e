"""Value types for the commands' arguments (imports nothing of ``sim``: any layer may use
it): a bad value is refused by argparse with the option's name, before any work."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def at_least(minimum: int) -> Callable[[str], int]:
    """argparse type: a whole number >= ``minimum``."""
    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return whole


#: argparse type: a whole number >= 1.
positive_int = at_least(1)
