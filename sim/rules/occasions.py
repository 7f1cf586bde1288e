"""Purchase occasions and silent dropout: how often each customer is in the market for
the category, and whether they quietly stop.

Seed ideas: "80 % of profit comes from 20 % of customers" — a few heavy buyers buy often,
most rarely; most dissatisfied customers do not complain, they simply stop ("next time I
just won't buy"). Outside facts (Schmittlein, Morrison & Colombo 1987; Fader, Hardie &
Lee 2005): purchase rates differ widely across customers (gamma-distributed in Pareto/NBD
and BG/NBD) and customers drop out silently, after any purchase with a beta-distributed
probability (BG/NBD). Rates are per step.
"""

from __future__ import annotations

import math


def occasion_probability(rate: float) -> float:
    """Chance of at least one purchase occasion in a step for a customer whose occasions
    come at ``rate`` per step (a Poisson process): ``1 - exp(-rate)``."""
    return -math.expm1(-rate)


def occasion_rate(probability: float) -> float:
    """The occasion rate per step whose :func:`occasion_probability` is ``probability``
    (``customers.purchase_probability`` read as a rate: ``-log(1 - p)``)."""
    return -math.log1p(-probability) if probability < 1.0 else math.inf
