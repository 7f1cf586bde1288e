"""The tables of a scenario file: every parameter, its default, unit, range and seed idea.

``[run]``, ``[market]``, ``[network]``, ``[customers]``, ``[strategies.NAME]`` (a strategy
is nothing but a named set of :class:`Levers`) and ``[[firms]]``; :mod:`sim.scenario.load`
puts them together into a :class:`~sim.scenario.load.Scenario`. The rules never see a
strategy's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from sim.scenario.limits import (
    ARRAY_BUILDER_THRESHOLD,
    MAX_COMPLAINT_COST,
    MAX_CUSTOMERS,
    MAX_MONEY,
    MAX_SENSITIVITY,
    MAX_STEPS,
    MAX_VALUE,
)
from sim.scenario.validation import Problem, param

#: The five holes of the leaky bucket (seed: Prof. Daniel Charmich's leaky bucket).
HOLES: tuple[str, ...] = (
    "rude", "poor_service", "untrained_staff", "poor_quality", "poor_selection")
#: Which lever plugs each hole (the firm's investment that lowers its probability).
HOLE_LEVER: Mapping[str, str] = {
    "rude": "training",
    "poor_service": "service",
    "untrained_staff": "training",
    "poor_quality": "quality",
    "poor_selection": "personalisation",
}
#: Every attributed cause of churn: the five holes, a competitor's offer, moved needs, price.
CHURN_CAUSES: tuple[str, ...] = (*HOLES, "competitor_offer", "needs_moved", "price")


@dataclass(frozen=True)
class HoleValues:
    """One number per hole of the leaky bucket."""

    rude: float = param(0.02, doc="value for the 'rude staff' hole", ge=0, le=1)
    poor_service: float = param(0.02, doc="value for the 'poor service' hole", ge=0, le=1)
    untrained_staff: float = param(0.02, doc="value for the 'untrained staff' hole", ge=0, le=1)
    poor_quality: float = param(0.02, doc="value for the 'poor quality' hole", ge=0, le=1)
    poor_selection: float = param(0.02, doc="value for the 'poor selection' hole", ge=0, le=1)

    def as_tuple(self) -> tuple[float, ...]:
        """Values in the order of :data:`HOLES`."""
        return tuple(getattr(self, h) for h in HOLES)


@dataclass(frozen=True)
class RunSpec:
    """Run length, replications and the root seed."""

    steps: int = param(520, doc="number of simulated steps", unit="steps", ge=1, le=MAX_STEPS)
    replications: int = param(10, doc="independent replications", ge=1, le=100_000)
    seed: int = param(20261122, doc="root seed; replications use SeedSequence(seed).spawn",
                      ge=0, lt=2**63)
    record_purchases: bool = param(
        False, doc="keep one row per purchase (step, customer, firm, units, revenue), e.g. to "
        "compare with a firm's transaction log (costs memory at large n)")
    customer_snapshot_every: int = param(
        0, doc="keep a per-customer table every this many steps (0: only per-step aggregates; "
        "snapshots cost memory and time at large n)", unit="steps", ge=0, le=MAX_STEPS)


@dataclass(frozen=True)
class MarketSpec:
    """Costs and time of the market (the technology every firm shares)."""

    steps_per_year: int = param(52, doc="steps in one year (52 = weekly steps)", ge=1, le=366)
    annual_discount_rate: float = param(0.08, doc="discount rate for NPV", unit="1/year",
                                        ge=0, le=1)
    unit_cost: float = param(0.55, doc="cost of goods per unit at quality 0", unit="money/unit",
                             ge=0, le=MAX_MONEY)
    quality_unit_cost: float = param(0.10, doc="extra cost of goods per unit at quality 1",
                                     unit="money/unit", ge=0, le=MAX_MONEY, seed_idea="ability")
    serve_cost: float = param(0.10, doc="cost of serving one purchase of a new customer",
                              unit="money/purchase", ge=0, le=MAX_MONEY,
                              seed_idea="trusting customers cost less to serve")
    serve_cost_tenure_saving: float = param(
        0.5, doc="share of serve_cost saved once a customer has full tenure", ge=0, le=1,
        seed_idea="trusting customers cost less to serve")
    full_tenure_steps: int = param(52, doc="tenure at which the serving saving is complete",
                                   unit="steps", ge=1, le=MAX_STEPS)
    training_cost: float = param(0.03, doc="staff-training cost per active customer at training=1",
                                 unit="money/customer/step", ge=0, le=MAX_MONEY)
    service_cost: float = param(0.03, doc="service cost per active customer at service=1",
                                unit="money/customer/step", ge=0, le=MAX_MONEY)
    personalisation_cost: float = param(
        0.03, doc="personalisation cost per active customer at personalisation=1",
        unit="money/customer/step", ge=0, le=MAX_MONEY)
    recovery_cost: float = param(0.5, doc="cost of handling one complaint with recovery=1",
                                 unit="money/complaint", ge=0, le=MAX_COMPLAINT_COST)
    contact_cost: float = param(0.02, doc="cost of one advertising contact", unit="money/contact",
                                ge=0, le=MAX_MONEY, seed_idea="acquisition spending")
    points_redemption: float = param(0.8, doc="share of loyalty points ever redeemed (cost)",
                                     ge=0, le=1)
    failure_base: HoleValues = param(HoleValues(0.03, 0.04, 0.03, 0.03, 0.03),
        doc="probability per purchase of each hole's failure at lever 0",
        seed_idea="leaky bucket: rude, poor service, untrained staff, poor quality, poor selection")
    failure_severity: HoleValues = param(HoleValues(0.35, 0.30, 0.25, 0.40, 0.25),
        doc="perceived-value loss of each kind of failure", unit="value")
    failure_mitigation: float = param(
        0.9, doc="share of a hole's failure probability removed at lever 1", ge=0, le=1)
    price_response: float = param(
        0.0, doc="how far a firm moves its discount toward a rival's deeper one per step "
        "(competitors respond to each other's prices)", ge=0, le=1,
        seed_idea="price war: competitors respond to each other's prices")


@dataclass(frozen=True)
class NetworkSpec:
    """The social graph word of mouth travels on (networkx)."""

    kind: str = param("watts_strogatz", doc="graph generator or 'file'; 'well_mixed': everyone "
                      "can tell everyone (a complete graph that is never stored — the mixing "
                      "the Bass diffusion model assumes)",
                      choices=("watts_strogatz", "barabasi_albert", "erdos_renyi", "complete",
                               "well_mixed", "empty", "file"))
    mean_degree: int = param(10, doc="mean number of neighbours (generators); the memory "
                             "check refuses a graph this machine cannot hold", ge=0, le=100_000)
    rewire_probability: float = param(0.1, doc="Watts-Strogatz rewiring probability", ge=0, le=1)
    path: str | None = param(None, doc="graph file for kind='file' (relative to the scenario)")
    format: str = param("auto", doc="graph file format", choices=("auto", "edgelist", "graphml"))
    builder: str = param("auto", doc="how a generator's graph is drawn: networkx's generator, "
                         "whole-array builders (same model, fast at millions of nodes), or "
                         f"'auto' (arrays above {ARRAY_BUILDER_THRESHOLD:,} customers)",
                         choices=("auto", "networkx", "arrays"))

    def check(self) -> list[Problem]:
        problems = []
        if self.kind == "file" and not self.path:
            problems.append(Problem("path", self.path, "kind='file' needs a graph file path"))
        if self.kind != "file" and self.path:
            problems.append(Problem("path", self.path, f"a path is only used with kind='file', "
                                    f"not {self.kind!r}"))
        if self.kind == "watts_strogatz" and self.mean_degree % 2:
            problems.append(Problem("mean_degree", self.mean_degree,
                                    "Watts-Strogatz needs an even mean_degree"))
        if self.kind == "barabasi_albert" and self.mean_degree < 2:
            problems.append(Problem("mean_degree", self.mean_degree,
                                    "Barabasi-Albert needs mean_degree >= 2 (m = mean_degree/2)"))
        return problems


@dataclass(frozen=True)
class CustomerSpec:
    """The customer population and the parameters of every customer rule."""

    # population and lifecycle
    n_initial: int = param(3000, doc="customers in the market at step 0", ge=0, le=MAX_CUSTOMERS)
    arrivals_per_step: int = param(0, doc="new potential customers entering each step",
                                   unit="customers/step", ge=0, le=MAX_CUSTOMERS,
                                   seed_idea="leaky bucket inflow")
    arrival_schedule: tuple[int, ...] = param(
        (), doc="newcomers in steps 1, 2, ... (e.g. a log's first purchases per step), then "
        "arrivals_per_step", unit="customers/step", ge=0, le=MAX_CUSTOMERS,
        seed_idea="a cohort: a firm's customers enter its log at their first purchase")
    arrivals_buy_from: str = param("", doc="firm whose first-time buyers the newcomers are: "
                                   "each arrives knowing it and buys there in its arrival step "
                                   "('': potential customers who may buy later)")
    exit_probability: float = param(0.0, doc="probability a customer leaves the market for good",
                                    unit="1/step", ge=0, le=1)
    initial_awareness: float = param(0.05, doc="probability of knowing each firm at step 0",
                                     ge=0, le=1)
    purchase_probability: float = param(0.5, doc="probability of a category purchase occasion",
                                        unit="1/step", ge=0, le=1)
    occasion_rate_shape: float = param(
        0.0, doc="gamma shape of customers' purchase-occasion rates around the rate that "
        "purchase_probability gives (0: every customer has purchase_probability; small "
        "values: a few heavy buyers, many rare ones)", ge=0, le=1000,
        seed_idea="80 % of profit from 20 % of customers: purchase rates differ widely "
        "(Pareto/NBD, BG/NBD)")
    frequency_growth: float = param(0.0, doc="extra purchase-occasion rate at full trust in "
        "the customer's firm (0: off)", ge=0, le=20, seed_idea="trusting customers buy more")
    dropout_probability: float = param(
        0.0, doc="mean chance of leaving the market for good right after a purchase (silent "
        "dropout, as in BG/NBD)", ge=0, le=1,
        seed_idea="most dissatisfied customers do not complain; they simply stop buying")
    dropout_after_first_purchase: bool = param(
        True, doc="whether a first purchase may be followed by dropout too (false: only repeat "
        "ones, as BG/NBD assumes)", seed_idea="most first-time buyers never return (BG/NBD)")
    dropout_concentration: float = param(
        0.0, doc="a + b of the beta distribution each customer's own dropout chance is drawn "
        "from (0: every customer has dropout_probability)", ge=0, le=100_000)
    lapse_probability: float = param(0.0, doc="mean chance per step that a customer who has "
        "bought leaves for good, purchase or not (Pareto/NBD's lifetime; 0: off)", unit="1/step",
        ge=0, lt=1, seed_idea="customers silently stop (Schmittlein, Morrison & Colombo 1987)")
    lapse_rate_shape: float = param(0.0, doc="gamma shape of customers' lapse rates around "
        "lapse_probability's (0: all alike; small: a few leave soon, most stay)", ge=0, le=1000)
    # spend
    spend_median: float = param(1.0, doc="median basket size", unit="units/purchase", gt=0, le=1000)
    spend_sigma: float = param(0.9, doc="log-normal sigma of basket size (heavy tail)", ge=0,
                               le=3, seed_idea="80 % of profit from 20 % of customers")
    spend_growth: float = param(0.3, doc="extra basket share at full trust", ge=0, le=5,
                                seed_idea="trusting customers buy more over time")
    # perceived value and satisfaction
    facet_concentration: tuple[float, ...] = param(
        (6.0, 3.0, 1.0), doc="Dirichlet weights of material, spiritual, social value", length=3,
        gt=0, le=1000, seed_idea="three levels of satisfaction: material, spiritual, social")
    fit_weight: float = param(1.0, doc="how much a poor need fit lowers material value", ge=0,
                              le=1, seed_idea="personalised products")
    need_drift: float = param(0.004, doc="s.d. of a customer's need moving each step",
                              unit="need-space/step", ge=0, le=0.5,
                              seed_idea="cognitive trust transfers when needs change")
    value_noise: float = param(0.06, doc="s.d. of perceived value around its mean", ge=0,
                               le=2, seed_idea="satisfaction is perceptual and volatile")
    satisfaction_band: float = param(0.08, doc="width of one step of the 5-point scale",
                                     unit="value", gt=0, le=MAX_VALUE)
    value_for_money_weight: float = param(
        0.5, doc="weight of paying below/above the reference price in satisfaction", ge=0,
        le=MAX_VALUE, seed_idea="discounts raise satisfaction with value for money")
    price_trust_weight: float = param(
        0.0, doc="share of value-for-money satisfaction that feeds trust (seed: none)", ge=0,
        le=1, seed_idea="customer bribery does not build trust")
    # expectations
    initial_expectation: float = param(0.55, doc="expected value of an unknown firm", ge=0, le=2)
    expectation_adaptation: float = param(0.25, doc="share of the surprise absorbed into "
                                          "expectation per purchase", ge=0, le=1)
    norm_weight: float = param(
        0.3, doc="weight of the best known firm's expected value in the comparison standard",
        ge=0, le=1, seed_idea="satisfaction compares performance with expectation; customers "
        "judge against the best they know (experience-based norms)")
    claim_weight: float = param(0.5, doc="weight of an advertised claim in a new expectation",
                                ge=0, le=1, seed_idea="integrity: over-claiming disappoints")
    wom_expectation_shift: float = param(0.03, doc="expectation change per message heard",
                                         unit="value/message", ge=0, le=1)
    # trust
    trust_gain: float = param(0.035, doc="trust gained per band of positive surprise", ge=0,
                              le=1, seed_idea="trust accumulates from repeated satisfaction")
    trust_loss: float = param(0.08, doc="trust lost per band of negative surprise", ge=0, le=1)
    failure_tolerance: float = param(0.7, doc="share of a trust loss absorbed at full trust",
                                     ge=0, le=1, seed_idea="behavioural trust tolerates failures")
    trust_decay: float = param(0.002, doc="trust lost per step without a purchase", unit="1/step",
                               ge=0, le=1)
    stage_thresholds: tuple[float, ...] = param(
        (0.3, 0.55, 0.8), doc="trust at which the cognitive, emotional, behavioural stages begin",
        length=3, gt=0, le=1, seed_idea="three levels of trust")
    emotional_preference: float = param(0.15, doc="utility of trust once emotional",
                                        unit="value", ge=0, le=MAX_VALUE,
                                        seed_idea="emotional trust: preference")
    habit_probability: float = param(0.6, doc="chance a behavioural truster rebuys unthinking",
                                     ge=0, le=1, seed_idea="behavioural trust: habitual repurchase")
    promotion_resistance: float = param(0.7, doc="share of rivals' discounts a behavioural "
                                        "truster ignores", ge=0, le=1)
    hearsay_discount: float = param(0.8, doc="share of negative hearsay a behavioural truster "
                                    "ignores", ge=0, le=1)
    # price perception (reference prices, prospect theory)
    price_sensitivity: float = param(1.0, doc="median utility lost per unit relative price gap",
                                     unit="value", ge=0, le=MAX_SENSITIVITY)
    price_sensitivity_sigma: float = param(0.3, doc="log-normal sigma of price sensitivity",
                                           ge=0, le=3)
    trust_price_insensitivity: float = param(
        0.5, doc="share of price sensitivity lost at full trust", ge=0, le=1,
        seed_idea="trusting customers are less price sensitive")
    loss_aversion: float = param(2.0, doc="weight of paying above the reference vs below", ge=1,
                                 le=MAX_VALUE,
                                 seed_idea="losses loom larger than gains (Kalwani & Yim)")
    indifference_zone: float = param(0.05, doc="relative price gap nobody notices", ge=0, le=1)
    reference_adaptation: float = param(0.1, doc="share of the paid price absorbed into the "
                                        "reference price per purchase", ge=0, le=1)
    deal_dependence_gain: float = param(0.08, doc="deal dependence gained per discounted "
                                        "purchase", ge=0, le=1,
                                        seed_idea="no promotion, no purchase")
    deal_dependence_decay: float = param(0.02, doc="deal dependence lost per full-price purchase",
                                         ge=0, le=1)
    deal_sensitivity: float = param(1.5, doc="extra price sensitivity at full deal dependence",
                                    ge=0, le=MAX_SENSITIVITY)
    # choice
    choice_precision: float = param(10.0, doc="logit precision of choices (1/noise)",
                                    unit="1/value", gt=0, le=1000)
    switching_cost: float = param(0.05, doc="utility of staying with the current firm",
                                  unit="value", ge=0, le=MAX_VALUE)
    outside_utility: float = param(0.1, doc="utility of not buying this occasion",
                                   unit="value", ge=-100, le=100)
    programme_join_probability: float = param(0.5, doc="chance to join a firm's points "
                                              "programme at the first purchase", ge=0, le=1)
    # complaints, recovery, churn
    complaint_probability: float = param(0.05, doc="chance a failed customer complains", ge=0,
                                         le=1, seed_idea="most dissatisfied customers just leave")
    recovery_bonus: float = param(0.05, doc="value added by a successful service recovery",
                                  unit="value", ge=0, le=MAX_VALUE,
                                  seed_idea="timely service and recovery")
    churn_sensitivity: float = param(0.15, doc="chance of leaving per band of dissatisfaction",
                                     ge=0, le=1)
    # word of mouth
    wom_rate_satisfied: float = param(0.05, doc="chance a satisfied customer speaks well",
                                      unit="1/step", ge=0, le=1,
                                      seed_idea="a satisfied customer tells 3-5 people")
    wom_rate_neutral: float = param(0.01, doc="chance a neutral customer speaks well",
                                    unit="1/step", ge=0, le=1)
    wom_rate_dissatisfied: float = param(0.15, doc="chance a dissatisfied customer speaks ill",
                                         unit="1/step", ge=0, le=1)
    wom_memory: int = param(13, doc="steps after a purchase during which the customer still "
                            "talks about it", unit="steps", ge=1, le=MAX_STEPS,
                            seed_idea="a satisfied customer tells 3-5 people (about an "
                            "experience, not forever)")
    wom_reach: float = param(4.0, doc="mean people a speaker tells", unit="people/message", ge=0,
                             le=1000, seed_idea="tells 3-5 people")
    wom_persuasion: float = param(0.05, doc="chance a recommendation makes the listener aware",
                                  ge=0, le=1)
    advocacy_multiplier: float = param(2.0, doc="speaking rate factor of behavioural trusters",
                                       ge=0, le=MAX_SENSITIVITY,
                                       seed_idea="behavioural trust: advocacy")

    def check(self) -> list[Problem]:
        problems = []
        t = self.stage_thresholds
        if not (t[0] < t[1] < t[2]):
            problems.append(Problem("stage_thresholds", t, "must be strictly increasing "
                                    "(cognitive < emotional < behavioural)"))
        if self.occasion_rate_shape > 0 and self.purchase_probability >= 1:
            problems.append(Problem("occasion_rate_shape", self.occasion_rate_shape,
                                    "purchase rates can only vary when purchase_probability "
                                    "is below 1 (at 1 every customer buys every step)"))
        return problems

    def arrivals_at(self, step: int) -> int:
        """Newcomers entering in ``step`` (from 1): the schedule's, then arrivals_per_step."""
        return self.arrived_by(step) - self.arrived_by(step - 1)

    def arrived_by(self, step: int) -> int:
        """Newcomers entering in steps 1..``step``."""
        within = min(step, len(self.arrival_schedule))
        return sum(self.arrival_schedule[:within]) + self.arrivals_per_step * (step - within)


