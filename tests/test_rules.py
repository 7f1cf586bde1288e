"""Rule tests: the direction and bounds of each mechanism, one rule at a time."""

from __future__ import annotations

import numpy as np
import pytest

from sim.network import from_edges
from sim.rules import awareness, choice, churn, needs, pricing, satisfaction, trust, value
from sim.rules import word_of_mouth as wom

BAND = 0.08


def test_satisfying_experience_raises_trust_and_failure_lowers_it():
    t = np.array([0.2, 0.2], dtype=np.float32)
    after = trust.update_trust(t, np.array([0.05, -0.3]), BAND, 0.05, 0.1, 0.7)
    assert after[0] > 0.2 > after[1]


def test_failure_hurts_less_at_high_trust():
    low, high = np.array([0.2]), np.array([0.9])
    bad = np.array([-0.3])
    drop_low = low - trust.update_trust(low, bad, BAND, 0.05, 0.1, 0.7)
    drop_high = high - trust.update_trust(high, bad, BAND, 0.05, 0.1, 0.7)
    assert 0 < drop_high[0] < drop_low[0]


def test_trust_gains_diminish_and_stay_in_bounds():
    t = np.linspace(0, 1, 11)
    up = trust.update_trust(t, np.full(11, 0.5), BAND, 0.3, 0.5, 0.0) - t
    assert np.all(np.diff(up) <= 1e-12)
    extremes = trust.update_trust(t, np.full(11, -10.0), BAND, 1.0, 1.0, 0.0)
    assert extremes.min() >= 0 and trust.update_trust(t, np.full(11, 10.0), BAND, 1.0, 1.0,
                                                      0.0).max() <= 1


def test_trust_stages_by_threshold():
    t = np.array([0.0, 0.29, 0.3, 0.6, 0.85])
    assert trust.trust_stage(t, (0.3, 0.55, 0.8)).tolist() == [0, 0, 1, 2, 3]


def test_trust_decays_without_purchases():
    assert trust.decay_trust(np.array([0.5]), 0.1)[0] == pytest.approx(0.45)


def test_rating_scale_and_zone_of_tolerance():
    s = np.array([-1.0, -0.1, 0.0, 0.035, 0.1, 1.0])
    assert satisfaction.rating(s, BAND).tolist() == [1, 2, 3, 3, 4, 5]
    assert satisfaction.expectations_met(np.array([-0.03, -0.05]), BAND).tolist() == [True, False]
    assert satisfaction.shortfall(np.array([0.0, -0.2]), BAND)[1] == pytest.approx(2.0)


def test_comparison_standard_pulls_toward_best_known():
    assert satisfaction.comparison_standard(np.array([0.5]), np.array([0.7]), 0.5)[0] == \
        pytest.approx(0.6)
    assert satisfaction.comparison_standard(np.array([0.7]), np.array([0.7]), 0.5)[0] == \
        pytest.approx(0.7)


def test_discount_raises_value_for_money_not_trust():
    """Customer bribery: a discount shows in satisfaction, not in the trust update."""
    paid = np.array([0.8, 1.0])
    vfm = satisfaction.value_for_money(paid, np.array([1.0, 1.0]))
    assert vfm[0] > vfm[1] == 0
    # The model feeds trust with surprise + price_trust_weight * vfm; at the seed's
    # weight 0 the same performance gives the same trust whatever the price.
    t = np.array([0.4, 0.4])
    surprise = np.zeros(2)
    after = trust.update_trust(t, surprise + 0.0 * vfm, BAND, 0.05, 0.1, 0.7)
    assert after[0] == after[1]


def test_discounted_purchase_raises_deal_dependence_full_price_lowers_it():
    d = np.array([0.3, 0.3], dtype=np.float32)
    after = pricing.update_deal_dependence(d, np.array([True, False]), 0.1, 0.05)
    assert after[0] > 0.3 > after[1]


def test_reference_price_follows_paid_price():
    ref = pricing.update_reference_price(np.array([1.0]), np.array([0.8]), 0.25)
    assert ref[0] == pytest.approx(0.95)


def test_prospect_theory_losses_loom_larger_and_zone_of_indifference():
    ref = np.ones(4)
    prices = np.array([1.02, 0.98, 1.2, 0.8])
    d = pricing.price_disutility(prices, ref, np.ones(4), loss_aversion=2.0, zone=0.05)
    assert d[0] == 0 and d[1] == 0
    assert d[2] == pytest.approx(-2 * d[3])


