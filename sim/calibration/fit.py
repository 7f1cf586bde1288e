"""Simulation-based estimation: synthetic likelihood on a quadratic response surface.

The estimate minimises the distance between the log's statistics ``s`` and the
simulator's expected statistics ``m(z)``, weighted by the inverse of their covariance
(from a bootstrap of the log's customers) — the optimally weighted simulated minimum
distance, equivalently the maximum of a Gaussian synthetic likelihood
(:mod:`sim.calibration.posterior`). ``m(z)`` is not simulated point by point — the
market's stream of random numbers shifts with every purchase, so simulations at nearby
parameters do not share their noise and an optimiser on single simulations chases noise —
but read off a quadratic surface fitted to a scrambled Sobol design of simulations in a
box (:mod:`sim.calibration.emulator`). The box starts around the first guess, follows the
estimate and is resized to hold the posterior; a few rounds, each a batch of independent
simulations (parallel, stored as they finish, resumable). The intervals are posterior
quantiles (flat prior on the free coordinates, inside the box).

References: McFadden (1989) and Pakes & Pollard (1989), simulated moments; Wood (2010)
and Price et al. (2018), (Bayesian) synthetic likelihood; Box & Wilson (1951), response
surfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import qmc

from sim.calibration.cohort import Cohort
from sim.calibration.emulator import QuadraticEmulator, fit_emulator, n_terms
from sim.calibration.parallel import run_jobs
from sim.calibration.parameters import Parameter, free_bounds, to_free, to_values
from sim.calibration.posterior import Distance, Posterior, precision_root, sample_posterior
from sim.calibration.simulators import Simulator
from sim.calibration.statistics import StatisticSet, bootstrap_weights, stratified_covariance
from sim.calibration.store import CalibrationStore, RoundRecord
from sim.calibration.streams import DESIGN, MODEL_COVARIANCE, stream

#: An estimate this far out in its box (|u| in box half-widths) moves the box.
EDGE = 0.75
#: Posterior mass this close to a box edge (that is not a parameter's limit) widens the box.
EDGE_MASS = 0.02
#: Smallest half-width of a box, in free coordinates.
MIN_HALF_WIDTH = 0.02
#: Size, in log sizes, of the cohort the model's covariance of the statistics comes from.
MODEL_VOLUME = 16


@dataclass(frozen=True)
class FitSettings:
    """How much simulation a fit spends, and how it reports uncertainty.

    Attributes
    ----------
    design_points
        Simulations per round, rounded up to a power of two (0: eight per surface
        coefficient).
    max_rounds
        Rounds at most (the box usually settles in 3-4).
    scale
        Simulated cohort size as a multiple of the log's (less noise per simulation).
    bootstrap
        Bootstrap replicates of the log's statistics (their covariance).
    confidence
        Coverage of the intervals.
    initial_half_width
        Half-width of the first box, in free coordinates (1 = a factor e on a rate).
    seed
        Root seed of the design, the simulations and the bootstrap.
    workers
        Processes simulating at once.
    model_weighting
        Weight the final fit by the statistics' covariance the model implies at the
        rounds' estimate (True) instead of the log's bootstrap covariance (False): less
        small-sample bias where purchases are rare (docs/calibration.md, section 5).
    """

    design_points: int = 0
    max_rounds: int = 6
    scale: int = 1
    bootstrap: int = 400
    confidence: float = 0.95
    initial_half_width: float = 1.0
    seed: int = 20261125
    workers: int = 1
    model_weighting: bool = False

    def points(self, k: int) -> int:
        """Design points per round for ``k`` parameters: a power of two (Sobol points are
        balanced in those), at least ``design_points`` or eight per surface coefficient."""
        wanted = self.design_points or 8 * n_terms(k)
        return 1 << max(0, int(np.ceil(np.log2(wanted))))

    @property
    def model_cohorts(self) -> int:
        """Simulated cohorts (each ``scale`` log sizes) in the model covariance's cohort of
        at least :data:`MODEL_VOLUME` log sizes."""
        return -(-MODEL_VOLUME // self.scale)

    @property
    def largest_multiple(self) -> int:
        """The largest multiple of the log's cohort any simulation of the fit uses."""
        return self.scale * (self.model_cohorts if self.model_weighting else 1)

    def check(self, k: int) -> None:
        """Refuse settings no fit of ``k`` parameters can run, before anything is simulated.

        Raises
        ------
        ValueError
            Naming the setting, its value and what is allowed.
        """
        for name, least in (("max_rounds", 1), ("scale", 1), ("bootstrap", 2), ("workers", 1)):
            if getattr(self, name) < least:
                raise ValueError(f"{name} {getattr(self, name)}: must be at least {least}")
        if self.design_points < 0:
            raise ValueError(f"design_points {self.design_points}: must be 0 (the default) "
                             "or more")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence {self.confidence}: must be between 0 and 1")
        points, terms = self.points(k), n_terms(k)
        if points <= terms:
            raise ValueError(
                f"design_points {self.design_points}: a quadratic surface in {k} "
                f"parameters has {terms} coefficients and needs more design points per "
                f"round than that ({self.design_points} rounds up to {points}); give at "
                f"least {terms + 1}, or 0 for the default ({FitSettings().points(k)})")