@dataclass(frozen=True)
class Levers:
    """What a firm controls (MODEL.md section 2). A strategy is a named set of these."""

    list_price: float = param(1.0, doc="list price per unit", unit="money/unit", gt=0, le=MAX_MONEY)
    discount_depth: float = param(0.0, doc="price cut while a promotion runs", ge=0, le=0.95,
                                  seed_idea="customer bribery: discounts")
    discount_period: int = param(1, doc="steps in one promotion cycle", unit="steps", ge=1,
                                 le=MAX_STEPS)
    discount_duration: int = param(1, doc="steps per cycle with the promotion on", unit="steps",
                                   ge=0, le=MAX_STEPS)
    points_rate: float = param(0.0, doc="loyalty points returned per money spent", ge=0, le=0.5,
                               seed_idea="customer bribery: points, rebates")
    advertising: float = param(0.02, doc="chance per step an unaware person sees an ad",
                               unit="1/step", ge=0, le=1, seed_idea="acquisition spending")
    claim_inflation: float = param(0.0, doc="advertised value above the true value (0 = honest)",
                                   ge=0, le=2, seed_idea="integrity")
    training: float = param(0.3, doc="staff training (plugs rude, untrained staff)", ge=0, le=1,
                            seed_idea="leaky bucket")
    service: float = param(0.3, doc="service timeliness (plugs poor service)", ge=0, le=1,
                           seed_idea="timely service")
    quality: float = param(0.3, doc="product quality (plugs poor quality)", ge=0, le=1,
                           seed_idea="ability")
    personalisation: float = param(0.3, doc="learning relationship: fit to each need (plugs "
                                   "poor selection)", ge=0, le=1, seed_idea="personalisation")
    social_value: float = param(0.5, doc="the firm's moral, social, ecological value", ge=0,
                                le=1, seed_idea="social satisfaction")
    recovery: float = param(0.3, doc="chance a complaint is put right", ge=0, le=1,
                            seed_idea="service recovery")

    def check(self) -> list[Problem]:
        if self.discount_duration > self.discount_period:
            return [Problem("discount_duration", self.discount_duration,
                            f"must not exceed discount_period ({self.discount_period})")]
        return []


