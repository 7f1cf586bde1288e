"""The counter-based stream of the customers' draws (sim/engine/streams.py): a number
depends only on its position, the Python (JIT off) and compiled functions give the same
numbers, and each transform has its distribution (fixed keys, stated tolerances)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from sim.engine import streams
from sim.model import MarketModel

KEY = np.uint64(0x2545F4914F6CDD1D)
ROOT = Path(__file__).resolve().parent.parent
DRAWS = {"uniform": streams.uniform_at, "uniform53": streams.uniform53_at,
         "normal": streams.normal_at}


@numba.njit
def _draw(kind, key, first, n):
    out = np.empty(n)
    for k in range(n):
        position = first + np.uint64(k)
        if kind == 0:
            out[k] = streams.uniform_at(key, position)
        elif kind == 1:
            out[k] = streams.uniform53_at(key, position)
        else:
            out[k] = streams.normal_at(key, position)
    return out


def gumbels(n: int, key: np.uint64 = KEY, where: np.ndarray | None = None) -> np.ndarray:
    out = np.zeros(n)
    streams.gumbels_where(key, np.uint64(0), np.arange(n) if where is None else where, out)
    return out


@numba.njit
def _counts(key, n, trials, p, low, high):
    binomial = np.empty(n, np.int64)
    integer = np.empty(n, np.int64)
    for k in range(n):
        binomial[k] = streams.binomial_at(key, np.uint64(k), trials, p)
        integer[k] = streams.integer_at(key, np.uint64(n + k), low, high)
    return binomial, integer


def draw(kind: str, n: int, key: np.uint64 = KEY, first: int = 0) -> np.ndarray:
    return _draw(list(DRAWS).index(kind), key, np.uint64(first), n)


def test_a_number_depends_only_on_its_position():
    whole = draw("uniform", 300)
    parts = [draw("uniform", n, first=start) for start, n in ((0, 1), (1, 99), (100, 200))]
    assert np.array_equal(whole, np.concatenate(parts))
    other = draw("uniform", 300, key=KEY + np.uint64(1))
    assert np.mean(whole == other) < 0.01


def test_position_and_advance_walk_the_stream():
    state = np.array([KEY, 5], dtype=np.uint64)
    key, used = streams.position(state)
    assert key == KEY and used == 5
    streams.advance(state, 7)
    assert int(state[1]) == 12


PYTHON_DRAWS = """
import sys, numpy as np
from sim.engine import streams
key, n = np.uint64(int(sys.argv[1])), int(sys.argv[2])
with np.errstate(over="ignore"):  # the stream's arithmetic is modulo 2**64 by design
    rows = [[f(key, np.uint64(k)) for k in range(n)] for f in (
        streams.uniform_at, streams.uniform53_at, streams.normal_at)]
    gumbel = np.zeros(n)
    streams.gumbels_where(key, np.uint64(0), np.arange(n), gumbel)
    rows.append(list(gumbel))
    rows.append([streams.binomial_at(key, np.uint64(k), 40, 0.3) for k in range(n)])
