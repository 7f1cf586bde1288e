"""Compiled kernels (numba) for the two largest per-customer loops of a step.

The rules in :mod:`sim.rules` are the statement of the model: small numpy functions, one
concept each. Their temporaries dominate the time of a step, so the shopping decision
and the experience of each purchase also exist here as fused loops that compute the
same thing from the same random draws. :mod:`sim.engine.step` strings them together
with the other phases into the whole customer step of ``MarketModel(engine="numba")``
(the default when numba is installed); ``engine="numpy"`` uses the rules alone. The
tests check that both engines follow the same trajectory.

Why numba: see ``docs/performance.md``.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # the numpy engine needs nothing compiled
    numba = None

AVAILABLE = numba is not None

#: How the kernels are compiled: cached on disk; numpy's error model (a division by zero
#: gives inf or nan, as in the numpy engine, without a check before every division).
JIT_OPTIONS = {"cache": True, "error_model": "numpy"}


def _utility(expected, sensitivity, price, per_reference, trust, liked, own, zone,
             loss_aversion, emotional_preference, switching_cost):
    """A shopper's utility of one firm at one price, as :func:`sim.rules.choice.utilities`:
    expected value, less the price's distance from the reference price beyond the zone of
    indifference (losses weighted by loss aversion), plus the emotional truster's
    preference and the current firm's switching cost.

    ``per_reference`` is the reciprocal of the shopper's reference price: one division
    per shopper instead of two per firm (the division was a sixth of this kernel). The
    gap can differ from ``price / reference`` in its last bit of double precision; the
    choice, which only compares scores, is the same but for ties closer than that."""
    gap = price * per_reference - 1.0
    loss = gap - zone if gap > zone else 0.0
    gain = gap + zone if gap < -zone else 0.0
    u = expected - sensitivity * (loss_aversion * loss + gain)
    u = u + emotional_preference * trust if liked else u
    return u + switching_cost if own else u


def _shop_kernel(shoppers, current, stage_current, habitual, gumbel_row, gumbel, expectation,
                 trust, aware, member, reference, sensitivity, dependence, promo_price,
                 list_price, points_rate, depth, emotional_threshold, behavioural_stage,
                 emotional_preference, switching_cost, trust_insensitivity, deal_sensitivity,
                 loss_aversion, zone, outside_utility, precision, promotion_resistance):
    """Choice of every shopper, the unit price it saw, and whether it would have bought
    from the same firm at full price (deadweight); see :mod:`sim.rules.choice`."""
    m = shoppers.size
    n_firms = promo_price.size
    chosen = np.empty(m, np.int64)
    seen_price = np.zeros(m, np.float32)
    would_anyway = np.zeros(m, np.bool_)
    outside_score_base = precision * outside_utility
    for j in range(m):
        i = shoppers[j]
        cur = current[j]
        loyal = stage_current[j] >= behavioural_stage
        if habitual[j]:
            chosen[j] = cur
            seen_price[j] = promo_price[cur] * (1.0 - points_rate[cur] * member[i, cur])
            would_anyway[j] = True
            continue
        g = gumbel_row[j]
        per_reference = 1.0 / np.float64(reference[i])
        # Every firm is scored twice in one pass: at the prices on offer and at list
        # prices (would the shopper have bought the same at full price: deadweight).
        # The comparisons are coin tosses to the processor (Gumbel noise), so they are
        # written as selections rather than branches; the unknown firms never win.
        best_score = full_score = -np.inf
        best = full_best = -1
        best_price = 0.0
        for f in range(n_firms):
            promo = promo_price[f]
            if loyal and f != cur:
                promo = list_price[f] - (1.0 - promotion_resistance) * (
                    list_price[f] - promo_price[f])
            price = promo * (1.0 - points_rate[f] * member[i, f])
            t = trust[i, f]
            sens = sensitivity[i] * (1.0 - trust_insensitivity * t) * (
                1.0 + deal_sensitivity * dependence[i])
            known = aware[i, f]
            liked = t >= emotional_threshold
            own = f == cur
            score = precision * _utility(
                expectation[i, f], sens, price, per_reference, t, liked, own, zone,
                loss_aversion, emotional_preference, switching_cost) + gumbel[g, f]
            better = known & (score > best_score)
            best_score = score if better else best_score
            best = f if better else best
            best_price = price if better else best_price
            score = precision * _utility(
                expectation[i, f], sens, np.float64(list_price[f]), per_reference, t, liked,
                own, zone, loss_aversion, emotional_preference, switching_cost) + gumbel[g, f]
            better = known & (score > full_score)
            full_score = score if better else full_score
            full_best = f if better else full_best
        outside = outside_score_base + gumbel[g, n_firms]
        best = -1 if best_score <= outside else best
        full_best = -1 if full_score <= outside else full_best
        chosen[j] = best
        seen_price[j] = best_price
        b = max(best, 0)
        on_deal = (best >= 0) & ((depth[b] > 0) | (member[i, b] & (points_rate[b] > 0)))
        would_anyway[j] = on_deal & (full_best == best)
    return chosen, seen_price, would_anyway


if AVAILABLE:
    _utility = numba.njit(inline="always", **JIT_OPTIONS)(_utility)
shop_kernel = numba.njit(**JIT_OPTIONS)(_shop_kernel) if AVAILABLE else None


def _experience_kernel(buyers, firm_of, seen_price, promo_price, on_deal, u_failure,
                       u_complaint, noise, u_leave, need, facet_weights, expectation, trust,
                       aware, member, reference, dependence, last_firm, last_rating, fit_at_join,
                       basket, tenure, last_purchase, step, positions, personalisation, quality,
                       service, social_value, recovery, list_price, points_rate, p_failure,
                       severity, fit_weight, complaint_probability, recovery_bonus, norm_weight,
                       vfm_weight, band, price_trust_weight, trust_gain, trust_loss, tolerance,
                       expectation_adaptation, reference_adaptation, deal_gain, deal_decay,
                       churn_sensitivity, spend_growth, unit_cost, quality_unit_cost,
                       redemption, serve_cost, tenure_saving, full_tenure, recovery_cost,
                       n_totals):
    """One experience per buyer, updating the state in place, as in
    ``MarketModel._live`` (value, satisfaction, trust, pricing and churn rules).
    ``complaint_probability`` comes in single precision, like the uniforms it is compared
    with (numpy compares a float32 array with a Python float in float32).

    Returns a leave flag and cause per buyer and the per-firm purchase totals in the order
    of ``sim.model.PURCHASE_TOTALS``.
    """
    m = buyers.size
    n_firms = positions.size
    n_holes = severity.size
    leave = np.zeros(m, np.bool_)
    cause = np.zeros(m, np.int8)
    totals = np.zeros((n_totals, n_firms))
    failed = np.zeros(n_holes, np.bool_)
    one = np.float32(1.0)
    fit_twice = np.float32(fit_weight * 2.0)
    for j in range(m):
        i = buyers[j]
        f = firm_of[j]
        # Fit in single precision, as the rules compute it: a need that has not moved
        # since joining must give exactly the fit at joining (no phantom need loss).
        d = abs(need[i] - positions[f])
        d = min(d, one - d)
        fit = one - fit_twice * d * (one - personalisation[f])
        q = quality[f]
        material = (0.5 + 0.5 * q) * fit
        mean = (facet_weights[i, 0] * material + facet_weights[i, 1] * (0.5 + 0.5 * service[f])
                + facet_weights[i, 2] * social_value[f])
        any_failure = False
        for k in range(n_holes):
            failed[k] = u_failure[j, k] < p_failure[f, k]
            any_failure |= failed[k]
        complained = any_failure & (u_complaint[0, j] < complaint_probability)
        recovered = complained & (u_complaint[1, j] < recovery[f])
        lost = 0.0
        if not recovered:
            for k in range(n_holes):
                if failed[k]:
                    lost += severity[k]
        perceived = mean - lost + noise[j]
        if recovered:
            perceived += recovery_bonus
        expected = expectation[i, f]
        best = -np.inf
        for g in range(n_firms):
            best = expectation[i, g] if aware[i, g] & (expectation[i, g] > best) else best
        standard = expected + norm_weight * max(0.0, best - expected)
        surprise = perceived - standard
        ref = reference[i]
        vfm = (ref - seen_price[j]) / ref
        total = surprise + vfm_weight * vfm
        rating = min(5.0, max(1.0, np.floor(total / band + 0.5) + 3.0))
        before = trust[i, f]
        z = (surprise + price_trust_weight * vfm_weight * vfm) / band
        up = before + trust_gain * (1.0 + min(2.0, max(0.0, z - 0.5))) * (1.0 - before)
        down = before - trust_loss * max(0.0, -z - 0.5) * (1.0 - tolerance * before)
        after = up if z >= -0.5 else down
        after = min(1.0, max(0.0, after))
        trust[i, f] = after
        expectation[i, f] = expected + expectation_adaptation * (perceived - expected)
        reference[i] = ref + reference_adaptation * (seen_price[j] - ref)
        dd = dependence[i]
        dependence[i] = dd + deal_gain * (1.0 - dd) if on_deal[j] else dd * (1.0 - deal_decay)
        last_firm[i] = f
        last_rating[i] = np.int8(rating)
        last_purchase[i] = step

        shortfall = max(0.0, -total / band - 0.5)
        if u_leave[j] < min(1.0, churn_sensitivity * shortfall * (1.0 - tolerance * after)):
            leave[j] = True
            top = 0.0
            best_cause = -1
            for k in range(n_holes):
                loss = severity[k] if (failed[k] and not recovered) else 0.0
                if loss > top:
                    top = loss
                    best_cause = k
            need_loss = facet_weights[i, 0] * (0.5 + 0.5 * q) * max(0.0, fit_at_join[i] - fit)
            if need_loss > top:
                top = need_loss
                best_cause = n_holes + 1
            price_loss = max(0.0, -vfm_weight * vfm)
            if price_loss > top:
                top = price_loss
                best_cause = n_holes + 2
            cause[j] = 3 if best_cause < 0 else best_cause
            expectation[i, f] = perceived

        units = basket[i] * (1.0 + spend_growth * before)
        revenue = promo_price[f] * units
        share = min(tenure[i], full_tenure) / full_tenure
        totals[0, f] += 1.0
        totals[1, f] += units
        totals[2, f] += revenue
        totals[3, f] += (unit_cost + quality_unit_cost * q) * units
        totals[4, f] += (list_price[f] - promo_price[f]) * units
        if member[i, f]:
            totals[5, f] += points_rate[f] * revenue * redemption
        totals[6, f] += serve_cost * (1.0 - tenure_saving * share)
        if complained:
            totals[7, f] += recovery_cost * recovery[f]
            totals[9, f] += 1.0
        if any_failure:
            totals[8, f] += 1.0
        if recovered:
            totals[10, f] += 1.0
        totals[11, f] += rating
    return leave, cause, totals


experience_kernel = numba.njit(**JIT_OPTIONS)(_experience_kernel) if AVAILABLE else None
