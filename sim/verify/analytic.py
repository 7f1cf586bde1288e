"""Docking against known results: the engine reproduces analytic models it should contain.

Rand & Rust (2011) ask of an agent-based marketing model documentation, programmatic
tests, corner cases and *docking* — agreement with an established model. Each check
returns a :class:`Check` row: ``check``, ``expected``, ``measured``, ``tolerance``,
``passed``.

* :func:`bass_checks` — with one firm, no churn and no failures, awareness driven by
  advertising (``p``) and word of mouth (``q``) in a well-mixed market follows the Bass
  model: the discrete recursion at the scenario's step length, and the continuous curve
  with weekly steps.
* :func:`bucket_check` — constant inflow ``A`` and exit probability ``d``: the base
  settles at ``A / d`` (the leaky bucket).
* :func:`clv_check` — constant retention ``r``, margin ``m``, discount rate ``i``: mean
  realised discounted lifetime value ``m (1 + i) / (1 + i - r)``.
* :func:`reach_checks` — a speaking customer tells ``wom_reach`` people on average (the
  seeds' "tells 3-5 people").
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.experiment import replication_seed
from sim.model import MarketModel
from sim.scenario import HEADLINE, HOLES, Scenario, load_scenario, scenario_from_dict

#: The (p, q) pairs of the Bass checks (per year): Bass's textbook pair first, then pairs
#: spanning p from 0.005 to 0.1 and q up to 1 (Sultan, Farley & Lehmann 1990: p ~ 0.03,
#: q ~ 0.38 on average, with wide spreads).
BASS_PAIRS = ((0.03, 0.38), (0.01, 0.5), (0.05, 0.25), (0.005, 0.9), (0.1, 1.0))
#: People a speaker tells in the Bass set-up with weekly steps; q is reached through
#: persuasion = q / reach. With yearly steps a speaker tells more people, each persuaded
#: less, so that one person rarely hears enough in a year to push the awareness chance to
#: its cap of 1 (where the model's chance stops being Bass's p + q F).
BASS_REACH, BASS_REACH_YEARLY = 10.0, 50.0
COLUMNS = ["check", "expected", "measured", "tolerance", "passed", "standard_error"]
#: How close the simulated adoption must follow the recursion the model itself implies.
RECURSION_TOLERANCE = 0.01


@dataclass
class Check:
    """One row of the verification table (``standard_error``: of ``measured``, where it is
    a mean over replications; NaN otherwise)."""

    check: str
    expected: float
    measured: float
    tolerance: float
    passed: bool
    standard_error: float = math.nan

    @classmethod
    def within(cls, check: str, expected: float, measured: float, tolerance: float,
               relative: bool = False, standard_error: float = math.nan) -> Check:
        """Passed when ``|measured - expected| <= tolerance`` (times ``|expected|`` if
        ``relative``)."""
        bound = tolerance * abs(expected) if relative else tolerance
        ok = bool(np.isfinite(measured) and abs(measured - expected) <= bound)
        return cls(check, float(expected), float(measured), float(tolerance), ok,
                   float(standard_error))


# ------------------------------------------------------------------ scenarios
def single_firm_market(n: int, steps: int, steps_per_year: int = 52,
                       **customers: Any) -> dict[str, Any]:
    """A plain one-firm market: everyone aware buys every step and is always satisfied,
    no failures, no churn, no word of mouth, no costs but goods — the set-up the analytic
    checks start from. ``customers`` overrides customer parameters."""
    data = load_scenario(HEADLINE).to_dict()
    data["name"] = "verification"
    data["run"].update(steps=steps, replications=1)
    data["market"].update(
        steps_per_year=steps_per_year, serve_cost=0.0, training_cost=0.0, service_cost=0.0,
        personalisation_cost=0.0, contact_cost=0.0, recovery_cost=0.0,
        failure_base=dict.fromkeys(HOLES, 0.0))
    data["network"] = {"kind": "empty"}
    data["customers"].update({
        "n_initial": n, "initial_awareness": 1.0, "purchase_probability": 1.0,
        "outside_utility": -100.0, "value_noise": 0.0, "initial_expectation": 0.0,
        "claim_weight": 0.0, "norm_weight": 0.0, "churn_sensitivity": 0.0, "spend_sigma": 0.0,
        "spend_median": 1.0, "spend_growth": 0.0, "wom_rate_satisfied": 0.0,
        "wom_rate_neutral": 0.0, "wom_rate_dissatisfied": 0.0, "wom_expectation_shift": 0.0,
        "trust_decay": 0.0, "expectation_adaptation": 0.0, **customers})
    firm = copy.deepcopy(data["firms"][1])
    firm.update(name="Only Firm", strategy="trust", position=0.5)
    firm["levers"] = {**firm.get("levers", {}), "list_price": 1.0, "discount_depth": 0.0,
                      "points_rate": 0.0, "advertising": 0.0, "claim_inflation": 0.0,
                      "quality": 0.0, "training": 0.0, "service": 0.0, "personalisation": 0.0,
                      "recovery": 0.0}
    data["firms"] = [firm]
    return data


def bass_market(p: float, q: float, n: int, steps: int, steps_per_year: int) -> Scenario:
    """The Bass set-up: one firm, a well-mixed market, nobody aware at first; ``p`` and
    ``q`` per year.

    Every adopter speaks every step (``wom_rate_satisfied = 1``, always satisfied,
    ``wom_memory`` longer than the run, no advocacy bonus) and tells ``reach`` people on
    average; each recommendation persuades with probability ``q / (reach * steps per
    year)``, so the mean awareness chance of an unaware person is Bass's ``p + q F`` per
    period (everyone aware buys at once: awareness is adoption). Advertising is the chance
    of an ad persuading within one step: ``p`` itself with yearly steps (Bass's discrete
    model), ``1 - exp(-p / steps_per_year)`` with shorter ones (exact for a constant
    hazard ``p`` per year).
    """
    reach = BASS_REACH_YEARLY if steps_per_year == 1 else BASS_REACH
    data = single_firm_market(n, steps, steps_per_year, initial_awareness=0.0,
                              wom_rate_satisfied=1.0, wom_memory=steps + 1,
                              advocacy_multiplier=1.0, wom_reach=reach,
                              wom_persuasion=q / (reach * steps_per_year))
    data["network"] = {"kind": "well_mixed"}
    advertising = p if steps_per_year == 1 else -math.expm1(-p / steps_per_year)
    data["firms"][0]["levers"]["advertising"] = advertising
    return scenario_from_dict(data, source=f"<bass p={p} q={q}>")


def bass_recursion(p: float, q: float, steps: int) -> np.ndarray:
    """Discrete Bass: ``F[t+1] = F[t] + (p + q F[t]) (1 - F[t])``, ``F[0] = 0``;
    returns ``F[1..steps]``."""
    out, f = np.empty(steps), 0.0
    for t in range(steps):
        f = f + (p + q * f) * (1.0 - f)
        out[t] = f
    return out


def bass_curve(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Continuous Bass: ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def model_recursion(scenario: Scenario, steps: int) -> np.ndarray:
    """The adoption share the Bass set-up's rules imply step by step (mean field):
    ``F[t+1] = F[t] + (1 - F[t]) E[awareness_probability(a, K, b)]``, the messages ``K``
    an unaware person hears being Poisson with mean ``reach F[t] n / (n - 1)`` (every
    adopter speaks to ``reach`` others at random). It departs from Bass's ``p + q F``
    only where the awareness chance reaches its cap of 1."""
    from scipy import stats

    from sim.rules import awareness, elementwise

    c = scenario.customers
    a = scenario.firms[0].levers.advertising
    n = scenario.capacity
    chance = elementwise(awareness.awareness_probability)
    out, f = np.empty(steps), 0.0
    for t in range(steps):
        mean = c.wom_reach * f * n / max(n - 1, 1)
        k = np.arange(int(mean + 12 * math.sqrt(mean) + 30))
        weights = stats.poisson.pmf(k, mean)
        expected = float(np.sum(chance(a, k.astype(float), c.wom_persuasion) * weights)
                         + (1.0 - weights.sum()))  # the far tail is certain awareness
        f = f + (1.0 - f) * expected
        out[t] = f
    return out


def _adoption(scenario: Scenario, replications: int, seed: int) -> tuple[np.ndarray,
                                                                         np.ndarray]:
    """Mean share of customers who have adopted after each step over replications, and
    its standard error."""
    n = scenario.customers.n_initial
    curves = []
    for r in range(replications):
        model = MarketModel(scenario, seed=replication_seed(seed, r))
        share = []
        for _ in range(scenario.run.steps):
            model.step()
            share.append(model.firms[0].metrics["active_customers"] / n)
        curves.append(share)
    curves = np.array(curves)
    se = curves.std(axis=0, ddof=1) / math.sqrt(len(curves)) if len(curves) > 1 else (
        np.full(curves.shape[1], math.nan))
    return curves.mean(axis=0), se


def _gap(label: str, simulated: np.ndarray, se: np.ndarray, reference: np.ndarray,
         tolerance: float) -> Check:
    """The largest gap between two curves, with the standard error where it is."""
    gaps = np.abs(simulated - reference)
    at = int(np.argmax(gaps))
    return Check(label, 0.0, float(gaps[at]), tolerance, bool(gaps[at] <= tolerance),
                 float(se[at]))


def bass_checks(n: int = 10_000, replications: int = 8, seed: int = 1,
                pairs: Iterable[tuple[float, float]] = BASS_PAIRS,
                tolerance: float = 0.02, years: int = 10,
                curves: dict[str, Any] | None = None) -> list[Check]:
    """Bass diffusion, discrete (yearly steps) and continuous (weekly steps).

    For each pair: yearly runs against the discrete Bass recursion and against the
    recursion the model's own rules imply (:func:`model_recursion`); weekly runs (52
    steps a year, half as many replications) against the continuous curve and against
    their own recursion. ``measured`` is the largest gap over ``years`` years between the
    mean simulated adoption share and the curve, ``standard_error`` that mean's standard
    error at the step of the gap; the Bass curves must lie within ``tolerance``, the
    model's own recursions within :data:`RECURSION_TOLERANCE`. ``curves``, if given,
    receives the curves for the figure.
    """
    rows = []
    for p, q in pairs:
        yearly = bass_market(p, q, n, years, steps_per_year=1)
        sim_yearly, se_yearly = _adoption(yearly, replications, seed)
        exact = bass_recursion(p, q, years)
        rows.append(_gap(f"Bass p={p} q={q}: yearly steps follow the discrete recursion "
                         f"(F(6)={exact[min(5, years - 1)]:.3f}, "
                         f"F(10)={exact[min(9, years - 1)]:.3f})", sim_yearly, se_yearly,
                         exact, tolerance))
        own_yearly = model_recursion(yearly, years)
        rows.append(_gap(f"Bass p={p} q={q}: yearly steps follow the model's own recursion",
                         sim_yearly, se_yearly, own_yearly, RECURSION_TOLERANCE))
        weekly = bass_market(p, q, n, 52 * years, steps_per_year=52)
        sim_weekly, se_weekly = _adoption(weekly, max(1, replications // 2), seed)
        t = np.arange(1, 52 * years + 1) / 52
        smooth = bass_curve(p, q, t)
        rows.append(_gap(f"Bass p={p} q={q}: weekly steps follow the continuous curve "
                         f"(F(6)={bass_curve(p, q, 6.0):.3f}, F(10)={bass_curve(p, q, 10.0):.3f})",
                         sim_weekly, se_weekly, smooth, tolerance))
        own_weekly = model_recursion(weekly, 52 * years)
        rows.append(_gap(f"Bass p={p} q={q}: weekly steps follow the model's own recursion",
                         sim_weekly, se_weekly, own_weekly, RECURSION_TOLERANCE))
        if curves is not None:
            curves[(p, q)] = {"years": np.arange(1, years + 1), "yearly": sim_yearly,
                              "recursion": exact, "t": t, "weekly": sim_weekly,
                              "continuous": smooth}
    return rows


def bucket_market(inflow: int, exit_probability: float, steps: int) -> Scenario:
    """The leaky-bucket set-up (``scenarios/verification/leaky_bucket_steady_state.toml``):
    nobody at first, ``inflow`` people arrive every step and buy from the only firm at
    once, each leaves the market with probability ``exit_probability`` a step."""
    data = single_firm_market(0, steps, exit_probability=exit_probability,
                              arrivals_per_step=inflow)
    return scenario_from_dict(data, source="<leaky bucket>")


def bucket_check(inflow: int = 50, exit_probability: float = 0.02, steps: int = 600,
                 replications: int = 4, seed: int = 2, tolerance: float = 0.02) -> Check:
    """Leaky bucket: constant inflow ``A`` and exit probability ``d`` give a base ``A / d``.

    Measured: the firm's base after each step's inflow (active at the end of the step
    plus those who left during it), averaged over the second half of the run.
    """
    scenario = bucket_market(inflow, exit_probability, steps)
    bases = []
    for r in range(replications):
        model = MarketModel(scenario, seed=replication_seed(seed, r))
        for step in range(steps):
            model.step()
            if step >= steps // 2:
                m = model.firms[0].metrics
                bases.append(m["active_customers"] + m["exits"])
    expected = inflow / exit_probability
    return Check.within(f"leaky bucket: inflow {inflow}/step, exit probability "
                        f"{exit_probability} -> base A/d (relative)", expected,
                        float(np.mean(bases)), tolerance, relative=True)


def clv_market(n: int, retention: float, price: float, unit_cost: float,
               annual_rate: float) -> Scenario:
    """The lifetime-value set-up (``scenarios/verification/lifetime_value.toml``): yearly
    steps, ``n`` customers who buy one unit a year until they leave (probability
    ``1 - retention`` after each purchase), run until fewer than 1e-7 would remain."""
    steps = math.ceil(math.log(1e-7) / math.log(retention))
    data = single_firm_market(n, steps, steps_per_year=1,
                              exit_probability=round(1.0 - retention, 12))  # 0.2, not 0.19999...
    data["market"].update(unit_cost=unit_cost, quality_unit_cost=0.0,
                          annual_discount_rate=annual_rate)
    data["firms"][0]["levers"]["list_price"] = price
    return scenario_from_dict(data, source="<clv>")


def clv_check(n: int = 20_000, retention: float = 0.8, price: float = 1.0,
              unit_cost: float = 0.6, annual_rate: float = 0.1, seed: int = 3,
              tolerance: float = 0.02) -> Check:
    """Customer lifetime value with constant retention ``r``, margin ``m`` per period and
    discount rate ``i`` (yearly steps): mean realised value ``m (1 + i) / (1 + i - r)``.

    Every customer buys one unit each period until leaving (exit probability ``1 - r``
    after each purchase); the firm's NPV, discounted to the first purchase, divided by
    the number of customers is the realised mean lifetime value.
    """
    scenario = clv_market(n, retention, price, unit_cost, annual_rate)
    steps = scenario.run.steps
    model = MarketModel(scenario, seed=seed)
    for _ in range(steps):
        model.step()
    margin = price - unit_cost
    expected = margin * (1 + annual_rate) / (1 + annual_rate - retention)
    realised = model.firms[0].npv / model.step_discount / n
    return Check.within(f"lifetime value: m={margin:g}, r={retention}, i={annual_rate} -> "
                        "m(1+i)/(1+i-r) (relative)", expected, realised, tolerance,
                        relative=True)


def reach_checks(n: int = 5_000, steps: int = 30, seed: int = 4,
                 tolerance: float = 0.03) -> list[Check]:
    """A speaking customer tells ``wom_reach`` people on average, on a Watts-Strogatz graph
    (degree around 10) and in a well-mixed market."""
    rows = []
    for kind, reach in (("watts_strogatz", 4.0), ("well_mixed", 3.0), ("watts_strogatz", 5.0)):
        data = single_firm_market(n, steps, wom_rate_satisfied=0.3, wom_reach=reach,
                                  wom_memory=steps + 1)
        data["network"] = {"kind": kind, "mean_degree": 10}
        model = MarketModel(scenario_from_dict(data, source="<reach>"), seed=seed)
        told = speakers = 0
        for _ in range(steps):
            model.step()
            mm = model.market_metrics
            told += mm["messages_positive"] + mm["messages_negative"]
            speakers += mm["speakers"]
        rows.append(Check.within(f"word of mouth reach on {kind}: people told per speaker "
                                 "(relative)", reach, told / max(speakers, 1), tolerance,
                                 relative=True))
    return rows