np.save(sys.argv[3], np.array(rows, dtype=float))
"""


def test_python_and_compiled_draws_give_the_same_numbers(tmp_path):
    """With the JIT off the same functions run as Python on numpy scalars; the numbers
    must be the same bits (20,000 normals take the ziggurat's rare path ~200 times)."""
    n = 20_000
    out = tmp_path / "draws.npy"
    done = subprocess.run([sys.executable, "-c", PYTHON_DRAWS, str(int(KEY)), str(n), str(out)],
                          env={**os.environ, "NUMBA_DISABLE_JIT": "1"}, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    python = np.load(out)
    for row, kind in enumerate(DRAWS):
        assert np.array_equal(draw(kind, n), python[row]), kind
    assert np.array_equal(gumbels(n), python[3])
    assert np.array_equal(_counts(KEY, n, 40, 0.3, 0, 1)[0], python[4])


def test_uniforms_are_uniform_and_on_their_grids():
    u = draw("uniform", 1_000_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert np.array_equal(u, u.astype(np.float32))  # 24 bits: exactly a float32 value
    assert stats.kstest(u, "uniform").pvalue > 0.01
    v = draw("uniform53", 1_000_000)
    assert stats.kstest(v, "uniform").pvalue > 0.01
    # Consecutive draws are uncorrelated (|r| < 4 standard errors at n = 10^6).
    assert abs(np.corrcoef(v[:-1], v[1:])[0, 1]) < 4 / np.sqrt(v.size)


def test_normals_are_standard_normal_in_the_body_and_the_tails():
    n = 4_000_000
    z = draw("normal", n)
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.std() - 1.0) < 4 * np.sqrt(0.5 / n)
    assert stats.kstest(z[:1_000_000], "norm").pvalue > 0.01
    for cut in (2.0, 3.0, 3.5, 4.0):  # 3.44 is where the ziggurat's tail begins
        expected = 2 * stats.norm.sf(cut)
        seen = np.mean(np.abs(z) > cut)
        assert abs(seen - expected) < 4 * np.sqrt(expected / n), cut


def test_gumbel_draws_made_where_needed_are_the_streams_numbers_there():
    """The choice makes Gumbel noise only for the firms a shopper knows: those entries are
    the numbers of the full draw, in blocks or not (gaps of every length)."""
    needed = np.flatnonzero(np.random.default_rng(5).random(3_000) < 0.6)
    assert np.array_equal(gumbels(3_000, where=needed)[needed], gumbels(3_000)[needed])


def test_the_streams_logarithm_is_accurate_over_the_range_the_gumbel_draws_use():
    # Inner logarithm: uniforms from 2**-25 up; outer: -log(u) from ~6e-8 to ~17.3.
    x = np.concatenate([2.0 ** -np.linspace(0, 25, 100_001), np.linspace(5e-8, 20, 100_001)])
    ours = x.copy()
    streams._log_in_place.py_func(ours, np.empty_like(x))  # the same arithmetic, as Python
    assert np.max(np.abs(ours - np.log(x)) / np.abs(np.log(x)).clip(1e-300)) < 1e-13


def test_gumbel_draws_are_standard_gumbel():
    n = 2_000_000
    g = gumbels(n)
    assert np.isfinite(g).all()
    assert abs(g.mean() - np.euler_gamma) < 4 * np.sqrt(np.pi**2 / 6 / n)
    assert g.var() == pytest.approx(np.pi**2 / 6, rel=0.01)
    assert stats.kstest(g[:1_000_000], "gumbel_r").pvalue > 0.01
    # The far right tail (u near 1): P(g > 12) = 1 - exp(-exp(-12)) ~ 6.1e-6.
    assert abs(np.mean(g > 12) - 6.144e-6) < 4 * np.sqrt(6.144e-6 / n)


@pytest.mark.parametrize(("trials", "p"), [(9_999, 5 / 9_999), (40, 0.3), (12, 1.0)])
def test_binomial_counts_have_the_binomial_mean_and_variance(trials, p):
    k, _ = _counts(KEY, 200_000, trials, p, 0, 1)
    assert k.min() >= 0 and k.max() <= trials
    mean, var = trials * p, trials * p * (1 - p)
    assert abs(k.mean() - mean) < 4 * np.sqrt(max(var, 1e-12) / k.size) + 1e-12
    if var > 0:
        assert abs(k.var() / var - 1) < 0.02


def test_integers_cover_the_range_evenly():
    _, k = _counts(KEY, 100_000, 1, 0.5, 3, 13)
    counts = np.bincount(k - 3, minlength=10)
    assert k.min() == 3 and k.max() == 12
    assert stats.chisquare(counts).pvalue > 0.01


def test_the_model_keys_its_stream_from_the_seed(small):
    a, b, c = (MarketModel(small, seed=s) for s in (5, 5, 6))
    keys = [m._arrays.stream[0] for m in (a, b, c)]
    assert keys[0] == keys[1] != keys[2]
    for m in (a, b):
        m.step()
    assert a._arrays.stream[1] == b._arrays.stream[1] > 0
