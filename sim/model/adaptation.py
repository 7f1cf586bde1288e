"""Adaptive firms: periodic review of results and switching between strategies.

Seed ideas: firms may switch between discount bribery and trust building; a *myopic*
review (recent profit only) and a *far-sighted* one (profit capitalised at the measured
retention — the customer base's lifetime value, as in the economics of trust) can lead to
different ends, so that bribery traps and price wars *emerge* from the reviews rather
than being scripted. Nothing here knows what a strategy contains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def review_score(profits: np.ndarray, churned: np.ndarray, active: np.ndarray,
                 step_discount: float, horizon: str) -> float:
    """Value a firm puts on its recent results.

    Parameters
    ----------
    profits, churned, active : per-step profit, customers lost and active customers over
        the review window.
    step_discount : discount factor per step, ``(1 + annual rate) ** (-1 / steps_per_year)``.
    horizon : ``"myopic"`` — the mean profit per step; ``"far_sighted"`` — that profit
        capitalised as a perpetuity that decays with retention ``r``:
        ``mean profit / (1 - step_discount * r)``, the lifetime-value formula
        ``m / (1 + i - r)`` applied to the whole firm.
    """
    mean_profit = float(np.mean(profits)) if len(profits) else 0.0
    if horizon == "myopic":
        return mean_profit
    exposure = float(np.sum(active))
    retention = 1.0 - (float(np.sum(churned)) / exposure if exposure > 0 else 1.0)
    return mean_profit / (1.0 - step_discount * min(max(retention, 0.0), 1.0))


def choose_strategy(estimates: Mapping[str, float], current: str, alternatives: Sequence[str],
                    exploration: float, rng: np.random.Generator) -> str:
    """The strategy to follow after a review.

    With probability ``exploration`` a different alternative is tried at random (untried
    ones first); otherwise the best-valued strategy among those tried is kept or adopted.
    """
    others = [a for a in alternatives if a != current]
    if others and rng.random() < exploration:
        untried = [a for a in others if a not in estimates]
        pool = untried or others
        return pool[int(rng.integers(len(pool)))]
    tried = {a: v for a, v in estimates.items() if a in alternatives}
    return max(tried, key=tried.__getitem__) if tried else current


def move_toward(current: float, target: float, speed: float) -> float:
    """Move a lever a share ``speed`` of the way to its target (1 = at once)."""
    return current + speed * (target - current)
