"""The calibration's random streams: one root seed, one spawn-key namespace per purpose.

Every simulation of a calibration draws from ``SeedSequence(seed, spawn_key=(purpose,
...))``, so a design point, the model's covariance, the spend fit and the forecast never
share a stream (shared streams would tie the forecast's noise to the fit's).
"""

from __future__ import annotations

import numpy as np

#: The purposes, each its own namespace of streams.
DESIGN, MODEL_COVARIANCE, SPEND, FORECAST = range(4)


def stream(seed: int, purpose: int, *index: int) -> np.random.SeedSequence:
    """The stream of simulation ``index`` of ``purpose`` under root ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(purpose, *index))
