"""The trust stock and its three stages.

Seed ideas: trust is the accumulated, rational result of *repeated* satisfaction, with
three levels — **cognitive** (the product fits my needs), **emotional** (lasting
satisfaction becomes preference), **behavioural** (the firm is indispensable: habitual
repurchase, advocacy, tolerance of occasional failures, discounting of negative
hearsay). *Customer bribery* does not build it. Trust is a stock in [0, 1] per customer
and firm.
"""

from __future__ import annotations

NONE, COGNITIVE, EMOTIONAL, BEHAVIOURAL = 0, 1, 2, 3
STAGE_NAMES = ("none", "cognitive", "emotional", "behavioural")


def trust_signal(surprise: float, value_for_money: float, price_trust_weight: float,
                 value_for_money_weight: float) -> float:
    """The part of a purchase's satisfaction that feeds trust (value units): the
    performance surprise plus only a share ``price_trust_weight`` of the value-for-money
    satisfaction (seed: 0 — a discount pleases but builds no trust)."""
    return surprise + price_trust_weight * value_for_money_weight * value_for_money


def update_trust(trust: float, signal: float, band: float, gain: float, loss: float,
                 tolerance: float) -> float:
    """Trust in [0, 1] after one experience.

    An experience that meets expectation (``z = signal / band >= -0.5``) adds
    ``gain * (1 + excess) * (1 - trust)`` — repeated satisfaction accumulates, with
    diminishing returns; ``excess = min(2, max(0, z - 0.5))``. A shortfall of
    ``s = -z - 0.5`` bands removes ``loss * s * (1 - tolerance * trust)``: failures hurt,
    less so at high trust (behavioural trust tolerates them).

    Parameters
    ----------
    trust : trust with the firm bought from.
    signal : :func:`trust_signal` of the purchase (value units).
    band : width of one point of the satisfaction scale (value units).
    gain, loss : trust per band of surprise; tolerance : share of a loss absorbed at trust 1.
    """
    z = signal / band
    if z >= -0.5:
        after = trust + gain * (1.0 + min(2.0, max(0.0, z - 0.5))) * (1.0 - trust)
    else:
        after = trust - loss * (-z - 0.5) * (1.0 - tolerance * trust)
    return min(1.0, max(0.0, after))


def decay_trust(trust: float, rate: float) -> float:
    """Trust fades by a share ``rate`` (1/step) every step."""
    return trust * (1.0 - rate)


def trust_stage(trust: float, cognitive: float, emotional: float, behavioural: float) -> int:
    """Stage 0 (none), 1 (cognitive), 2 (emotional) or 3 (behavioural): how many of the
    stage thresholds ``trust`` has reached."""
    return int(trust >= cognitive) + int(trust >= emotional) + int(trust >= behavioural)
