"""Test functions with known sensitivity indices, run through the sweep pipeline in place
of the market model (``evaluator = "sim.sweep.testfunctions:ishigami"``).

Each takes the point's parameters and the run's random generator and returns outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

#: Analytic Sobol indices of Ishigami (a = 7, b = 0.1) for x1, x2, x3 on [-pi, pi].
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(params: Mapping[str, Any], rng: np.random.Generator,
             a: float = 7.0, b: float = 0.1) -> dict[str, float]:
    """``y = sin x1 + a sin^2 x2 + b x3^4 sin x1`` (deterministic; ``rng`` unused)."""
    x1, x2, x3 = (float(params[k]) for k in ("x1", "x2", "x3"))
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def noisy_sum(params: Mapping[str, Any], rng: np.random.Generator) -> dict[str, float]:
    """The sum of the parameters plus standard normal noise from the run's seed (to check
    that seeds, not workers, decide the numbers)."""
    return {"y": float(sum(float(v) for v in params.values()) + rng.standard_normal())}


#: The box of :func:`known_box`: x1 in [0.6, 1] and x2 in [0, 0.3] (x3 does not matter).
KNOWN_BOX = {"x1": (0.6, 1.0), "x2": (0.0, 0.3)}


def known_box(params: Mapping[str, Any], rng: np.random.Generator,
              noise: float = 0.02) -> dict[str, float]:
    """``y = 1`` inside :data:`KNOWN_BOX`, else 0, flipped with probability ``noise`` from
    the run's seed (a scenario-discovery test whose answer is known)."""
    inside = all(lo <= float(params[k]) <= hi for k, (lo, hi) in KNOWN_BOX.items())
    return {"y": float(inside != (rng.uniform() < noise))}