def test_trust_lowers_and_deal_dependence_raises_price_sensitivity():
    base = np.ones(3)
    s = pricing.effective_sensitivity(base, np.array([0.0, 1.0, 0.0]),
                                      np.array([0.0, 0.0, 1.0]), 0.5, 1.5)
    assert s[1] < s[0] < s[2]


def test_promotion_schedule():
    on = [pricing.promotion_active(t, 4, 2) for t in range(8)]
    assert on == [True, True, False, False] * 2
    assert not any(pricing.promotion_active(t, 4, 0) for t in range(8))


def test_needs_drift_on_the_circle_and_personalisation_keeps_fit():
    rng = np.random.default_rng(1)
    need = rng.random(1000).astype(np.float32)
    moved = needs.drift_needs(need, 0.1, rng)
    assert moved.min() >= 0 and moved.max() < 1 and not np.allclose(moved, need)
    far = np.array([0.0], dtype=np.float32)
    plain = needs.product_fit(far, np.array([0.5]), np.array([0.0]), 1.0)
    tailored = needs.product_fit(far, np.array([0.5]), np.array([0.8]), 1.0)
    assert plain[0] == pytest.approx(0.0) and tailored[0] == pytest.approx(0.8)
    wraps = needs.product_fit(np.array([0.95], dtype=np.float32), np.array([0.05]),
                              np.array([0.0]), 1.0)
    assert wraps[0] == pytest.approx(0.8, abs=1e-6)


def test_mean_value_rises_with_quality_service_and_fit():
    w = np.array([[0.6, 0.3, 0.1]])
    base = value.mean_value(np.array([0.5]), w, np.array(0.2), np.array(0.2), np.array(0.5))
    for kwargs in ({"quality": 0.9}, {"service": 0.9}):
        args = {"quality": 0.2, "service": 0.2} | kwargs
        better = value.mean_value(np.array([0.5]), w, np.array(args["quality"]),
                                  np.array(args["service"]), np.array(0.5))
        assert better[0] > base[0]
    assert value.mean_value(np.array([0.9]), w, np.array(0.2), np.array(0.2),
                            np.array(0.5))[0] > base[0]


def test_levers_plug_the_holes():
    p = value.failure_probabilities(np.full(5, 0.1), np.array([[0.0] * 5, [1.0] * 5]), 0.9)
    assert np.allclose(p[0], 0.1) and np.allclose(p[1], 0.01)


def test_failures_and_recovery_frequencies():
    rng = np.random.default_rng(2)
    fails = value.draw_failures(np.full((20000, 5), 0.2), rng.random((20000, 5)))
    assert fails.mean() == pytest.approx(0.2, abs=0.01)
    failed = np.ones(20000, dtype=bool)
    complained, recovered = value.complaints_and_recovery(failed, 0.1, np.full(20000, 0.5),
                                                          rng.random((2, 20000)))
    assert complained.mean() == pytest.approx(0.1, abs=0.01)
    assert recovered.mean() == pytest.approx(0.05, abs=0.01)
    assert not np.any(recovered & ~complained)


def test_experienced_value_subtracts_failure_severity():
    v = value.experienced_value(np.full(2, 0.7, dtype=np.float32),
                                np.array([[False] * 5, [True, False, False, False, True]]),
                                np.array([0.3, 0.1, 0.1, 0.1, 0.2]), np.array([0.0, 0.05]))
    assert v[0] == pytest.approx(0.7) and v[1] == pytest.approx(0.25)


def test_churn_leaves_more_after_worse_experiences_less_with_trust():
    p = churn.leave_probability(np.array([0.0, 1.0, 3.0]), np.zeros(3), 0.2, 0.7)
    assert p[0] == 0 < p[1] < p[2]
    assert churn.leave_probability(np.array([3.0]), np.array([1.0]), 0.2, 0.7)[0] < p[2]


def test_churn_causes_are_attributed():
    holes = np.zeros((4, 5))
    holes[0, 0] = 0.35  # rude staff
    holes[1, 3] = 0.4   # poor quality
    need_loss = np.array([0.0, 0.0, 0.2, 0.0])
    price_loss = np.array([0.0, 0.0, 0.1, 0.3])
    causes = churn.attribute_cause(holes, need_loss, price_loss)
    assert causes.tolist() == [0, 3, 6, 7]
    # Nothing lost: blamed on the product.
    assert churn.attribute_cause(np.zeros((1, 5)), np.zeros(1), np.zeros(1)).tolist() == [3]


