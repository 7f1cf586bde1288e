"""Purchase occasions and silent dropout: how often each customer is in the market for
the category, and whether they quietly stop.

Seed ideas: "80 % of profit comes from 20 % of customers" — a few heavy buyers buy often,
most rarely; most dissatisfied customers do not complain, they simply stop ("next time I
just won't buy"). Outside facts (Schmittlein, Morrison & Colombo 1987; Fader, Hardie &
Lee 2005): purchase rates differ widely across customers (gamma-distributed in Pareto/NBD
and BG/NBD) and customers drop out silently, after any purchase with a beta-distributed
probability (BG/NBD), or at any moment of an exponential lifetime that starts at the first
purchase (Pareto/NBD's lapse). Rates are per step.
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


def occasion_chance(chance: float, buys_on_arrival: bool) -> float:
    """A customer's chance of a purchase occasion this step: its own ``chance``, or
    certainty for a newcomer who arrives as a firm's first-time buyer
    (``customers.arrivals_buy_from``: a firm's log begins with the first purchase)."""
    return 1.0 if buys_on_arrival else chance


def trusting_occasion_chance(chance: float, trust: float, frequency_growth: float) -> float:
    """A customer's occasion chance, raised by trust in the firm it buys from.

    Seed idea: trusting customers buy more over time — more often, not only more at a time
    (``spend_growth``). The occasion rate ``-ln(1 - chance)`` grows by the share
    ``frequency_growth`` at full trust: ``1 - (1 - chance)^(1 + frequency_growth * trust)``
    (trust in the customer's current firm, 0 without one). Units: probability per step.
    """
    if frequency_growth == 0.0 or trust <= 0.0 or chance >= 1.0:
        return chance
    return -math.expm1(math.log1p(-chance) * (1.0 + frequency_growth * trust))


def may_drop_out(first_purchase: bool, after_first_purchase: bool) -> bool:
    """Whether a purchase is followed by the silent-dropout chance: every purchase
    (``customers.dropout_after_first_purchase``, the modified BG/NBD of Batislam, Denizel &
    Filiztekin 2007), or only repeat purchases (BG/NBD: a first-time buyer stays in the
    market until a repeat purchase)."""
    return after_first_purchase or not first_purchase


def lapse_chance(has_bought: bool, chance: float) -> float:
    """A customer's chance of leaving the market for good this step, purchase or not.

    Seed idea: customers silently stop ("next time I just won't buy"), whether or not they
    buy again first. Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee
    2005) gives each customer an exponential lifetime with rate ``mu_i ~ Gamma(s, beta)``
    that starts at the first purchase; in steps, a customer who has bought survives each
    later step with ``exp(-mu_i)``, i.e. leaves with ``chance = 1 - exp(-mu_i)`` (drawn at
    arrival from ``customers.lapse_probability`` and ``lapse_rate_shape``), so it is still
    in the market ``k`` steps after its first purchase with ``(1 - chance)^k`` and a cohort
    with ``(1 + k mu / s)^(-s)`` (``mu`` the mean rate per step). Before its first purchase
    a customer has no lifetime yet: 0. Units: probability per step.
    """
    return chance if has_bought else 0.0
