"""The fitting machinery: response surfaces, the synthetic-likelihood posterior, BG/NBD,
the stand-in purchase process, spend, resuming, and recovery of known parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.calibration import bgnbd
from sim.calibration.emulator import fit_emulator, n_terms, quadratic_terms
from sim.calibration.fit import Calibration, FitSettings
from sim.calibration.forecast import repeat_count_fit
from sim.calibration.parameters import CORRELATION, LOGIT, PURCHASE_PARAMETERS, RATE, to_free
from sim.calibration.posterior import Distance, precision_root, sample_posterior
from sim.calibration.simulators import ProcessSimulator, dropout_chances, occasion_chances
from sim.calibration.spend import decompose, fit_spend, simulated_cohorts
from sim.calibration.statistics import StatisticSet, bootstrap_weights, rfm, stratified_covariance
from sim.calibration.store import CalibrationStore, StoreError
from sim.calibration.streams import DESIGN, FORECAST, MODEL_COVARIANCE, SPEND, stream

TRUTH = {"customers.purchase_probability": 0.08, "customers.occasion_rate_shape": 0.8,
         "customers.dropout_probability": 0.2, "customers.dropout_concentration": 4.0}


def arrivals(customers: int, steps: int, spread: int) -> np.ndarray:
    out = np.zeros(steps, int)
    out[:spread] = customers // spread
    return out


def test_transforms_round_trip_and_correlation_runs_backwards():
    for transform, values in ((RATE, [1e-4, 0.05, 0.9]), (LOGIT, [0.01, 0.5, 0.99]),
                              (CORRELATION, [0.1, 3.0, 400.0])):
        assert np.allclose(transform.inverse(transform.forward(np.array(values))), values)
    concentration = PURCHASE_PARAMETERS[3]
    low, high = concentration.free_bounds
    assert low < high
    assert concentration.natural_interval(0.2, 0.5) == pytest.approx((1.0, 4.0))


def test_quadratic_emulator_recovers_a_quadratic_and_its_slopes():
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (60, 3))
    truth = lambda x: np.stack([1 + 2 * x[..., 0] - x[..., 1] * x[..., 2],  # noqa: E731
                                x[..., 2] ** 2 + 0.5 * x[..., 0]], axis=-1)
    em = fit_emulator(z, truth(z), center=np.zeros(3), scale=np.full(3, 0.5))
    assert quadratic_terms(z).shape == (60, n_terms(3))
    point = np.array([0.3, -0.2, 0.4])
    assert np.allclose(em.predict(point), truth(point))
    h = 1e-6
    numeric = np.column_stack([(truth(point + h * e) - truth(point - h * e)) / (2 * h)
                               for e in np.eye(3)])
    assert np.allclose(em.jacobian(point), numeric, atol=1e-6)
    assert np.allclose(em.residual_covariance, 0, atol=1e-20)
    with pytest.raises(ValueError, match="needs more than 10 design points"):
        fit_emulator(z[:10], truth(z[:10]), np.zeros(3), np.ones(3))


def test_posterior_of_a_linear_gaussian_problem_matches_the_analytic_one():
    # s ~ N(A z, Omega) with a flat prior: the posterior is N(z_hat, (A' Omega^-1 A)^-1).
    rng = np.random.default_rng(1)
    a = rng.normal(size=(6, 2))
    omega = np.diag(rng.uniform(0.5, 2.0, 6)) * 0.01
    z_true = np.array([0.4, -0.3])
    s = a @ z_true + rng.multivariate_normal(np.zeros(6), omega)
    design = rng.uniform(-2, 2, (40, 2))
    em = fit_emulator(design, design @ a.T, np.zeros(2), np.ones(2))
    distance = Distance(em, s, precision_root(omega))
    box = np.array([[-3.0, 3.0], [-3.0, 3.0]])
    estimate, _ = distance.minimise(box, [np.zeros(2)])
    precision = a.T @ np.linalg.inv(omega) @ a
    z_hat = np.linalg.solve(precision, a.T @ np.linalg.inv(omega) @ s)
    assert np.allclose(estimate, z_hat, atol=1e-3 * np.abs(z_hat).max() + 1e-4)
    post = sample_posterior(distance, estimate, distance.covariance(estimate), box, box,
                            np.random.default_rng(2))
    sd = np.sqrt(np.diag(np.linalg.inv(precision)))
    assert np.allclose(post.draws.mean(axis=0), z_hat, atol=0.1 * sd.max())
    assert np.allclose(post.draws.std(axis=0), sd, rtol=0.1)
    assert post.effective_size > 5000
    assert np.all(post.edge_mass < 0.01)


def test_the_stand_in_draws_heterogeneity_with_the_stated_means():
    rng = np.random.default_rng(3)
    chance = occasion_chances(0.1, 0.5, 200_000, rng)
    mean_rate = -np.log(0.9)
    # E[1 - exp(-lambda)] for lambda ~ Gamma(shape, mean): 1 - (1 + mean/shape)^-shape
    assert chance.mean() == pytest.approx(1 - (1 + mean_rate / 0.5) ** -0.5, rel=0.01)
    assert np.all(occasion_chances(0.1, 0.0, 5, rng) == 0.1)
    leave = dropout_chances(0.3, 5.0, 200_000, rng)
    assert leave.mean() == pytest.approx(0.3, rel=0.01)
    assert leave.var() == pytest.approx(0.3 * 0.7 / 6.0, rel=0.03)
    assert np.all(dropout_chances(0.3, 0.0, 5, rng) == 0.3)


def test_stand_in_without_heterogeneity_or_dropout_is_a_binomial_count():
    sim = ProcessSimulator()
    cohort = sim.simulate({"customers.purchase_probability": 0.2}, arrivals(4000, 30, 1), 30,
                          np.random.SeedSequence(4))
    x = rfm(cohort, 30)["frequency"].to_numpy()
    assert x.mean() == pytest.approx(0.2 * 29, rel=0.02)
    assert x.var() == pytest.approx(29 * 0.2 * 0.8, rel=0.08)
    again = sim.simulate({"customers.purchase_probability": 0.2}, arrivals(4000, 30, 1), 30,
                         np.random.SeedSequence(4))
    assert np.array_equal(again.step, cohort.step)  # same seed, same cohort


def test_bgnbd_fit_recovers_the_parameters_of_its_own_process():
    rng = np.random.default_rng(5)
    r, alpha, a, b, n, horizon = 0.5, 8.0, 0.8, 3.0, 6000, 40.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    fit = bgnbd.fit(x, t_x, np.full(n, horizon))
    for got, want, se in zip((fit.r, fit.alpha, fit.a, fit.b), (r, alpha, a, b),
                             fit.standard_errors, strict=True):
        assert abs(got - want) < 3 * se
    scores = bgnbd.scores((fit.r, fit.alpha, fit.a, fit.b), x, t_x, np.full(n, horizon))
    assert np.allclose(scores.mean(axis=0), 0, atol=1e-4)  # the MLE's mean score is zero
    start = bgnbd.market_start(fit)
    assert start["customers.dropout_probability"] == pytest.approx(fit.a / (fit.a + fit.b))


def _log_and_set(seed: int, customers: int = 1500, steps: int = 30):
    sim = ProcessSimulator()
    values = {**TRUTH, "customers.spend_median": 20.0, "customers.spend_sigma": 0.5}
    cohort = sim.simulate(values, arrivals(customers, steps, 10), steps,
                          np.random.SeedSequence(seed))
    summary = rfm(cohort, steps)
    aux = bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])
    return sim, cohort, StatisticSet(steps, auxiliary=(aux.r, aux.alpha, aux.a, aux.b)), aux


def test_stand_in_calibration_recovers_known_parameters():
    """A log simulated from known parameters is calibrated back: each true value inside its
    95 % interval, each estimate within 3 posterior s.d. (free coordinates) of the truth
    and the purchase chance within 3 of its spread over logs."""
    sim, cohort, stats, aux = _log_and_set(seed=11)
    fit = Calibration(sim, PURCHASE_PARAMETERS, bgnbd.market_start(aux), {}, cohort, stats,
                      FitSettings(seed=3)).run()
    intervals = fit.interval()
    for key, value in TRUTH.items():
        low, high = intervals[key]
        assert low <= value <= high, (key, value, (low, high))
    errors = (fit.estimate_free - to_free(PURCHASE_PARAMETERS, TRUTH)) / fit.posterior.draws.std(0)
    assert np.all(np.abs(errors) < 3)
    # over logs at this set the estimate spreads 8 % around a +5 % bias (docs/calibration.md)
    assert fit.estimate["customers.purchase_probability"] == pytest.approx(0.08, rel=0.25)
    assert fit.posterior.effective_size > 500


def test_spend_is_fitted_with_the_purchases_held_fixed():
    sim, cohort, _, _ = _log_and_set(seed=12)
    seeds = [np.random.SeedSequence(9, spawn_key=(i,)) for i in range(2)]
    rest, draw = decompose(sim, TRUTH, cohort.arrivals(30), 30, seeds)
    assert np.allclose(rest, 0.0)  # price 1 and no trust in the stand-in: all in the basket
    assert abs(draw.mean()) < 0.15 and draw.std() == pytest.approx(1.0, abs=0.15)  # z_i
    spend = fit_spend(sim, TRUTH, cohort, 30, 1, 200, seeds, np.random.default_rng(0))
    assert spend.median == pytest.approx(20.0, rel=0.05)
    assert spend.sigma == pytest.approx(0.5, abs=0.05)
    low, high = spend.interval()["customers.spend_sigma"]
    assert low <= 0.5 <= high


def test_spend_intervals_carry_the_simulations_noise_as_well_as_the_logs():
    """The fit compares the log with simulated transactions, a sample too; every fit with
    one seed shares their noise. With one simulated cohort the size of the log (the two
    noises alike), the 95 % interval of the log median must be as wide as both together:
    its implied s.d. within 20 % of sqrt(bootstrap variance + variance over 30 fit seeds)."""
    # the pipeline simulates 16 log-sized cohorts' worth, in at least four cohorts
    assert [simulated_cohorts(scale) for scale in (1, 3, 4, 100)] == [16, 6, 4, 4]
    sim, cohort, _, _ = _log_and_set(seed=12, customers=600)
    fits = [fit_spend(sim, TRUTH, cohort, 30, 1, 200, [np.random.SeedSequence([8, k])],
                      np.random.default_rng(0)) for k in range(30)]
    over_seeds = np.var([np.log(f.median) for f in fits], ddof=1)
    one = fits[0]
    log_draws = np.log(one.draws[:, 0])
    implied = np.diff(np.log(one.interval()["customers.spend_median"]))[0] / (2 * 1.96)
    bootstrap = np.var(np.log(fit_spend(sim, TRUTH, cohort, 30, 1, 200,
                                        [np.random.SeedSequence([8, k]) for k in range(40)],
                                        np.random.default_rng(0)).draws[:, 0]), ddof=1)
    assert log_draws.size == 200
    assert implied == pytest.approx(np.sqrt(bootstrap + over_seeds), rel=0.2)


def test_the_repeat_counts_fit_counts_only_parameters_fitted_to_them():
    observed = np.array([500.0, 200, 100, 60, 40, 30, 20, 50])
    expected = observed * 1.05 - np.array([0.0, 0, 0, 0, 0, 0, 0, 50]) * 0.35
    alone = repeat_count_fit(observed, expected, 4)
    jointly = repeat_count_fit(observed, expected, 0)
    assert alone.chi_square == jointly.chi_square
    assert (alone.dof, jointly.dof) == (3, 7)
    assert jointly.p_value > alone.p_value


def test_a_fit_to_the_scores_alone_samples_its_posterior():
    """Four BG/NBD scores for four parameters (``--fit-statistics "BG/NBD scores"``): the
    distance's curvature can be near singular, and the first proposal then fell wholly
    outside the box and the sampler failed (seen on a 1,200-customer log). The posterior
    is sampled from the box itself instead: finite intervals around the estimates."""
    sim = ProcessSimulator(dropout_after_first=False)
    truth = {"customers.purchase_probability": 0.05, "customers.occasion_rate_shape": 0.5,
             "customers.dropout_probability": 0.3, "customers.dropout_concentration": 2.0}
    first = np.concatenate([np.full(8, 150), np.zeros(18, int)])
    cohort = sim.simulate(truth, first, 26, np.random.SeedSequence([3, 3]))
    summary = rfm(cohort, 26)
    aux = bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])
    stats = StatisticSet(26, auxiliary=(aux.r, aux.alpha, aux.a, aux.b),
                         fitted=("BG/NBD scores",))
    fit = Calibration(sim, PURCHASE_PARAMETERS, bgnbd.market_start(aux), {}, cohort, stats,
                      FitSettings(seed=3)).run()
    assert fit.posterior.effective_size > 50
    for key, (low, high) in fit.interval().items():
        assert np.isfinite([low, high]).all() and low <= fit.estimate[key] <= high, key
    assert fit.estimate["customers.purchase_probability"] == pytest.approx(0.05, rel=0.25)


class CountingSimulator(ProcessSimulator):
    """The stand-in, failing after a number of simulations (an interrupted run)."""

    def __init__(self, fail_after: int | None):
        super().__init__()
        object.__setattr__(self, "left", fail_after)

    def simulate(self, values, arrivals, steps, seed):
        if self.left is not None:
            if self.left == 0:
                raise KeyboardInterrupt
            object.__setattr__(self, "left", self.left - 1)
        return super().simulate(values, arrivals, steps, seed)


def test_an_interrupted_calibration_resumes_to_the_same_result(tmp_path):
    _, cohort, stats, aux = _log_and_set(seed=13, customers=600, steps=20)
    settings = FitSettings(seed=5, design_points=32, max_rounds=3, bootstrap=100)
    fingerprint = {"what": "test"}
    start = bgnbd.market_start(aux)

    def calibration(simulator, directory, resume):
        store = CalibrationStore(directory, fingerprint, resume=resume)
        return Calibration(simulator, PURCHASE_PARAMETERS, start, {}, cohort, stats, settings,
                           store)

    whole = calibration(ProcessSimulator(), tmp_path / "whole", False).run()
    with pytest.raises(KeyboardInterrupt):
        calibration(CountingSimulator(fail_after=50), tmp_path / "cut", False).run()
    with pytest.raises(StoreError, match="pass --resume"):
        calibration(ProcessSimulator(), tmp_path / "cut", False)
    resumed = calibration(ProcessSimulator(), tmp_path / "cut", True).run()
    assert np.array_equal(resumed.estimate_free, whole.estimate_free)
    assert resumed.simulations == whole.simulations - 50  # the 50 stored are not redone
    with pytest.raises(StoreError, match="different: what"):
        CalibrationStore(tmp_path / "cut", {"what": "else"}, resume=True)


def test_calibration_progress_is_reported_per_round():
    _, cohort, stats, aux = _log_and_set(seed=14, customers=600, steps=20)
    seen: list[tuple[int, int, str]] = []
    Calibration(ProcessSimulator(), PURCHASE_PARAMETERS, bgnbd.market_start(aux), {}, cohort,
                stats, FitSettings(seed=1, design_points=32, max_rounds=1, bootstrap=100)
                ).run(lambda done, total, label: seen.append((done, total, label)))
    assert seen[0] == (0, 32, "round 1") and seen[-1] == (32, 32, "round 1")
    assert pd.Series([d for d, _, _ in seen]).is_monotonic_increasing


def test_the_forecast_reports_progress_per_simulation():
    from sim.calibration.forecast import forecast
    from sim.calibration.timeline import make_timeline

    _, cohort, stats, _ = _log_and_set(seed=15, customers=300, steps=20)
    timeline = make_timeline(pd.Timestamp("2020-01-06"), pd.Timestamp("2020-05-24"),
                             pd.Timestamp("2020-07-05"), 52)
    assert (timeline.calibration_steps, timeline.holdout_steps) == (20, 6)
    seen: list[tuple[int, int, str]] = []
    values = {**TRUTH, "customers.spend_median": 20.0, "customers.spend_sigma": 0.5}
    result = forecast(ProcessSimulator(), values, [values] * 5, cohort, timeline, stats,
                      replications=3, band_draws=2, settings=FitSettings(scale=1, seed=2),
                      progress=lambda done, total, label: seen.append((done, total, label)))
    assert seen == [(k, 8, "forecast") for k in range(1, 9)]  # 3 + 3 + 2 simulations
    assert result.weekly.size == 26


@pytest.mark.parametrize(("settings", "message"), [
    (FitSettings(design_points=8), "design_points 8: a quadratic surface in 4 parameters "
                                   "has 15 coefficients"),
    (FitSettings(max_rounds=0), "max_rounds 0: must be at least 1"),
    (FitSettings(scale=0), "scale 0: must be at least 1"),
    (FitSettings(bootstrap=1), "bootstrap 1: must be at least 2"),
    (FitSettings(confidence=1.0), "confidence 1.0: must be between 0 and 1"),
])
def test_a_calibration_refuses_impossible_settings_before_simulating(settings, message):
    _, cohort, stats, aux = _log_and_set(seed=16, customers=300, steps=20)
    with pytest.raises(ValueError, match=message):
        Calibration(CountingSimulator(fail_after=0), PURCHASE_PARAMETERS,
                    bgnbd.market_start(aux), {}, cohort, stats, settings)


def test_the_exact_stratified_covariance_is_the_bootstrap_s():
    rng = np.random.default_rng(21)
    features = rng.gamma(0.5, size=(400, 3))
    features[:, 1] += 2 * features[:, 0]  # correlated columns
    strata = rng.integers(0, 5, 400)
    features[strata == 0] += 3.0  # strata that differ: the within-stratum resampling shows
    replicates = bootstrap_weights(strata, 20_000, rng) @ features / 400
    bootstrap = np.cov(replicates, rowvar=False)
    exact = stratified_covariance(features, strata)
    # 20,000 replicates: the bootstrap's own relative error is about sqrt(2 / 20,000) = 1 %
    assert np.allclose(exact, bootstrap, rtol=0.05, atol=0.05 * np.abs(bootstrap).max())
    assert exact[0, 0] < np.cov(features, rowvar=False)[0, 0] / 400  # strata remove variance


def test_each_purpose_draws_its_own_streams():
    first = {purpose: [stream(7, purpose, 1, r).generate_state(1)[0] for r in range(3)]
             for purpose in (DESIGN, SPEND, FORECAST)}
    values = [v for vs in first.values() for v in vs] + [
        stream(7, MODEL_COVARIANCE).generate_state(1)[0]]
    assert len(set(values)) == len(values)


def test_a_box_that_has_not_settled_is_reported():
    from sim.calibration.report import unsettled_warning

    _, cohort, stats, aux = _log_and_set(seed=17, customers=600, steps=20)
    def fit(rounds):
        return Calibration(ProcessSimulator(), PURCHASE_PARAMETERS, bgnbd.market_start(aux), {},
                           cohort, stats, FitSettings(seed=1, max_rounds=rounds)).run()
    cut_short, whole = fit(1), fit(6)
    assert len(cut_short.rounds) == 1 and cut_short.unsettled  # the first box is too wide
    assert set(cut_short.unsettled) <= {p.key for p in PURCHASE_PARAMETERS}
    assert len(whole.rounds) < 6 and whole.unsettled == ()
    assert "occasion_rate_shape" in unsettled_warning(("customers.occasion_rate_shape",), 1)


@pytest.mark.parametrize("scale", [1, 3])
def test_the_model_covariance_at_the_truth_is_the_log_bootstrap_s(scale):
    """Simulated at the log's own parameters and rescaled to the log's size, the model's
    covariance of the statistics matches the log's bootstrap covariance (scale included)."""
    sim, cohort, stats, aux = _log_and_set(seed=18, customers=3000)
    cal = Calibration(sim, PURCHASE_PARAMETERS, bgnbd.market_start(aux), {}, cohort, stats,
                      FitSettings(seed=4, scale=scale, bootstrap=1000))
    model = cal.model_covariance(to_free(PURCHASE_PARAMETERS, TRUTH))
    log = cal.targets.covariance
    ratio = np.sqrt(np.diag(model) / np.diag(log))
    # 1,000 replicates and one log: each s.d. is known to a few per cent
    assert np.all((ratio > 0.8) & (ratio < 1.25)), ratio
    corr = lambda c: c / np.sqrt(np.outer(np.diag(c), np.diag(c)))  # noqa: E731
    assert np.abs(corr(model) - corr(log)).max() < 0.15


