"""Counter-based random numbers for the engine's loops.

Draw number ``c`` of a stream with key ``k`` is a fixed function of ``(k, c)``: the 64-bit
word ``mix(k + c * GOLDEN)`` of SplitMix64 (Steele, Lea & Flood 2014, the seeding
generator of Java's ``SplittableRandom`` and of xoshiro; it passes BigCrush). A stream's
state is two numbers, its key and how many words it has used, so a loop can draw inline
as it goes (about 0.5 ns a uniform) and then advance the stream by what it took; a
number depends only on its position, never on which loop drew the ones before it.

Transforms (all returned in double precision):

* uniforms: the top 24 bits of a word (exactly a float32 value) or 53 bits, in [0, 1);
* normals: the ziggurat method with 128 layers (Marsaglia & Tsang 2000), layer and
  sign/magnitude taken from independent bits of one word (Doornik 2005); the rare
  rejections continue on a second stream keyed from the first, at slots ``64 c + j``;
* Gumbel: ``-log(-log(u))`` of a 24-bit uniform, in blocks with a logarithm written out
  as arithmetic the compiler vectorises (:func:`_log_reduced`; libm's is not vectorised:
  a fifth of the shopping phase; docs/performance.md);
* binomial: inversion from one uniform (the counts drawn here have small means);
* integers: ``low + floor(u * (high - low))`` from a 53-bit uniform.

A stream's key comes from ``model.rng`` (one draw when the model is built), so the
scenario's seed still determines everything.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.engine.jit import kernel, link

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
#: Key of the retry stream of normals: the stream's key xor this, mixed.
_RETRY_SALT = np.uint64(0xD1B54A32D192ED03)
_RETRY_SLOTS = np.uint64(64)
_KEY, _USED = 0, 1
#: Where the ziggurat's base strip ends and its tail begins (128 layers).
_TAIL = 3.442619855899


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Marsaglia & Tsang's 128-layer tables for |z| from a signed 32-bit integer."""
    m1 = 2.0**31
    dn = tn = _TAIL
    vn = 9.91256303526217e-3
    kn = np.zeros(128, np.int64)
    wn = np.zeros(128)
    fn = np.zeros(128)
    q = vn / math.exp(-0.5 * dn * dn)
    kn[0] = int(dn / q * m1)
    wn[0], wn[127] = q / m1, dn / m1
    fn[0], fn[127] = 1.0, math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = int(dn / tn * m1)
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


_KN, _WN, _FN = _ziggurat_tables()


