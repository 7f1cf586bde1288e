"""One customer's row and one firm: the rules applied to a row of the state (fit, mean
value, first expectation, trust stage) and leaving a firm, shared by the step's phases.

They take the arrays they read, not the workspace: a kernel binds the workspace's arrays
to local names once (reading them through the structref inside a loop costs ~5x); ``p``
is the unpacked parameters (:mod:`sim.engine.params`), ``i`` a customer's row and ``f`` a
firm's index.
"""

from __future__ import annotations

import numpy as np

from sim.engine.jit import kernel, link
from sim.engine.ledger import CUSTOMER_FLOWS
from sim.rules.awareness import advertised_claim, first_expectation
from sim.rules.needs import product_fit
from sim.rules.trust import trust_stage
from sim.rules.value import mean_value
from sim.scenario import CHURN_CAUSES, LEVER_NAMES

(LIST_PRICE, ADVERTISING, CLAIM_INFLATION, POINTS_RATE, PERSONALISATION, QUALITY, SERVICE,
 SOCIAL_VALUE, RECOVERY) = (LEVER_NAMES.index(name) for name in (
     "list_price", "advertising", "claim_inflation", "points_rate", "personalisation",
     "quality", "service", "social_value", "recovery"))
BEHAVIOURAL_STAGE = 3
EMOTIONAL_STAGE = 2


@kernel(inline=True)
def stage_of(trust, p):
    """Trust stage (0-3) of a trust level."""
    return trust_stage(trust, p.stage_thresholds_0, p.stage_thresholds_1,
                       p.stage_thresholds_2)


@kernel(inline=True)
def fit_of(need, positions, levers, i, f, p):
    """Fit of firm ``f``'s product to customer ``i``'s need now, rounded to the state's
    single precision: the fit stored on joining and the fit now compare exactly when the
    need has not moved."""
    return np.float64(np.float32(product_fit(np.float64(need[i]), np.float64(positions[f]),
                                             np.float64(levers[PERSONALISATION, f]),
                                             p.fit_weight)))


@kernel(inline=True)
def mean_value_of(facet_weights, levers, i, f, fit):
    """Mean value of firm ``f``'s offer to customer ``i`` at product fit ``fit``."""
    w = facet_weights
    return mean_value(fit, np.float64(w[i, 0]), np.float64(w[i, 1]), np.float64(w[i, 2]),
                      np.float64(levers[QUALITY, f]), np.float64(levers[SERVICE, f]),
                      np.float64(levers[SOCIAL_VALUE, f]))


@kernel(inline=True)
def first_expectation_of(need, facet_weights, positions, levers, i, f, p):
    """What customer ``i`` expects of firm ``f`` on first hearing of it: the prior mixed
    with the firm's (maybe inflated) claim about its offer."""
    fit = fit_of(need, positions, levers, i, f, p)
    claim = advertised_claim(mean_value_of(facet_weights, levers, i, f, fit),
                             np.float64(levers[CLAIM_INFLATION, f]))
    return first_expectation(p.initial_expectation, claim, p.claim_weight)


_CHURNED = CUSTOMER_FLOWS.index("churned")
_SATISFIED = CUSTOMER_FLOWS.index("satisfied_churners")
#: Flow row of the first churn cause (the others follow in the order of CHURN_CAUSES).
CHURN_CAUSE_ROW = CUSTOMER_FLOWS.index(f"churn_{CHURN_CAUSES[0]}")


@kernel(inline=True)
def leave_firm(flows, firm, tenure, last_rating, last_firm, i, f, cause):
    """Customer ``i`` stops being firm ``f``'s customer; the loss is booked under churn
    cause index ``cause`` (of :data:`sim.scenario.CHURN_CAUSES`), and as a satisfied
    churner if their last rating of the firm was 4 or 5."""
    flows[_CHURNED, f] += 1.0
    flows[CHURN_CAUSE_ROW + cause, f] += 1.0
    if last_rating[i] >= 4 and last_firm[i] == f:
        flows[_SATISFIED, f] += 1.0
    firm[i] = -1
    tenure[i] = 0


link(globals())
