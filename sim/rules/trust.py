"""The trust stock and its three stages.

Seed ideas: trust is the accumulated, rational result of *repeated* satisfaction, with
three levels — **cognitive** (the product fits my needs), **emotional** (lasting
satisfaction becomes preference), **behavioural** (the firm is indispensable: habitual
repurchase, advocacy, tolerance of occasional failures, discounting of negative
hearsay). Customer bribery does not build it.
"""

from __future__ import annotations

import numpy as np

NONE, COGNITIVE, EMOTIONAL, BEHAVIOURAL = 0, 1, 2, 3
STAGE_NAMES = ("none", "cognitive", "emotional", "behavioural")


def update_trust(trust: np.ndarray, surprise: np.ndarray, band: float, gain: float,
                 loss: float, tolerance: float) -> np.ndarray:
    """Trust after one experience.

    An experience that meets expectation (within half a band) adds
    ``gain * (1 + excess) * (1 - trust)`` — repeated satisfaction accumulates, with
    diminishing returns; ``excess`` is the surprise above that zone in bands, capped at 2.
    A shortfall of ``s`` bands beyond the zone removes ``loss * s * (1 - tolerance * trust)``:
    failures hurt, less so at high trust (behavioural trust tolerates them).

    Parameters
    ----------
    trust : (m,) trust in [0, 1] with the firm bought from.
    surprise : (m,) the part of the disconfirmation that feeds trust (value units).
    band : width of one point of the satisfaction scale (value units).
    gain, loss : trust per band of surprise; tolerance : share of a loss absorbed at trust 1.
    """
    z = surprise / band
    met = z >= -0.5
    excess = np.clip(z - 0.5, 0.0, 2.0)
    up = gain * (1.0 + excess) * (1.0 - trust)
    down = loss * np.maximum(0.0, -z - 0.5) * (1.0 - tolerance * trust)
    return np.clip(np.where(met, trust + up, trust - down), 0.0, 1.0).astype(trust.dtype)


def decay_trust(trust: np.ndarray, rate: float) -> np.ndarray:
    """Trust fades by a share ``rate`` per step without a purchase from that firm."""
    return trust * (1.0 - rate)


def trust_stage(trust: np.ndarray, thresholds: tuple[float, float, float]) -> np.ndarray:
    """Stage 0 (none), 1 (cognitive), 2 (emotional) or 3 (behavioural) by threshold."""
    first, second, third = (trust.dtype.type(t) for t in thresholds) if isinstance(
        trust, np.ndarray) else thresholds
    stage = (trust >= first).astype(np.int8)
    stage += trust >= second
    stage += trust >= third
    return stage
