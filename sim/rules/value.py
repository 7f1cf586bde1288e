"""Perceived value of a purchase: three facets, failures through the bucket's holes,
complaints and service recovery.

Seed ideas: satisfaction has three levels — *material* (use value, quality), *spiritual*
(appearance, brand, service) and *social* (the firm's moral, social, ecological values);
the *leaky bucket* — failures of five kinds (rude staff, poor service, untrained staff,
poor quality, poor selection) whose probabilities the firm's investments lower; most
dissatisfied customers do not complain, and a complaint is the firm's chance for
*service recovery*.
"""

from __future__ import annotations

import numpy as np


def mean_value(fit: np.ndarray, facet_weights: np.ndarray, quality: np.ndarray,
               service: np.ndarray, social_value: np.ndarray) -> np.ndarray:
    """Mean perceived value (before failures and noise), element-wise with broadcasting.

    material = (0.5 + 0.5 quality) * fit, spiritual = 0.5 + 0.5 service, social =
    social_value; the value is the customer's facet-weighted sum, in [0, 1].

    Parameters
    ----------
    fit : product fit, shape S.
    facet_weights : weights of material, spiritual, social value, shape S + (3,).
    quality, service, social_value : firm levers in [0, 1], broadcastable to S.
    """
    material = (0.5 + 0.5 * quality) * fit
    spiritual = 0.5 + 0.5 * service
    value = (facet_weights[..., 0] * material + facet_weights[..., 1] * spiritual
             + facet_weights[..., 2] * social_value)
    return value.astype(fit.dtype)


def failure_probabilities(base: np.ndarray, levers: np.ndarray, mitigation: float) -> np.ndarray:
    """Probability of each hole's failure per purchase: ``base * (1 - mitigation * lever)``.

    Parameters
    ----------
    base : (5,) failure probability of each hole at lever 0.
    levers : (F, 5) the lever that plugs each hole, per firm, in [0, 1].
    mitigation : share of a failure probability removed at lever 1.

    Returns
    -------
    (F, 5) probabilities.
    """
    return base[None, :] * (1.0 - mitigation * levers)


def draw_failures(probabilities: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Which failures happen: ``probabilities`` and ``uniforms`` are (m, 5); returns bool."""
    return uniforms < probabilities


def experienced_value(mean: np.ndarray, failures: np.ndarray, severity: np.ndarray,
                      noise: np.ndarray) -> np.ndarray:
    """Perceived value of m purchases: mean minus failure severities plus perceptual noise.

    Satisfaction is perceptual and volatile: ``noise`` (value units, drawn by the caller
    with s.d. ``customers.value_noise``) makes the same offer feel different each time.
    """
    return mean - failures.astype(mean.dtype) @ severity.astype(mean.dtype) + noise


def complaints_and_recovery(failed: np.ndarray, complaint_probability: float,
                            recovery_probability: np.ndarray,
                            uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which failed purchases lead to a complaint, and which complaints are put right.

    Parameters
    ----------
    failed : (m,) bool, the purchase had at least one failure.
    complaint_probability : chance a failed customer complains (the seeds: rarely).
    recovery_probability : (m,) the firm's recovery lever for each purchase.
    uniforms : (2, m) uniform draws on [0, 1).

    Returns
    -------
    (complained, recovered), both (m,) bool; recovered implies complained.
    """
    complained = failed & (uniforms[0] < complaint_probability)
    recovered = complained & (uniforms[1] < recovery_probability)
    return complained, recovered
