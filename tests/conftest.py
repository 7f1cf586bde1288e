"""Shared fixtures: small scenarios built from the headline file."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
HEADLINE = ROOT / "scenarios" / "bribery_vs_trust.toml"


@pytest.fixture(scope="session")
def headline() -> Scenario:
    """The headline scenario as shipped."""
    return load_scenario(HEADLINE)


@pytest.fixture(scope="session")
def small(headline: Scenario) -> Scenario:
    """The headline market shrunk to 300 customers and 60 steps (fast)."""
    return headline.with_overrides({"customers.n_initial": 300, "run.steps": 60,
                                    "run.replications": 3, "customers.initial_awareness": 0.3})


@pytest.fixture(autouse=True)
def _close_figures():
    """Figures a test draws and does not close are closed after it (matplotlib warns past
    twenty open ones); pyplot is not imported for tests that never use it."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(autouse=True)
def _restore_the_projects_logger():
    """The command line gives the ``trustmarket`` logger a handler on the standard error
    of the moment (pytest's capture, closed after the test) and stops it propagating;
    after each test the logger is put back as it was, so caplog in later tests sees its
    records."""
    logger = logging.getLogger("trustmarket")
    kept = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:], logger.propagate, logger.level = kept[0], kept[1], kept[2]
