"""Rule tests: the direction and bounds of each mechanism, one rule at a time (the rules
are scalar functions; their array form comes from :func:`sim.rules.elementwise`)."""

from __future__ import annotations

import ast
import inspect
import math

import numpy as np
import pytest

from sim.rules import (
    MODULES,
    RULES,
    awareness,
    choice,
    churn,
    economics,
    elementwise,
    needs,
    occasions,
    pricing,
    satisfaction,
    trust,
    value,
    word_of_mouth,
)

BAND = 0.08


def test_every_rule_says_what_it_implements_and_is_written_once():
    for module in MODULES:
        assert "seed" in (module.__doc__ or "").lower(), module.__name__
    for name, rule in RULES.items():
        assert rule.__doc__ and len(rule.__doc__) > 40, name
        assert not inspect.isgeneratorfunction(rule)
        tree = ast.parse(inspect.getsource(rule))
        loops = [n for n in ast.walk(tree)
                 if isinstance(n, (ast.For, ast.While, ast.comprehension))]
        numpy = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in ("np", "numpy")]
        assert not loops and not numpy, f"{name}: rules hold no loops and call no numpy"


def test_satisfying_experience_raises_trust_and_failure_lowers_it():
    assert trust.update_trust(0.2, 0.05, BAND, 0.05, 0.1, 0.7) > 0.2
    assert trust.update_trust(0.2, -0.3, BAND, 0.05, 0.1, 0.7) < 0.2


def test_failure_hurts_less_at_high_trust():
    drop_low = 0.2 - trust.update_trust(0.2, -0.3, BAND, 0.05, 0.1, 0.7)
    drop_high = 0.9 - trust.update_trust(0.9, -0.3, BAND, 0.05, 0.1, 0.7)
    assert 0 < drop_high < drop_low


def test_trust_gains_diminish_and_stay_in_bounds():
    levels = np.linspace(0, 1, 11)
    up = elementwise(trust.update_trust)(levels, 0.5, BAND, 0.3, 0.5, 0.0) - levels
    assert np.all(np.diff(up) <= 1e-12)
    for signal in (-10.0, 10.0):
        after = elementwise(trust.update_trust)(levels, signal, BAND, 1.0, 1.0, 0.0)
        assert after.min() >= 0 and after.max() <= 1


def test_within_the_zone_of_tolerance_trust_still_grows():
    """Meeting expectation within half a band counts as satisfying (no excess)."""
    assert trust.update_trust(0.0, -0.03, BAND, 0.05, 0.1, 0.7) == pytest.approx(0.05)


def test_trust_stages_by_threshold():
    stages = [trust.trust_stage(t, 0.3, 0.55, 0.8) for t in (0.0, 0.29, 0.3, 0.6, 0.85)]
    assert stages == [0, 0, 1, 2, 3]


def test_trust_decays_without_purchases():
    assert trust.decay_trust(0.5, 0.1) == pytest.approx(0.45)


def test_discount_raises_value_for_money_not_trust():
    """Customer bribery: a discount shows in satisfaction, not in the trust signal."""
    vfm = satisfaction.value_for_money(0.8, 1.0)
    assert vfm > satisfaction.value_for_money(1.0, 1.0) == 0
    assert satisfaction.satisfaction(0.0, vfm, 0.5) > 0
    assert trust.trust_signal(0.0, vfm, 0.0, 0.5) == 0.0  # the seeds' weight: none
    assert trust.trust_signal(0.0, vfm, 1.0, 0.5) > 0.0


def test_rating_scale_and_zone_of_tolerance():
    ratings = [satisfaction.rating(s, BAND) for s in (-1.0, -0.1, 0.0, 0.035, 0.1, 1.0)]
    assert ratings == [1, 2, 3, 3, 4, 5]
    assert satisfaction.shortfall(0.0, BAND) == 0.0
    assert satisfaction.shortfall(-0.2, BAND) == pytest.approx(2.0)


def test_comparison_standard_pulls_toward_best_known():
    assert satisfaction.comparison_standard(0.5, 0.7, 0.5) == pytest.approx(0.6)
    assert satisfaction.comparison_standard(0.7, 0.6, 0.5) == pytest.approx(0.7)
    assert satisfaction.disconfirmation(0.6, 0.5) == pytest.approx(0.1)


def test_expectations_adapt_toward_experience():
    assert satisfaction.adapt_expectation(0.5, 0.9, 0.25) == pytest.approx(0.6)


def test_discounted_purchase_raises_deal_dependence_full_price_lowers_it():
    assert pricing.update_deal_dependence(0.3, True, 0.1, 0.05) > 0.3
    assert pricing.update_deal_dependence(0.3, False, 0.1, 0.05) < 0.3
    assert pricing.update_deal_dependence(1.0, True, 0.5, 0.05) == 1.0