def test_word_of_mouth_reaches_only_graph_neighbours():
    rng = np.random.default_rng(4)
    g = from_edges(6, np.array([[0, 1], [0, 2], [3, 4]]))
    speakers = np.array([0, 3])
    owner, listener = wom.spread(speakers, g.indptr, g.indices, reach=10, rng=rng)
    pairs = {(int(speakers[o]), int(lst)) for o, lst in zip(owner, listener, strict=True)}
    assert pairs == {(0, 1), (0, 2), (3, 4)}


def test_word_of_mouth_mean_reach_matches_configured():
    rng = np.random.default_rng(5)
    n, k = 2000, 20
    edges = np.array([(i, (i + j) % n) for i in range(n) for j in range(1, k // 2 + 1)])
    g = from_edges(n, edges)
    speakers = np.arange(n)
    owner, _ = wom.spread(speakers, g.indptr, g.indices, reach=4.0, rng=rng)
    assert owner.size / n == pytest.approx(4.0, rel=0.03)


def test_speaking_depends_on_rating_and_advocacy():
    pos, neg = wom.speaking_probability(np.array([0, 2, 3, 5, 5]),
                                        np.array([False, False, False, False, True]),
                                        0.1, 0.02, 0.3, 2.0)
    assert pos.tolist() == pytest.approx([0, 0, 0.02, 0.1, 0.2])
    assert neg.tolist() == pytest.approx([0, 0.3, 0, 0, 0])


def test_awareness_hazard_is_linear_in_messages_and_capped():
    h = awareness.awareness_hazard(np.array([0.03]), np.array([[0.0], [2.0], [100.0]]), 0.1)
    assert h[:, 0].tolist() == pytest.approx([0.03, 0.23, 1.0])


def test_over_claiming_raises_first_expectation():
    honest = awareness.first_expectation(0.5, np.array([0.6]), 0.5)
    inflated = awareness.first_expectation(0.5, np.array([0.6 * 1.3]), 0.5)
    assert inflated[0] > honest[0]


def _utilities(**kw):
    args = dict(expected=np.array([[0.6, 0.6]]), trust=np.array([[0.0, 0.0]]),
                stage=np.array([[0, 0]]), current=np.array([-1]),
                price=np.array([[1.0, 1.0]]), reference=np.array([1.0]),
                sensitivity=np.array([1.0]), dependence=np.array([0.0]))
    args |= kw
    return choice.utilities(**args, emotional_preference=0.2, switching_cost=0.05,
                            trust_insensitivity=0.5, deal_sensitivity=1.5, loss_aversion=2.0,
                            zone=0.05)


def test_choice_prefers_trusted_current_and_cheaper():
    u = _utilities(trust=np.array([[0.7, 0.0]]), stage=np.array([[2, 0]]))
    assert u[0, 0] > u[0, 1]
    u = _utilities(current=np.array([1]))
    assert u[0, 1] > u[0, 0]
    u = _utilities(price=np.array([[0.8, 1.0]]))
    assert u[0, 0] > u[0, 1]


def test_deal_dependent_shopper_dislikes_full_price_more():
    plain = _utilities(reference=np.array([0.8]))
    hooked = _utilities(reference=np.array([0.8]), dependence=np.array([1.0]))
    assert hooked[0, 0] < plain[0, 0]


def test_behavioural_trusters_resist_rivals_promotions():
    seen = choice.seen_prices(np.array([1.0, 0.7]), np.array([1.0, 1.0]), np.zeros(2),
                              np.zeros((2, 2), dtype=bool), np.array([0, 0]),
                              np.array([3, 0]), promotion_resistance=0.8)
    assert seen[0, 1] == pytest.approx(0.94) and seen[1, 1] == pytest.approx(0.7)


def test_choose_respects_awareness_and_outside_option():
    rng = np.random.default_rng(6)
    m = 5000
    u = np.tile([[0.5, 0.5]], (m, 1))
    avail = np.tile([[True, False]], (m, 1))
    picks = choice.choose(u, avail, -100.0, 10.0, rng.gumbel(size=(m, 3)))
    assert set(np.unique(picks)) == {0}
    none = choice.choose(u, avail, 100.0, 10.0, rng.gumbel(size=(m, 3)))
    assert set(np.unique(none)) == {choice.OUTSIDE}
    # Logit shares: equal utilities split evenly.
    both = choice.choose(u, np.ones((m, 2), dtype=bool), -100.0, 10.0, rng.gumbel(size=(m, 3)))
    assert (both == 0).mean() == pytest.approx(0.5, abs=0.03)
