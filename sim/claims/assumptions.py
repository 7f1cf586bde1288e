"""The model's built-in assumptions: mechanisms written into the rules from the seeds or
the literature, which the claims report *uses* but does not *test*.

A claim is a hypothesis the simulation can confirm or refute; an assumption is a
mechanism the simulation takes as given (Mela et al.'s finding that promotions make
customers more price sensitive, say). The report lists them apart, each with the
parameters that switch it off or scale it and their default values, read from the
scenario schema so that the list cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.scenario.schema import CustomerSpec, MarketSpec


@dataclass(frozen=True)
class Assumption:
    """A mechanism built into the model, where it comes from, and its parameters."""

    statement: str
    source: str
    parameters: tuple[str, ...]


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("Promotions make customers deal-dependent and, through dependence, more price "
               "sensitive", "Mela, Gupta & Lehmann (1997); seed: 'no promotion, no purchase'",
               ("customers.deal_dependence_gain", "customers.deal_dependence_decay",
                "customers.deal_sensitivity")),
    Assumption("Paid prices pull the reference price down; paying above it hurts more than "
               "paying below it pleases; small gaps go unnoticed", "Kalwani & Yim (1992); "
               "prospect theory", ("customers.reference_adaptation", "customers.loss_aversion",
                                   "customers.indifference_zone")),
    Assumption("Discounts raise satisfaction with value for money but add nothing to trust",
               "seed: customer bribery does not build trust",
               ("customers.price_trust_weight", "customers.value_for_money_weight")),
    Assumption("Trusting customers are less price sensitive", "seed: economics of trust",
               ("customers.trust_price_insensitivity",)),
    Assumption("Trusting customers buy more over time", "seed: economics of trust",
               ("customers.spend_growth",)),
    Assumption("Long-standing customers cost less to serve", "seed: economics of trust",
               ("market.serve_cost_tenure_saving", "market.full_tenure_steps")),
    Assumption("Behavioural trust tolerates failures, ignores rivals' promotions and discounts "
               "negative hearsay", "seed: the three levels of trust",
               ("customers.failure_tolerance", "customers.promotion_resistance",
                "customers.hearsay_discount")),
    Assumption("A satisfied customer tells a few people", "seed: a satisfied customer tells "
               "3-5 people", ("customers.wom_reach",)),
    Assumption("Most dissatisfied customers leave without complaining", "seed: 'next time I "
               "just won't buy'", ("customers.complaint_probability",)),
    Assumption("Spend per purchase is heavy-tailed", "seed: 80 % of profit from 20 % of "
               "customers", ("customers.spend_sigma",)),
)

_DEFAULTS = {"customers": CustomerSpec(), "market": MarketSpec()}


def default_value(path: str) -> object:
    """The schema's default of ``customers.x`` or ``market.x``."""
    section, name = path.split(".", 1)
    spec = _DEFAULTS[section]
    if name not in {f.name for f in dataclasses.fields(spec)}:
        raise KeyError(path)
    return getattr(spec, name)


def assumption_lines() -> list[str]:
    """One line per assumption: the statement, its source, its parameters with defaults."""
    return [f"{a.statement} ({a.source}); parameters: "
            + ", ".join(f"{p} = {default_value(p):g}" for p in a.parameters)
            for a in ASSUMPTIONS]
