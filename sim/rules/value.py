"""Perceived value of a purchase: three facets, failures through the bucket's holes, and
service recovery.

Seed ideas: satisfaction has three levels — *material* (use value, quality), *spiritual*
(appearance, brand, service) and *social* (the firm's moral, social, ecological values);
the *leaky bucket* — failures of five kinds (rude staff, poor service, untrained staff,
poor quality, poor selection) whose probabilities the firm's investments lower; a
complaint is the firm's chance for *service recovery*. Values are in value units (a
purchase's mean value lies in [0, 1]).
"""

from __future__ import annotations


def mean_value(fit: float, material_weight: float, spiritual_weight: float,
               social_weight: float, quality: float, service: float,
               social_value: float) -> float:
    """Mean perceived value of a firm's offer to one customer, before failures and noise.

    ``material = (0.5 + 0.5 quality) * fit``, ``spiritual = 0.5 + 0.5 service``,
    ``social = social_value``; the value is the customer's facet-weighted sum, in [0, 1].

    Parameters
    ----------
    fit : product fit in [0, 1] (:func:`sim.rules.needs.product_fit`).
    material_weight, spiritual_weight, social_weight : the customer's facet weights (sum 1).
    quality, service, social_value : the firm's levers in [0, 1].
    """
    material = (0.5 + 0.5 * quality) * fit
    spiritual = 0.5 + 0.5 * service
    return material_weight * material + spiritual_weight * spiritual + social_weight * social_value


def failure_probability(base: float, lever: float, mitigation: float) -> float:
    """Probability per purchase of one hole's failure: ``base * (1 - mitigation * lever)``.

    Parameters
    ----------
    base : the hole's failure probability at lever 0 (``market.failure_base``).
    lever : the firm's lever that plugs this hole, in [0, 1].
    mitigation : share of the probability removed at lever 1 (``market.failure_mitigation``).
    """
    return base * (1.0 - mitigation * lever)


def perceived_value(mean: float, failure_loss: float, noise: float, recovered: bool,
                    recovery_bonus: float) -> float:
    """Value a customer perceives in one purchase (value units).

    ``mean - failure_loss + noise``, plus ``recovery_bonus`` when a complaint was put
    right (service recovery also undoes the failures, so ``failure_loss`` is then 0).
    Satisfaction is perceptual and volatile: ``noise`` (drawn with s.d.
    ``customers.value_noise``) makes the same offer feel different each time.
    """
    value = mean - failure_loss + noise
    return value + recovery_bonus if recovered else value