def test_reference_price_follows_paid_price():
    assert pricing.update_reference_price(1.0, 0.8, 0.25) == pytest.approx(0.95)


def test_prospect_theory_losses_loom_larger_and_zone_of_indifference():
    d = [pricing.price_disutility(r, 1.0, 2.0, 0.05) for r in (1.02, 0.98, 1.2, 0.8)]
    assert d[0] == 0 and d[1] == 0
    assert d[2] == pytest.approx(-2 * d[3]) and d[2] > 0


def test_trust_lowers_and_deal_dependence_raises_price_sensitivity():
    base = pricing.effective_sensitivity(1.0, 0.0, 0.0, 0.5, 1.5)
    assert pricing.effective_sensitivity(1.0, 1.0, 0.0, 0.5, 1.5) < base
    assert pricing.effective_sensitivity(1.0, 0.0, 1.0, 0.5, 1.5) > base


def test_promotion_schedule_and_price():
    assert [pricing.promotion_active(t, 4, 2) for t in range(8)] == [True, True, False, False] * 2
    assert not any(pricing.promotion_active(t, 4, 0) for t in range(8))
    assert pricing.promotion_price(1.2, 0.25) == pytest.approx(0.9)


def test_needs_drift_on_the_circle_and_personalisation_keeps_fit():
    assert needs.drift_need(0.95, 0.1) == pytest.approx(0.05)
    assert needs.drift_need(0.05, -0.1) == pytest.approx(0.95)
    assert 0 <= needs.drift_need(0.0, -1e-18) < 1
    assert needs.product_fit(0.0, 0.5, 0.0, 1.0) == pytest.approx(0.0)
    assert needs.product_fit(0.0, 0.5, 0.8, 1.0) == pytest.approx(0.8)
    assert needs.product_fit(0.95, 0.05, 0.0, 1.0) == pytest.approx(0.8)


def test_mean_value_rises_with_quality_service_and_fit():
    base = value.mean_value(0.5, 0.6, 0.3, 0.1, 0.2, 0.2, 0.5)
    assert value.mean_value(0.5, 0.6, 0.3, 0.1, 0.9, 0.2, 0.5) > base
    assert value.mean_value(0.5, 0.6, 0.3, 0.1, 0.2, 0.9, 0.5) > base
    assert value.mean_value(0.9, 0.6, 0.3, 0.1, 0.2, 0.2, 0.5) > base
    assert 0 <= value.mean_value(1.0, 0.6, 0.3, 0.1, 1.0, 1.0, 1.0) <= 1


def test_levers_plug_the_holes():
    assert value.failure_probability(0.1, 0.0, 0.9) == pytest.approx(0.1)
    assert value.failure_probability(0.1, 1.0, 0.9) == pytest.approx(0.01)


def test_perceived_value_subtracts_failures_and_rewards_recovery():
    assert value.perceived_value(0.7, 0.45, 0.0, False, 0.05) == pytest.approx(0.25)
    assert value.perceived_value(0.7, 0.0, 0.02, True, 0.05) == pytest.approx(0.77)


def test_churn_leaves_more_after_worse_experiences_less_with_trust():
    p = [churn.leave_probability(s, 0.0, 0.2, 0.7) for s in (0.0, 1.0, 3.0, 10.0)]
    assert p[0] == 0 < p[1] < p[2] < p[3] == 1.0
    assert churn.leave_probability(3.0, 1.0, 0.2, 0.7) < p[2]


def test_losses_that_churn_is_blamed_on():
    assert churn.need_loss(0.6, 0.0, 0.9, 0.5) == pytest.approx(0.6 * 0.5 * 0.4)
    assert churn.need_loss(0.6, 0.0, 0.5, 0.9) == 0.0  # the need moved closer
    assert churn.price_loss(-0.2, 0.5) == pytest.approx(0.1)
    assert churn.price_loss(0.2, 0.5) == 0.0


def test_speaking_depends_on_rating_and_advocacy():
    well = [word_of_mouth.speak_well_probability(r, b, 0.1, 0.02, 2.0)
            for r, b in ((0, False), (2, False), (3, False), (5, False), (5, True))]
    assert well == pytest.approx([0, 0, 0.02, 0.1, 0.2])
    ill = [word_of_mouth.speak_ill_probability(r, 0.3) for r in (0, 1, 2, 3, 5)]
    assert ill == pytest.approx([0, 0.3, 0.3, 0, 0])
    assert word_of_mouth.speak_well_probability(5, True, 0.8, 0.02, 2.0) == 1.0