#: Lever names in declaration order (the firm axis of lever arrays follows firms).
LEVER_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Levers))


@dataclass(frozen=True)
class AdaptiveSpec:
    """How a firm reviews its results and switches strategy (MODEL.md section 2)."""

    alternatives: tuple[str, ...] = param(doc="strategies the firm may switch between")
    review_every: int = param(13, doc="steps between reviews", unit="steps", ge=1, le=MAX_STEPS)
    horizon: str = param("myopic", doc="how a review values results: 'myopic' = mean profit "
                         "over the window; 'far_sighted' = that profit capitalised at the "
                         "measured retention (the customer base's lifetime value)",
                         choices=("myopic", "far_sighted"),
                         seed_idea="economics of trust: customer lifetime value")
    window: int = param(13, doc="steps of history a review looks at", unit="steps", ge=1,
                        le=MAX_STEPS)
    exploration: float = param(0.1, doc="chance to try another alternative at a review",
                               ge=0, le=1)
    lever_speed: float = param(1.0, doc="share of the way levers move toward the chosen "
                               "strategy per step", gt=0, le=1)

    def check(self) -> list[Problem]:
        if len(self.alternatives) < 1:
            return [Problem("alternatives", list(self.alternatives), "name at least one strategy")]
        return []


@dataclass(frozen=True)
class FirmSpec:
    """One firm: its name, the strategy it starts from and its resolved levers."""

    name: str = param(doc="firm name (unique)")
    strategy: str = param(doc="name of a [strategies.NAME] table")
    levers: Levers = param(doc="lever values: the strategy's, with this firm's overrides")
    position: float = param(0.5, doc="product position in the need space [0, 1)", ge=0, lt=1)
    adaptive: AdaptiveSpec | None = param(None, doc="periodic review and strategy switching "
                                          "(absent: the firm keeps its levers)")
