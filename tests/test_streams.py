"""The counter-based stream of the customers' draws (sim/streams.py).

The two engines stay on one trajectory only if the numpy side and the compiled loops
give the same numbers for the same positions, so that is checked draw type by draw
type; the distributions are checked at fixed keys with stated tolerances.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
from scipy import stats

from sim.engine import streams
from sim.engine.streams import CounterStream
from sim.model import MarketModel

KEY = 0x2545F4914F6CDD1D


def pair(key: int = KEY) -> tuple[CounterStream, np.ndarray]:
    """A numpy-side stream and the state of an identical one for the compiled loops."""
    return CounterStream(key), CounterStream(key).state


def test_numpy_and_compiled_draws_give_the_same_numbers():
    a, b = pair()
    assert np.array_equal(a.random(1001, dtype=np.float32), streams.uniforms32(b, 1001))
    assert np.array_equal(a.random((3, 7)), streams.uniforms64(b, 21).reshape(3, 7))
    # 200,000 normals take the ziggurat's wedge path ~2,000 times and its tail ~50 times.
    assert np.array_equal(a.standard_normal(200_000, dtype=np.float32),
                          streams.normals32(b, 200_000))
    assert np.array_equal(a.binomial(9_999, 5 / 9_999, size=5_000),
                          streams.binomials(b, 9_999, 5 / 9_999, 5_000))
    assert np.array_equal(a.integers(0, 37, size=5_000), streams.integers(b, 0, 37, 5_000))
    assert np.array_equal(a.standard_gumbel((100_000, 3)),
                          streams.gumbels32(b, 300_000).reshape(100_000, 3))
    assert a.used == int(b[1]) == 1001 + 21 + 200_000 + 5_000 + 5_000 + 300_000


def test_numbers_drawn_one_by_one_in_a_compiled_loop_are_the_streams_numbers():
    import numba

    @numba.njit
    def one_by_one(state, n):
        u = np.empty(n, np.float32)
        z = np.empty(n, np.float32)
        key, first = streams.position(state)
        for k in range(n):
            u[k] = streams.uniform32_at(key, first + np.uint64(k))
        streams.advance(state, n)
        key, first = streams.position(state)
        for k in range(n):  # ~500 through the ziggurat's rare path
            z[k] = streams.normal32_at(key, first + np.uint64(k))
        streams.advance(state, n)
        return u, z

    a, b = pair()
    u, z = one_by_one(b, 50_000)
    assert np.array_equal(u, a.random(50_000, dtype=np.float32))
    assert np.array_equal(z, a.standard_normal(50_000, dtype=np.float32))
    assert a.used == int(b[1]) == 100_000


def test_gumbels_drawn_where_needed_are_the_streams_numbers_there():
    """The choice computes Gumbel noise only for the firms a shopper knows: those entries
    must be the numbers of the full draw, and the stream must move on by all of it."""
    a, b = pair()
    rng = np.random.default_rng(5)
    # More than one block of the compiled loop, with gaps of every length.
    needed = np.flatnonzero(rng.random(3_000) < 0.6)
    partial = streams.gumbels32_where(b, 3_000, needed)
    full = a.standard_gumbel(3_000)
    assert np.array_equal(partial[needed], full[needed])
    assert not partial[np.setdiff1d(np.arange(3_000), needed)].any()
    assert a.used == int(b[1]) == 3_000
    assert np.array_equal(a.random(10, dtype=np.float32), streams.uniforms32(b, 10))


def streams_without_numba(monkeypatch):
    """A separate copy of sim.engine.streams imported as if numba were not installed."""
    monkeypatch.setitem(sys.modules, "numba", None)
    spec = importlib.util.spec_from_file_location("streams_plain", streams.__file__)
    plain = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plain)
    assert plain.numba is None
    return plain


def test_without_numba_the_stream_gives_the_same_numbers(monkeypatch):
    plain = streams_without_numba(monkeypatch)
    a, b = CounterStream(KEY), plain.CounterStream(KEY)
    # 20,000 normals: ~200 through the ziggurat's rare path, here as plain Python.
    assert np.array_equal(a.standard_normal(20_000, dtype=np.float32),
                          b.standard_normal(20_000, dtype=np.float32))
    assert np.array_equal(a.random(500, dtype=np.float32), b.random(500, dtype=np.float32))
    assert np.array_equal(a.binomial(50, 0.1, size=500), b.binomial(50, 0.1, size=500))
    assert np.array_equal(a.standard_gumbel(500), b.standard_gumbel(500))


def test_a_number_depends_only_on_its_position():
    whole = CounterStream(KEY).random(300, dtype=np.float32)
    pieces = CounterStream(KEY)
    parts = [pieces.random(n, dtype=np.float32) for n in (1, 99, 200)]
    assert np.array_equal(whole, np.concatenate(parts))
    other = CounterStream(KEY + 1).random(300, dtype=np.float32)
    assert np.mean(whole == other) < 0.01


def test_uniforms_are_uniform():
    u = streams.uniforms32(CounterStream(KEY).state, 1_000_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u.astype(float), "uniform").pvalue > 0.01
    v = CounterStream(KEY).random(1_000_000)
    assert stats.kstest(v, "uniform").pvalue > 0.01
    # Consecutive draws are uncorrelated (|r| < 4 standard errors at n = 10^6).
    assert abs(np.corrcoef(v[:-1], v[1:])[0, 1]) < 4 / np.sqrt(v.size)


def test_normals_are_standard_normal_in_the_body_and_the_tails():
    n = 4_000_000
    z = streams.normals32(CounterStream(KEY).state, n).astype(float)
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.std() - 1.0) < 4 * np.sqrt(0.5 / n)
    assert stats.kstest(z[:1_000_000], "norm").pvalue > 0.01
    for cut in (2.0, 3.0, 3.5, 4.0):  # 3.44 is where the ziggurat's tail begins
        expected = 2 * stats.norm.sf(cut)
        seen = np.mean(np.abs(z) > cut)
        assert abs(seen - expected) < 4 * np.sqrt(expected / n), cut


@pytest.mark.parametrize(("trials", "p"), [(9_999, 5 / 9_999), (40, 0.3), (12, 1.0)])
def test_binomial_counts_have_the_binomial_mean_and_variance(trials, p):
    k = CounterStream(KEY).binomial(trials, p, size=200_000)
    assert k.min() >= 0 and k.max() <= trials
    mean, var = trials * p, trials * p * (1 - p)
    assert abs(k.mean() - mean) < 4 * np.sqrt(max(var, 1e-12) / k.size) + 1e-12
    if var > 0:
        assert abs(k.var() / var - 1) < 0.02


def test_the_streams_logarithm_is_accurate_over_the_range_the_gumbel_draws_use():
    # Inner logarithm: uniforms from 2**-25 up; outer: -log(u) from ~6e-8 to ~17.3. Both
    # sides take the same steps, so the compiled loop must give the same bits.
    x = np.concatenate([2.0 ** -np.linspace(0, 25, 100_001), np.linspace(5e-8, 20, 100_001)])
    exact = np.log(x)
    ours = streams._log_np(x)
    scale = np.maximum(np.abs(exact), 1e-300)
    assert np.max(np.abs(ours - exact) / scale) < 1e-13
    compiled = x.copy()
    streams._log_in_place(compiled, np.empty_like(x))
    assert np.array_equal(compiled, ours)


def test_gumbel_draws_are_standard_gumbel():
    n = 2_000_000
    g = CounterStream(KEY).standard_gumbel(n).astype(float)
    assert g.dtype == float and np.isfinite(g).all()
    assert abs(g.mean() - np.euler_gamma) < 4 * np.sqrt(np.pi**2 / 6 / n)
    assert g.var() == pytest.approx(np.pi**2 / 6, rel=0.01)
    assert stats.kstest(g[:1_000_000], "gumbel_r").pvalue > 0.01
    # The far right tail (u near 1): P(g > 12) = 1 - exp(-exp(-12)) ~ 6.1e-6.
    assert abs(np.mean(g > 12) - 6.144e-6) < 4 * np.sqrt(6.144e-6 / n)


def test_integers_cover_the_range_evenly():
    k = CounterStream(KEY).integers(3, 13, size=100_000)
    counts = np.bincount(k - 3, minlength=10)
    assert k.min() == 3 and k.max() == 12
    assert stats.chisquare(counts).pvalue > 0.01


def test_the_model_keys_its_stream_from_the_seed(small):
    a, b, c = (MarketModel(small, seed=s) for s in (5, 5, 6))
    assert a.draws.key == b.draws.key != c.draws.key
    for m in (a, b):
        m.step()
    assert a.draws.used == b.draws.used > 0