def test_each_neighbour_is_told_so_that_reach_people_hear_on_average():
    assert word_of_mouth.tell_probability(4.0, 20) * 20 == pytest.approx(4.0)
    assert word_of_mouth.tell_probability(4.0, 2) == 1.0
    assert word_of_mouth.tell_probability(4.0, 0) == 1.0


def test_hearsay_moves_expectations_and_trusters_discount_bad_news():
    assert word_of_mouth.hearsay_weight(True, 0.8) == pytest.approx(0.2)
    assert word_of_mouth.hearsay_weight(False, 0.8) == 1.0
    assert word_of_mouth.hearsay_shift(3, 1.0, 0.03) == pytest.approx(0.06)


def test_awareness_chance_is_linear_in_messages_and_capped():
    chances = [awareness.awareness_probability(0.03, k, 0.1) for k in (0, 2, 100)]
    assert chances == pytest.approx([0.03, 0.23, 1.0])


def test_over_claiming_raises_first_expectation():
    honest = awareness.first_expectation(0.5, awareness.advertised_claim(0.6, 0.0), 0.5)
    inflated = awareness.first_expectation(0.5, awareness.advertised_claim(0.6, 0.3), 0.5)
    assert inflated > honest == pytest.approx(0.55)


def _utility(**kw):
    args = dict(expected=0.6, relative_price=1.0, sensitivity=1.0, trust=0.0, emotional=False,
                current=False, loss_aversion=2.0, zone=0.05, emotional_preference=0.2,
                switching_cost=0.05) | kw
    return choice.utility(**args)


def test_choice_prefers_trusted_current_and_cheaper():
    base = _utility()
    assert _utility(trust=0.7, emotional=True) > base
    assert _utility(trust=0.7, emotional=False) == base  # preference starts at the emotional stage
    assert _utility(current=True) > base
    assert _utility(relative_price=0.8) > base > _utility(relative_price=1.2)


def test_deal_dependent_shopper_dislikes_full_price_more():
    plain = pricing.effective_sensitivity(1.0, 0.0, 0.0, 0.5, 1.5)
    hooked = pricing.effective_sensitivity(1.0, 0.0, 1.0, 0.5, 1.5)
    assert _utility(relative_price=1.25, sensitivity=hooked) < _utility(relative_price=1.25,
                                                                        sensitivity=plain)


def test_behavioural_trusters_resist_rivals_promotions():
    assert choice.seen_price(0.7, 1.0, 0.0, False, True, 0.8) == pytest.approx(0.94)
    assert choice.seen_price(0.7, 1.0, 0.0, False, False, 0.8) == pytest.approx(0.7)
    assert choice.seen_price(1.0, 1.0, 0.1, True, False, 0.8) == pytest.approx(0.9)


def test_logit_scores_follow_utility_and_noise():
    assert choice.choice_score(0.5, 10.0, 0.3) == pytest.approx(5.3)


def test_trusting_customers_buy_more_and_cost_less_to_serve():
    assert economics.units_bought(2.0, 1.0, 0.3) == pytest.approx(2.6)
    new, old = (economics.serving_cost(t, 0.1, 0.5, 52) for t in (0, 104))
    assert new == pytest.approx(0.1) and old == pytest.approx(0.05)


def test_costs_of_a_purchase_and_of_acquisition():
    assert economics.goods_cost(2.0, 1.0, 0.5, 0.1) == pytest.approx(1.2)
    assert economics.points_cost(10.0, 0.05, 0.8) == pytest.approx(0.4)
    assert economics.complaint_cost(0.5, 0.4) == pytest.approx(0.2)
    assert economics.advertising_cost(0.1, 1000, 0.02) == pytest.approx(2.0)
    assert economics.relationship_spend(1.0, 0.5, 0.0, 0.03, 0.04, 0.05) == pytest.approx(0.05)


def test_occasion_rates_and_chances_are_inverse():
    for p in (0.0, 0.1, 0.5, 0.99):
        assert occasions.occasion_probability(occasions.occasion_rate(p)) == pytest.approx(p)
    assert occasions.occasion_rate(1.0) == math.inf


def test_array_forms_are_the_rules_broadcast():
    t = np.array([0.1, 0.5, 0.9])
    np.testing.assert_array_equal(
        elementwise(trust.update_trust)(t, np.array([0.1, -0.2, 0.0]), BAND, 0.05, 0.1, 0.7),
        [trust.update_trust(a, s, BAND, 0.05, 0.1, 0.7) for a, s in zip(t, (0.1, -0.2, 0.0),
                                                                       strict=True)])
    stages = elementwise(trust.trust_stage)(np.array([0.0, 0.6]), 0.3, 0.55, 0.8)
    assert stages.tolist() == [0, 2]