def test_model_weighting_changes_only_the_final_fit():
    _, cohort, stats, aux = _log_and_set(seed=19, customers=800, steps=20)
    def fit(model_weighting):
        return Calibration(ProcessSimulator(), PURCHASE_PARAMETERS, bgnbd.market_start(aux), {},
                           cohort, stats, FitSettings(seed=2, model_weighting=model_weighting)
                           ).run()
    log, model = fit(False), fit(True)
    assert [r.estimate.tolist() for r in log.rounds] == [r.estimate.tolist() for r in model.rounds]
    assert not np.allclose(log.estimate_free, model.estimate_free)
    spread = log.posterior.draws.std(axis=0).max()
    assert np.allclose(log.estimate_free, model.estimate_free, atol=0.5 * spread)


def test_bgnbd_fit_of_a_log_that_barely_identifies_it_stays_quiet_and_finite():
    """A short log of rare buyers drives BG/NBD's likelihood towards degenerate parameters;
    the fit stays within its bounds without overflow warnings."""
    values = {"customers.purchase_probability": 0.03, "customers.occasion_rate_shape": 1.5,
              "customers.dropout_probability": 0.4, "customers.dropout_concentration": 3.0}
    arrivals_by_step = np.concatenate([np.full(8, 150), np.zeros(18, int)])
    cohort = ProcessSimulator(dropout_after_first=False).simulate(
        values, arrivals_by_step, 26, np.random.SeedSequence([5, 5]))
    summary = rfm(cohort, 26)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = bgnbd.fit(summary["frequency"], summary["recency"], summary["age"])
    params = np.array([model.r, model.alpha, model.a, model.b])
    assert np.all(np.isfinite(params)) and np.all(np.abs(np.log(params)) <= bgnbd.LOG_BOUND)
    assert np.isfinite(model.log_likelihood)
