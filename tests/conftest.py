"""Shared fixtures: small scenarios built from the headline file."""

from __future__ import annotations

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