# ---------------------------------------------- parts of a number (scalars or arrays)
def _mix(z):
    """SplitMix64's finaliser (a bijection of 64-bit words)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _word(key, position):
    return _mix(key + position * GOLDEN)


def _retry_key(key):
    return _mix(key ^ _RETRY_SALT)


def _signed(word):
    """The low 32 bits of a word as a signed integer (sign and magnitude of a normal)."""
    low = np.int64(word & np.uint64(0xFFFFFFFF))
    return low - ((low >> np.int64(31)) << np.int64(32))


def _layer(word):
    return np.int64((word >> np.uint64(32)) & np.uint64(127))


def _wedge_uniform(word):
    return np.float64(word >> np.uint64(39)) * 2.0**-25


def _uniform24(word):
    return np.float32(word >> np.uint64(40)) * np.float32(2.0**-24)


def _uniform53(word):
    return np.float64(word >> np.uint64(11)) * 2.0**-53


#: Smallest uniform the Gumbel transform takes (keeps -log(-log(u)) finite).
_GUMBEL_FLOOR = 2.0**-25
_GUMBEL_BLOCK = 512  # the block's scratch stays in the processor's first-level cache
_LN2 = math.log(2.0)
_SQRT_HALF = math.sqrt(0.5)
_MANTISSA = np.uint64((1 << 52) - 1)
_HALF_EXPONENT = np.uint64(1022 << 52)  # with a mantissa: a number in [0.5, 1)
_ATANH_SERIES = tuple(1.0 / k for k in range(3, 17, 2))


def _log_reduced(m, e):
    """``log(m * 2**e)`` for ``m`` in [sqrt(1/2), sqrt(2)): ``e log 2 + 2 atanh(s)`` with
    ``s = (m - 1) / (m + 1)`` (|s| < 0.172) by its series to ``s**15``; relative error
    below 1e-13 (tests/test_streams.py)."""
    c3, c5, c7, c9, c11, c13, c15 = _ATANH_SERIES
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    series = 1.0 + z * (c3 + z * (c5 + z * (c7 + z * (c9 + z * (c11 + z * (c13 + z * c15))))))
    return e * _LN2 + 2.0 * s * series


def _normal_slow(key, position, word):
    """The ziggurat's rare path for the normal at ``position`` whose first word failed
    the quick test: wedge or tail test on that word, then fresh words from the retry
    stream until one is accepted."""
    retry = _retry_key(key)
    slot = position * _RETRY_SLOTS
    j = np.uint64(0)
    while True:
        hz = _signed(word)
        iz = _layer(word)
        x = hz * _WN[iz]
        if iz == 0:  # the base strip's tail beyond _TAIL, by Marsaglia's exponential test
            while True:
                a = _uniform53(_word(retry, slot + j))
                b = _uniform53(_word(retry, slot + j + np.uint64(1)))
                j += np.uint64(2)
                xt = -math.log1p(-a) / _TAIL
                yt = -math.log1p(-b)
                if yt + yt >= xt * xt:
                    return _TAIL + xt if hz > 0 else -_TAIL - xt
        if _FN[iz] + _wedge_uniform(word) * (_FN[iz - 1] - _FN[iz]) < math.exp(-0.5 * x * x):
            return x
        word = _word(retry, slot + j)
        j += np.uint64(1)
        if abs(_signed(word)) < _KN[_layer(word)]:
            return _signed(word) * _WN[_layer(word)]


# ------------------------------------------------------------------ drawing in a loop
def position(state):
    """A stream's key and the number of words it has used: number ``k`` from here is at
    position ``used + k``. Loops draw as they go and then :func:`advance` the stream by
    what they took."""
    return state[_KEY], state[_USED]


def advance(state, n):
    """Mark ``n`` more words of the stream used."""
    state[_USED] += np.uint64(n)


def uniform_at(key, position):
    """The uniform at ``position``: 24 random bits, in [0, 1) (a float32 value, returned
    as a double)."""
    return np.float64(_uniform24(_word(key, np.uint64(position))))


def uniform53_at(key, position):
    """The 53-bit uniform at ``position``, in [0, 1)."""
    return _uniform53(_word(key, np.uint64(position)))


def normal_at(key, position):
    """The standard normal at ``position`` (ziggurat)."""
    position = np.uint64(position)
    word = _word(key, position)
    hz = _signed(word)
    iz = _layer(word)
    if abs(hz) < _KN[iz]:
        return hz * _WN[iz]
    return _normal_slow(key, position, word)


def _log_in_place(x, e):
    """Natural logarithm of every element of ``x`` (positive, normal numbers), in place;
    ``e`` is scratch space of the same size."""
    bits = x.view(np.uint64)
    for k in range(x.size):  # x = m * 2**e with m in [0.5, 1), read from the bits
        b = bits[k]
        e[k] = np.float64(np.int64(b >> np.uint64(52)) - 1022)
        bits[k] = (b & _MANTISSA) | _HALF_EXPONENT
    for k in range(x.size):
        small = x[k] < _SQRT_HALF
        x[k] = _log_reduced(x[k] * 2.0 if small else x[k], e[k] - 1.0 if small else e[k])


def gumbels_where(key, used, where, out):
    """``out[where[k]]`` = the standard Gumbel draw ``-log(-log(u))`` at stream position
    ``used + where[k]`` (``u`` the 24-bit uniform there, at least 2**-25)."""
    x = np.empty(_GUMBEL_BLOCK)
    e = np.empty(_GUMBEL_BLOCK)
    for start in range(0, where.size, _GUMBEL_BLOCK):
        size = min(_GUMBEL_BLOCK, where.size - start)
        block, scratch = x[:size], e[:size]
        for k in range(size):
            block[k] = max(uniform_at(key, used + np.uint64(where[start + k])), _GUMBEL_FLOOR)
        _log_in_place(block, scratch)
        for k in range(size):
            block[k] = -block[k]
        _log_in_place(block, scratch)
        for k in range(size):
            out[where[start + k]] = -block[k]  # (stored in the precision of ``out``)


def binomial_at(key, position, trials, p):
    """A Binomial(trials, p) count by inversion of the 53-bit uniform at ``position``."""
    if p >= 1.0:
        return trials
    u = uniform53_at(key, position)
    ratio = p / (1.0 - p)
    k = 0
    pk = math.exp(trials * math.log1p(-p))
    cdf = pk
    while u >= cdf and k < trials:
        k += 1
        pk *= (trials - k + 1) / k * ratio
        cdf += pk
    return k


def integer_at(key, position, low, high):
    """An integer in ``[low, high)`` from the 53-bit uniform at ``position``."""
    span = high - low
    return low + min(np.int64(uniform53_at(key, position) * span), span - 1)


_inline = numba.njit(inline="always")
(_mix, _word, _retry_key, _signed, _layer, _wedge_uniform, _uniform24, _uniform53) = (
    _inline(f) for f in (_mix, _word, _retry_key, _signed, _layer, _wedge_uniform,
                         _uniform24, _uniform53))
(position, advance, uniform_at, uniform53_at, normal_at, binomial_at, integer_at,
 _log_reduced) = (_inline(f) for f in (position, advance, uniform_at, uniform53_at, normal_at,
                                       binomial_at, integer_at, _log_reduced))
_normal_slow, _log_in_place = kernel(_normal_slow), kernel(_log_in_place)
gumbels_where = kernel(entry=True)(gumbels_where)
link(globals())