@dataclass(frozen=True)
class Targets:
    """The log's statistics and their bootstrap replicates (customers resampled)."""

    names: list[str]
    observed: np.ndarray  #: (m,)
    replicates: np.ndarray  #: (B, m)
    fitted: np.ndarray  #: (m,) bool: the statistics the fit matches

    @property
    def variance(self) -> np.ndarray:
        """(m,) bootstrap variance of each statistic."""
        return self.replicates.var(axis=0, ddof=1)

    @property
    def used(self) -> np.ndarray:
        """The fitted statistics that vary across resamples (a constant one carries no
        information)."""
        return self.fitted & (self.variance > 1e-14)

    @property
    def covariance(self) -> np.ndarray:
        """Bootstrap covariance of the statistics in use."""
        return np.cov(self.replicates[:, self.used], rowvar=False)


def make_targets(cohort: Cohort, statistic_set: StatisticSet, replicates: int,
                 rng: np.random.Generator) -> Targets:
    """The statistics of the log's cohort and ``replicates`` bootstrap resamples of them."""
    features = statistic_set.features(cohort)
    weights = bootstrap_weights(cohort.first_step, replicates, rng)
    return Targets(statistic_set.names(), features.mean(axis=0),
                   weights @ features / cohort.n_customers, statistic_set.fitted_mask())


@dataclass
class RoundSummary:
    """What one round found."""

    index: int
    center: np.ndarray
    half_width: np.ndarray
    estimate: np.ndarray
    standard_error: np.ndarray
    distance: float
    edge_mass: np.ndarray


@dataclass
class FitResult:
    """Estimate, posterior draws and what they rest on (free coordinates)."""

    parameters: tuple[Parameter, ...]
    mode_free: np.ndarray  #: the posterior mode: the best-fitting point (free coordinates)
    posterior: Posterior
    confidence: float
    emulator: QuadraticEmulator
    targets: Targets
    distance: float  #: D at the estimate (about chi-square, statistics - parameters d.f.)
    rounds: list[RoundSummary] = field(default_factory=list)
    simulations: int = 0
    #: Parameters whose box had not settled when the rounds ran out (their intervals may
    #: be too narrow: the posterior can reach beyond the last box's surface).
    unsettled: tuple[str, ...] = ()
    #: The covariance the final fit is weighted by: the log's bootstrap or the model's.
    weighting: str = "log"

    @property
    def estimate_free(self) -> np.ndarray:
        """Point estimates in free coordinates: each parameter's posterior median (where a
        parameter is weakly identified its mode can sit at a bound, outside its interval)."""
        return np.median(self.posterior.draws, axis=0)

    @property
    def estimate(self) -> dict[str, float]:
        """Point estimates (posterior medians), by scenario key."""
        return to_values(self.parameters, self.estimate_free)

    @property
    def mode(self) -> dict[str, float]:
        """The posterior mode (the minimum distance), by scenario key."""
        return to_values(self.parameters, self.mode_free)

    def interval(self) -> dict[str, tuple[float, float]]:
        """Equal-tailed posterior intervals, by scenario key."""
        tail = (1 - self.confidence) / 2
        low, high = self.posterior.quantiles([tail, 1 - tail])
        return {p.key: p.natural_interval(lo, hi)
                for p, lo, hi in zip(self.parameters, low, high, strict=True)}

    def draws(self) -> list[dict[str, float]]:
        """Posterior draws as scenario values."""
        return [to_values(self.parameters, z) for z in self.posterior.draws]


