"""The customer population: who is drawn at the start, and the lifecycle their state implies.

Seed idea (customer lifecycle): potential -> new -> old (basic trust) customer; a
customer who leaves a firm is lapsed until they buy again; people also enter and leave
the market. The lifecycle stage is derived from the arrays, never stored twice, so every
customer is in exactly one stage by construction.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.engine.state import FLOAT, CustomerState, Presence
from sim.rules import elementwise, occasions
from sim.scenario import CustomerSpec, Scenario


class Lifecycle(IntEnum):
    """Lifecycle stages counted every step (each customer is in exactly one)."""

    ABSENT = 0
    POTENTIAL = 1  #: in the market, never bought
    NEW = 2  #: a firm's customer, trust still below the cognitive stage
    REGULAR = 3  #: a firm's customer with at least cognitive trust ("old customer")
    LAPSED = 4  #: bought before, has no firm now
    GONE = 5


LIFECYCLE_NAMES = tuple(s.name.lower() for s in Lifecycle)


def initial_state(scenario: Scenario, rng: np.random.Generator) -> CustomerState:
    """Draw everyone who will ever be in the market (heterogeneous needs, tastes, spend,
    price sensitivity and, if the scenario asks, purchase rates and dropout chances).

    Basket sizes are log-normal (heavy-tailed: a minority buys most) and price
    sensitivities log-normal around the scenario's median. With
    ``customers.occasion_rate_shape > 0`` each customer's purchase-occasion rate is
    gamma-distributed around the rate ``purchase_probability`` gives (heavy and light
    buyers, as Pareto/NBD and BG/NBD model them); with ``dropout_concentration > 0``
    each customer's dropout chance is beta-distributed around ``dropout_probability``;
    with ``lapse_rate_shape > 0`` (and ``lapse_probability > 0``) each customer's lapse
    rate is gamma-distributed around the rate ``lapse_probability`` gives (Pareto/NBD's
    heterogeneous lifetimes). Those draws come last, in that order, so scenarios without
    them draw exactly as before.
    """
    c = scenario.customers
    n, n_firms = scenario.capacity, scenario.n_firms
    presence = np.full(n, Presence.ABSENT, dtype=np.int8)
    need = rng.random(n, dtype=FLOAT)
    facet_weights = rng.dirichlet(c.facet_concentration, size=n).astype(FLOAT)
    basket = (c.spend_median * rng.lognormal(0.0, c.spend_sigma, size=n)).astype(FLOAT)
    sensitivity = (c.price_sensitivity
                   * rng.lognormal(0.0, c.price_sensitivity_sigma, size=n)).astype(FLOAT)
    return CustomerState(
        presence=presence,
        present=np.zeros(n, dtype=bool),
        firm=np.full(n, -1, dtype=np.int16),
        last_firm=np.full(n, -1, dtype=np.int16),
        last_rating=np.zeros(n, dtype=np.int8),
        tenure=np.zeros(n, dtype=np.int32),
        last_purchase=np.full(n, -1, dtype=np.int32),
        need=need,
        fit_at_join=np.ones(n, dtype=FLOAT),
        facet_weights=facet_weights,
        basket=basket,
        price_sensitivity=sensitivity,
        occasion=_occasion_chances(c, n, rng),
        dropout=_dropout_chances(c, n, rng),
        lapse=_lapse_chances(c, n, rng),
        reference_price=np.ones(n, dtype=FLOAT),
        deal_dependence=np.zeros(n, dtype=FLOAT),
        aware=np.zeros((n, n_firms), dtype=bool),
        member=np.zeros((n, n_firms), dtype=bool),
        expectation=np.full((n, n_firms), c.initial_expectation, dtype=FLOAT),
        trust=np.zeros((n, n_firms), dtype=FLOAT),
    )


def _occasion_chances(c: CustomerSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each customer's chance of a purchase occasion per step."""
    if c.occasion_rate_shape == 0:
        return np.full(n, c.purchase_probability, dtype=FLOAT)
    mean_rate = occasions.occasion_rate(c.purchase_probability)
    rates = rng.gamma(c.occasion_rate_shape, mean_rate / c.occasion_rate_shape, size=n)
    return elementwise(occasions.occasion_probability)(rates).astype(FLOAT)


def _dropout_chances(c: CustomerSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each customer's chance of leaving the market for good after a purchase."""
    p, concentration = c.dropout_probability, c.dropout_concentration
    if concentration == 0 or p in (0.0, 1.0):
        return np.full(n, p, dtype=FLOAT)
    return rng.beta(p * concentration, (1.0 - p) * concentration, size=n).astype(FLOAT)


def _lapse_chances(c: CustomerSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each customer's chance per step of leaving the market for good once it has bought
    (``1 - exp(-mu_i)``, ``mu_i ~ Gamma(lapse_rate_shape, mean = -ln(1 - lapse_probability))``)."""
    if c.lapse_rate_shape == 0 or c.lapse_probability == 0:
        return np.full(n, c.lapse_probability, dtype=FLOAT)
    mean_rate = occasions.occasion_rate(c.lapse_probability)
    rates = rng.gamma(c.lapse_rate_shape, mean_rate / c.lapse_rate_shape, size=n)
    return elementwise(occasions.occasion_probability)(rates).astype(FLOAT)


def lifecycle(state: CustomerState, stage_with_firm: np.ndarray) -> np.ndarray:
    """Lifecycle stage of every customer, derived from presence, firm and trust stage.

    ``stage_with_firm`` is each customer's trust stage with the current firm (0 if none).
    """
    out = np.full(state.n, Lifecycle.POTENTIAL, dtype=np.int8)
    has_firm = state.firm >= 0
    out[has_firm] = np.where(stage_with_firm[has_firm] >= 1, Lifecycle.REGULAR, Lifecycle.NEW)
    out[~has_firm & (state.last_firm >= 0)] = Lifecycle.LAPSED
    out[state.presence == Presence.ABSENT] = Lifecycle.ABSENT
    out[state.presence == Presence.GONE] = Lifecycle.GONE
    return out
