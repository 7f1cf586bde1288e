"""Which firm a shopper buys from on a purchase occasion (random-utility logit).

Seed ideas: satisfied customers who do not yet trust still switch readily; *emotional*
trust adds preference; *behavioural* trust gives habitual repurchase and resistance to
competitors' promotions; trusting customers are less price sensitive.
"""

from __future__ import annotations

import numpy as np

from sim.rules.pricing import effective_sensitivity, price_disutility
from sim.rules.trust import BEHAVIOURAL, EMOTIONAL

OUTSIDE = -1  #: choice code for "does not buy this occasion"


def utilities(expected: np.ndarray, trust: np.ndarray, stage: np.ndarray, current: np.ndarray,
              price: np.ndarray, reference: np.ndarray, sensitivity: np.ndarray,
              dependence: np.ndarray, *, emotional_preference: float, switching_cost: float,
              trust_insensitivity: float, deal_sensitivity: float, loss_aversion: float,
              zone: float) -> np.ndarray:
    """Deterministic utility of each firm for each shopper (value units).

    ``U = expected value + preference * trust (emotional stage or above)
    + switching cost (current firm) - price disutility``.

    Parameters
    ----------
    expected, trust : (m, F) expectation of and trust in each firm.
    stage : (m, F) trust stage; current : (m,) current firm or -1.
    price : (m, F) price as the shopper sees it; reference : (m,) reference price.
    sensitivity : (m,) base price sensitivity; dependence : (m,) deal dependence.
    """
    sens = effective_sensitivity(sensitivity[:, None], trust, dependence[:, None],
                                 trust_insensitivity, deal_sensitivity)
    u = expected - price_disutility(price, reference[:, None], sens, loss_aversion, zone)
    u = u + emotional_preference * trust * (stage >= EMOTIONAL)
    _m, n_firms = expected.shape
    is_current = current[:, None] == np.arange(n_firms)[None, :]
    return u + switching_cost * is_current


def seen_prices(promo_price: np.ndarray, list_price: np.ndarray, points_rate: np.ndarray,
                member: np.ndarray, current: np.ndarray, stage_current: np.ndarray,
                promotion_resistance: float) -> np.ndarray:
    """Prices each shopper compares: promotions, minus points for members.

    A behavioural truster of its current firm discounts the rivals' promotions by
    ``promotion_resistance`` (it barely notices them).

    Parameters
    ----------
    promo_price, list_price, points_rate : (F,) this step's prices and points rate.
    member : (m, F) programme membership; current : (m,) current firm or -1.
    stage_current : (m,) trust stage with the current firm (0 if none).
    """
    n_firms = promo_price.size
    loyal = (stage_current >= BEHAVIOURAL)[:, None] & (
        current[:, None] != np.arange(n_firms)[None, :])
    cut = list_price - promo_price
    seen_promo = np.where(loyal, list_price - (1.0 - promotion_resistance) * cut, promo_price)
    return seen_promo * (1.0 - points_rate[None, :] * member)


def choose(utility: np.ndarray, available: np.ndarray, outside_utility: float,
           precision: float, gumbel: np.ndarray) -> np.ndarray:
    """Logit choice by the Gumbel-max trick, with an outside option.

    Parameters
    ----------
    utility : (m, F) utilities; available : (m, F) bool, firms the shopper knows.
    outside_utility : utility of not buying; precision : logit precision (1/value).
    gumbel : (m, F + 1) standard Gumbel draws (last column: the outside option), passed in
        so that counterfactual choices can reuse the same draws.

    Returns
    -------
    (m,) index of the chosen firm, or :data:`OUTSIDE`.
    """
    scores = np.where(available, precision * utility + gumbel[:, :-1], -np.inf)
    best = np.argmax(scores, axis=1)
    best_score = scores[np.arange(scores.shape[0]), best]
    outside = precision * outside_utility + gumbel[:, -1]
    return np.where(best_score > outside, best, OUTSIDE)
