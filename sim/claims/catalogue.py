"""The catalogue: each seed claim, the scenarios that test it and the function that does."""

from __future__ import annotations

from sim.claims.customers import (
    _loyalty,
    _needs_drift,
    _satisfied,
    _service_recovery,
    _spurious,
)
from sim.claims.economics import _keeping
from sim.claims.profit import (
    _adaptive,
    _conditions,
    _headline,
    _leaky_bucket,
    _price_war,
    _retention,
    _tactical,
)
from sim.claims.verdicts import Claim

CLAIMS: tuple[Claim, ...] = (
    Claim("trust_beats_bribery", "Trust building out-earns discount bribery in the long "
          "run; the trust builder's cumulative profit overtakes the discounter's",
          "customer bribery does not build trust; economics of trust (Sasser: trust, not "
          "market share, goes with high profit)", ("bribery_vs_trust", "sweeps/conditions",
                                                       "sweeps/conditions_market"),
          _headline),
    Claim("tactical_discount_pays", "Discounting pays for clearance, perishables and short "
          "horizons (ablations: each ingredient removed alone)", "discounts are legitimate "
          "for clearance, fast payback, seasonal change, perishables", ("tactical_discount",),
          _tactical),
    Claim("bribery_loses_everywhere", "Customer bribery loses profit against trust building "
          "whatever the horizon and the turnover of customers",
          "long-term promotion leads to a disguised price war and lost profit",
          ("bribery_vs_trust",), _conditions),
    Claim("leaky_bucket", "Plugging the holes keeps customers for less than pouring new ones "
          "in, and raises customer quality", "the leaky bucket (Prof. Daniel Charmich); "
          "docking: steady base A/d", ("leaky_bucket",), _leaky_bucket),
    Claim("price_war", "Long-term promotion with competitors answering each other's prices "
          "becomes a price war that destroys profit", "disguised price war (the colour-TV "
          "industry)", ("price_war",), _price_war),
    Claim("adaptive_trap", "Myopic reviewers fall into a bribery trap that far-sighted "
          "reviewers avoid", "adaptive firms; long-term promotion as a price war; Sasser: "
          "trust, not market share, goes with profit", ("adaptive_firms",), _adaptive),
    Claim("programme_transfer", "Markets where more customers join loyalty programmes have "
          "more customer transfer, not less (UK 83 %/24 % vs Switzerland 15 %/7 %)",
          "customer bribery: loyalty-programme points do not build loyalty",
          ("loyalty_programme_markets_uk", "loyalty_programme_markets_ch"), _loyalty),
    Claim("satisfied_but_gone", "Most defectors were satisfied: 65-85 % of defecting "
          "customers said they were satisfied or very satisfied", "satisfied is not loyal "
          "(the Bain survey)", ("satisfied_but_gone",), _satisfied),
    Claim("spurious_loyalty", "Under shortage, repeat purchase is high without trust",
          "spurious loyalty", ("spurious_loyalty",), _spurious),
    Claim("needs_drift", "Personalisation keeps cognitive trust when needs move",
          "cognitive trust transfers when needs change; personalisation builds cognitive "
          "trust", ("needs_drift",), _needs_drift),
    Claim("service_recovery", "Service recovery keeps customers and pays for itself",
          "timely service and recovery; most dissatisfied customers do not complain",
          ("service_recovery",), _service_recovery),
    Claim("retention_to_profit", "Five points more retention raise profit by 25-85 %",
          "economics of trust (Reichheld & Sasser 1990)", ("retention_to_profit",),
          _retention),
    Claim("keeping_costs_less", "Keeping a customer costs 1/5-1/6 of winning one",
          "economics of trust; the leaky bucket (pouring new customers in is expensive)",
          ("leaky_bucket", "bribery_vs_trust"), _keeping),
)