class Calibration:
    """One calibration problem: fit ``parameters`` of ``simulator`` to ``targets``.

    Parameters
    ----------
    simulator
        Simulates a cohort (see :class:`~sim.calibration.simulators.Simulator`).
    parameters
        What to fit.
    start
        First guess, by scenario key (e.g. :func:`sim.calibration.bgnbd.market_start`).
    fixed
        Other scenario values every simulation gets.
    cohort
        The log's cohort (its arrivals are simulated; its statistics are the targets).
    statistic_set
        Which statistics.
    settings
        Simulation budget and reporting.
    store
        Where simulations are kept (resumable), or None to keep them in memory only.
    """

    def __init__(self, simulator: Simulator, parameters: Sequence[Parameter],
                 start: Mapping[str, float], fixed: Mapping[str, float], cohort: Cohort,
                 statistic_set: StatisticSet, settings: FitSettings,
                 store: CalibrationStore | None = None):
        settings.check(len(parameters))
        self.simulator = simulator
        self.parameters = tuple(parameters)
        self.fixed = dict(fixed)
        self.settings = settings
        self.statistic_set = statistic_set
        self.arrivals = cohort.arrivals(statistic_set.calibration_steps) * settings.scale
        self.targets = make_targets(cohort, statistic_set, settings.bootstrap,
                                    np.random.default_rng([settings.seed, 1]))
        self.store = store
        self.bounds = free_bounds(self.parameters)
        self.start = np.clip(to_free(self.parameters, start), self.bounds[:, 0],
                             self.bounds[:, 1])
        self.simulations = 0

    # ------------------------------------------------------------------ the rounds
    def run(self, progress: Callable[[int, int, str], None] | None = None) -> FitResult:
        """Design rounds until the box holds the posterior; ``progress(done, total,
        label)`` is called as simulations finish."""
        s = self.settings
        k = len(self.parameters)
        center = self.start
        half = np.minimum(np.full(k, s.initial_half_width),
                          (self.bounds[:, 1] - self.bounds[:, 0]) / 2)
        records: list[RoundRecord] = []
        rounds: list[RoundSummary] = []
        for index in range(s.max_rounds):
            records.append(self._round(index, center, half, progress))
            box = self._box(center, half)
            distance = self._distance(self._emulator(records, center, half))
            estimate, value = distance.minimise(box, [center, self._nearest(records[-1])])
            distance = self._distance(distance.emulator, estimate)  # + the surface's error
            estimate, value = distance.minimise(box, [estimate])
            posterior = sample_posterior(distance, estimate, distance.covariance(estimate),
                                         box, self.bounds, np.random.default_rng(
                                             [s.seed, 2, index]), proposals=5_000, keep=1_000)
            error = posterior.draws.std(axis=0)
            rounds.append(RoundSummary(index, center, half, estimate, error, value,
                                       posterior.edge_mass))
            spread = np.abs(posterior.quantiles([0.005, 0.995]) - estimate).max(axis=0)
            wanted = np.clip(1.3 * spread, MIN_HALF_WIDTH,
                             (self.bounds[:, 1] - self.bounds[:, 0]) / 2)
            inside = np.abs(estimate - center) < EDGE * half
            cut = posterior.edge_mass >= EDGE_MASS
            settled = inside & ~cut & (half <= 2.5 * wanted)
            if np.all(settled):
                break  # the box holds the estimate and the posterior, and is at their scale
            if index + 1 < s.max_rounds:
                center = estimate
                # Each coordinate's half-width follows its posterior; one the box cut off
                # (or whose estimate sat near the edge) grows instead.
                half = np.where(inside & ~cut, wanted, np.maximum(1.5 * half, wanted))
                half = np.minimum(half, (self.bounds[:, 1] - self.bounds[:, 0]) / 2)
        if s.model_weighting:
            # Weights from the log's own bootstrap correlate with its statistics (Altonji &
            # Segal 1996); the model's, at the rounds' estimate, do not.
            covariance = self.model_covariance(estimate)
            distance = self._distance(distance.emulator, estimate, covariance)
            estimate, value = distance.minimise(box, [estimate])
            distance = self._distance(distance.emulator, estimate, covariance)
        final = sample_posterior(distance, estimate, distance.covariance(estimate), box,
                                 self.bounds, np.random.default_rng([s.seed, 3]))
        return FitResult(self.parameters, estimate, final, s.confidence, distance.emulator,
                         self.targets, value, rounds, self.simulations,
                         tuple(p.key for p, ok in zip(self.parameters, settled, strict=True)
                               if not ok), "model" if s.model_weighting else "log")

    def _box(self, center: np.ndarray, half: np.ndarray) -> np.ndarray:
        return np.column_stack([np.maximum(center - half, self.bounds[:, 0]),
                                np.minimum(center + half, self.bounds[:, 1])])

    def _round(self, index: int, center: np.ndarray, half: np.ndarray,
               progress: Callable[[int, int, str], None] | None) -> RoundRecord:
        record = self.store.load(index) if self.store else None
        if record is not None and not (np.allclose(record.center, center)
                                       and np.allclose(record.half_width, half)):
            record = None  # a different path than the stored run took: simulate afresh
        if record is None:
            n, k = self.settings.points(len(self.parameters)), len(self.parameters)
            sobol = qmc.Sobol(k, scramble=True, seed=np.random.default_rng(
                [self.settings.seed, 0, index]))
            u = 2.0 * sobol.random(n) - 1.0
            box = self._box(center, half)
            design = box[:, 0] + (u + 1.0) / 2.0 * (box[:, 1] - box[:, 0])
            record = RoundRecord(center, half, design,
                                 np.full((n, len(self.targets.names)), np.nan),
                                 np.zeros(n, bool))
        todo = np.flatnonzero(~record.done)
        label = f"round {index + 1}"
        if progress:
            progress(int(record.done.sum()), record.done.size, label)
        every = max(1, record.done.size // 20)
        for count, (i, stats) in enumerate(self._simulate(record.design, todo, index), 1):
            record.statistics[i] = stats
            record.done[i] = True
            self.simulations += 1
            if self.store and (count % every == 0 or count == todo.size):
                self.store.save(index, record)
            if progress:
                progress(int(record.done.sum()), record.done.size, label)
        return record

    def _simulate(self, design: np.ndarray, todo: np.ndarray,
                  index: int) -> Iterator[tuple[int, np.ndarray]]:
        jobs = [(int(i), (self.simulator, self.arrivals, self.statistic_set,
                          {**self.fixed, **to_values(self.parameters, design[i])},
                          stream(self.settings.seed, DESIGN, index, int(i))))
                for i in todo]
        yield from run_jobs(simulate_statistics, jobs, self.settings.workers)

    # ------------------------------------------------------------------ the surface
    def _emulator(self, records: list[RoundRecord], center: np.ndarray,
                  half: np.ndarray) -> QuadraticEmulator:
        """The surface over this round's box, from every simulation that fell inside it
        (earlier, wider rounds included)."""
        z = np.vstack([r.design for r in records])
        stats = np.vstack([r.statistics for r in records])[:, self.targets.used]
        inside = np.all(np.abs(z - center) <= half * (1 + 1e-9), axis=1)
        return fit_emulator(z[inside], stats[inside], center, half)

    def _distance(self, emulator: QuadraticEmulator, at: np.ndarray | None = None,
                  covariance: np.ndarray | None = None) -> Distance:
        """The synthetic-likelihood distance on ``emulator``: the statistics' covariance
        (the log's bootstrap unless given), plus the surface's own error at ``at`` if given."""
        used = self.targets.used
        cov = self.targets.covariance if covariance is None else covariance
        if at is not None:
            cov = cov + emulator.prediction_covariance(at)
        return Distance(emulator, self.targets.observed[used], precision_root(cov))

    def model_covariance(self, at: np.ndarray) -> np.ndarray:
        """The statistics' covariance for a cohort of the log's size as the model implies it
        at ``at``: one cohort of :data:`MODEL_VOLUME` log sizes simulated there, its
        within-step bootstrap computed exactly. The log's, where the model's is degenerate."""
        times = self.settings.model_cohorts
        cohort = self.simulator.simulate(
            {**self.fixed, **to_values(self.parameters, at)}, self.arrivals * times,
            self.statistic_set.calibration_steps,
            stream(self.settings.seed, MODEL_COVARIANCE))
        features = self.statistic_set.features(cohort)[:, self.targets.used]
        covariance = stratified_covariance(features, cohort.first_step)
        if np.any(np.diag(covariance) <= 0):
            return self.targets.covariance
        return covariance * (times * self.settings.scale)

    def _nearest(self, record: RoundRecord) -> np.ndarray:
        """The design point whose simulated statistics are nearest the log's."""
        used = self.targets.used
        gap = record.statistics[:, used] - self.targets.observed[used]
        return record.design[np.argmin((gap ** 2 / self.targets.variance[used]).sum(axis=1))]


def simulate_statistics(simulator: Simulator, arrivals: np.ndarray,
                        statistic_set: StatisticSet, values: Mapping[str, float],
                        seed: np.random.SeedSequence) -> np.ndarray:
    """The statistics of one simulated cohort (a task a worker process runs)."""
    cohort = simulator.simulate(values, arrivals, statistic_set.calibration_steps, seed)
    return statistic_set.statistics(cohort)
