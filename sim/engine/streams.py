"""Counter-based random numbers for the customers' part of a step.

Draw number ``c`` of a stream with key ``k`` is a fixed function of ``(k, c)``: the 64-bit
word ``mix(k + c * GOLDEN)`` of SplitMix64 (Steele, Lea & Flood 2014, the seeding
generator of Java's ``SplittableRandom`` and of xoshiro; it passes BigCrush). A stream's
state is two numbers, its key and how many words it has used. Because every number is
a function of its position, a vectorised numpy expression and a compiled loop that
draw the same positions get *the same numbers* — which is how the two engines of
:class:`sim.model.MarketModel` stay on one trajectory — and a compiled loop can make them
inline: about 0.5 ns a uniform instead of the ~2 ns of a call through numpy's
``Generator`` (figures in ``docs/performance.md``).

Transforms, identical in both implementations:

* uniforms: the top 24 bits of a word (float32) or 53 bits (float64), in [0, 1);
* normals: the ziggurat method with 128 layers (Marsaglia & Tsang 2000), layer and
  sign/magnitude taken from independent bits of one word (Doornik 2005); the rare
  rejections continue on a second stream keyed from the first, at slots ``64 c + j``;
* binomial: inversion from one uniform (the counts drawn here have small means);
* integers: ``low + floor(u * (high - low))`` from a 53-bit uniform;
* Gumbel: ``-log(-log(u))`` from a float32 uniform, in double precision and then cast,
  with a logarithm written out here (:func:`_log_reduced`) so that both sides compute
  it with the same operations — libm's ``log`` and numpy's differ in last bits, and
  numba's ``log`` of a float32 is ``logf``.

A stream's key comes from ``model.rng`` (one draw when the model is built), so the
scenario's seed still determines everything.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba
except ImportError:  # the numpy engine needs nothing compiled
    numba = None

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
_GUMBEL_BLOCK = 512
_LN2 = math.log(2.0)
_SQRT_HALF = math.sqrt(0.5)
_MANTISSA = np.uint64((1 << 52) - 1)
_HALF_EXPONENT = np.uint64(1022 << 52)  # with a mantissa: a number in [0.5, 1)
_ATANH_SERIES = tuple(1.0 / k for k in range(3, 17, 2))


def _log_reduced(m, e):
    """``log(m * 2**e)`` for ``m`` in [sqrt(1/2), sqrt(2)): ``e log 2 + 2 atanh(s)``
    with ``s = (m - 1) / (m + 1)`` (|s| < 0.172) by its series to ``s**15``; relative
    error below 1e-13 (``tests/test_streams.py``). Written as plain arithmetic so the
    compiled loop and numpy take the same steps and get the same bits."""
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


# ------------------------------------------------------------------ array draws (loops)
def uniforms32(state, n):
    """``n`` float32 uniforms in [0, 1) from stream ``state`` (key, words used); advances it."""
    out = np.empty(n, np.float32)
    key, used = state[_KEY], state[_USED]
    for k in range(n):
        out[k] = uniform32_at(key, used + np.uint64(k))
    state[_USED] = used + np.uint64(n)
    return out


def uniforms64(state, n):
    """``n`` float64 uniforms in [0, 1); advances the stream."""
    out = np.empty(n)
    key, used = state[_KEY], state[_USED]
    for k in range(n):
        out[k] = uniform64_at(key, used + np.uint64(k))
    state[_USED] = used + np.uint64(n)
    return out


def normals32(state, n):
    """``n`` float32 standard normals (ziggurat); advances the stream by ``n`` words."""
    out = np.empty(n, np.float32)
    key, used = state[_KEY], state[_USED]
    for k in range(n):
        out[k] = normal32_at(key, used + np.uint64(k))
    state[_USED] = used + np.uint64(n)
    return out


# ---------------------------------------------- number by number (fused compiled loops)
def position(state):
    """A stream's key and the number of words it has used: number ``k`` from here is at
    position ``used + k``. For compiled loops that draw as they go and then
    :func:`advance` the stream by what they took (no array of draws in between)."""
    return state[_KEY], state[_USED]


def advance(state, n):
    """Mark ``n`` more words of the stream used."""
    state[_USED] += np.uint64(n)


def uniform32_at(key, position):
    """The float32 uniform at ``position`` (as :func:`uniforms32` draws it there)."""
    return _uniform24(_word(key, np.uint64(position)))


def uniform64_at(key, position):
    """The float64 uniform at ``position`` (as :func:`uniforms64` draws it there)."""
    return _uniform53(_word(key, np.uint64(position)))


def normal32_at(key, position):
    """The float32 standard normal at ``position`` (as :func:`normals32` draws it)."""
    position = np.uint64(position)
    word = _word(key, position)
    hz = _signed(word)
    iz = _layer(word)
    if abs(hz) < _KN[iz]:
        return np.float32(hz * _WN[iz])
    return np.float32(_normal_slow(key, position, word))


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


def gumbels32(state, n):
    """``n`` float32 standard Gumbel draws ``-log(-log(u))``; advances the stream by ``n``
    words. (The compiled step takes only those it needs: :func:`gumbels32_where`.)"""
    out = np.empty(n, np.float32)
    _gumbels_at(state[_KEY], state[_USED], np.arange(n), out)
    state[_USED] += np.uint64(n)
    return out


def gumbels32_where(state, n, needed):
    """The Gumbel draws of the next ``n`` positions that are ``needed`` (indices in
    ``[0, n)``), as :func:`gumbels32` gives them, in an array of ``n`` (zero elsewhere);
    advances the stream by ``n``. Each draw depends on its position alone, so the others
    need not be computed: a shopper's noise for firms it does not know is never used."""
    out = np.zeros(n, np.float32)
    _gumbels_at(state[_KEY], state[_USED], needed, out)
    state[_USED] += np.uint64(n)
    return out


def _gumbels_at(key, used, where, out):
    """``out[where[k]]`` = the Gumbel draw at stream position ``used + where[k]``.
    Computed in blocks whose scratch stays in the processor's cache (at a million
    shoppers, whole-size temporaries would be tens of MB of memory traffic)."""
    x = np.empty(_GUMBEL_BLOCK)
    e = np.empty(_GUMBEL_BLOCK)
    for start in range(0, where.size, _GUMBEL_BLOCK):
        size = min(_GUMBEL_BLOCK, where.size - start)
        block, scratch = x[:size], e[:size]
        for k in range(size):
            u = uniform32_at(key, used + np.uint64(where[start + k]))
            block[k] = max(np.float64(u), _GUMBEL_FLOOR)
        _log_in_place(block, scratch)
        for k in range(size):
            block[k] = -block[k]
        _log_in_place(block, scratch)
        for k in range(size):
            out[where[start + k]] = np.float32(-block[k])


def binomials(state, trials, p, n):
    """``n`` Binomial(trials, p) counts by inversion of one uniform each."""
    out = np.empty(n, np.int64)
    u = uniforms64(state, n)
    if p >= 1.0:
        out[:] = trials
        return out
    q = 1.0 - p
    first = math.exp(trials * math.log1p(-p))
    ratio = p / q
    for s in range(n):
        k = 0
        pk = first
        cdf = pk
        while u[s] >= cdf and k < trials:
            k += 1
            pk *= (trials - k + 1) / k * ratio
            cdf += pk
        out[s] = k
    return out


def integers(state, low, high, n):
    """``n`` integers in ``[low, high)``."""
    u = uniforms64(state, n)
    out = np.empty(n, np.int64)
    span = high - low
    for k in range(n):
        out[k] = low + min(np.int64(u[k] * span), span - 1)
    return out


# The numpy side applies the parts above to whole arrays of words, as plain Python
# (bound here, before the compiled loops get their compiled versions under these names).
(_mix_np, _signed_np, _layer_np, _uniform24_np, _uniform53_np, _wedge_uniform_np,
 _log_reduced_np) = (_mix, _signed, _layer, _uniform24, _uniform53, _wedge_uniform,
                     _log_reduced)


def _words(key: np.uint64, positions: np.ndarray) -> np.ndarray:
    """:func:`_word` for an array of positions."""
    return _mix_np(key + positions * GOLDEN)


if numba is not None:
    _inline = numba.njit(inline="always")
    (_mix, _word, _retry_key, _signed, _layer, _wedge_uniform, _uniform24, _uniform53,
     _log_reduced) = (_inline(f) for f in (_mix, _word, _retry_key, _signed, _layer,
                                           _wedge_uniform, _uniform24, _uniform53,
                                           _log_reduced))
    _jit = numba.njit(cache=True, error_model="numpy")
    _normal_slow, _log_in_place, _gumbels_at = (
        _jit(f) for f in (_normal_slow, _log_in_place, _gumbels_at))
    position, advance, uniform32_at, uniform64_at, normal32_at = (
        _inline(f) for f in (position, advance, uniform32_at, uniform64_at, normal32_at))
    uniforms32, uniforms64, normals32, gumbels32, gumbels32_where, binomials, integers = (
        _jit(f) for f in (uniforms32, uniforms64, normals32, gumbels32, gumbels32_where,
                          binomials, integers))


# ------------------------------------------------------------------ the numpy side
class CounterStream:
    """A counter-based stream with the methods of ``numpy.random.Generator`` that the
    customer rules use (``random``, ``standard_normal``, ``binomial``, ``integers``) and
    ``standard_gumbel`` (float32 draws).

    ``state`` (uint64 ``[key, words used]``) is shared with the compiled step, which
    draws from the same stream through the loop functions of this module; both give the
    same numbers for the same positions.
    """

    def __init__(self, key: int) -> None:
        self.state = np.array([key, 0], dtype=np.uint64)

    @property
    def key(self) -> int:
        """The stream's key."""
        return int(self.state[_KEY])

    @property
    def used(self) -> int:
        """How many words the stream has used."""
        return int(self.state[_USED])

    def _take(self, n: int) -> np.ndarray:
        used = self.state[_USED]
        positions = used + np.arange(n, dtype=np.uint64)
        self.state[_USED] = used + np.uint64(n)
        return _words(self.state[_KEY], positions)

    def random(self, size: int | tuple[int, ...] | None = None,
               dtype: type = np.float64) -> np.ndarray:
        """Uniforms in [0, 1), float32 (24 bits) or float64 (53 bits), row-major."""
        shape = () if size is None else size
        n = int(np.prod(shape))
        words = self._take(n)
        if np.dtype(dtype) == np.float32:
            values = _uniform24_np(words)
        elif np.dtype(dtype) == np.float64:
            values = _uniform53_np(words)
        else:
            raise TypeError(f"random: dtype must be float32 or float64, not {dtype}")
        return values.reshape(shape)

    def standard_normal(self, size: int | tuple[int, ...] | None = None,
                        dtype: type = np.float64) -> np.ndarray:
        """Standard normals by the ziggurat (computed in double precision, then cast)."""
        shape = () if size is None else size
        n = int(np.prod(shape))
        first = self.state[_USED]
        words = self._take(n)
        hz, iz = _signed_np(words), _layer_np(words)
        values = hz * _WN[iz]
        slow = np.flatnonzero(np.abs(hz) >= _KN[iz])
        if slow.size:  # about 1 %: the rejection steps of the loop, element-wise
            values[slow] = _normal_slow_np(self.state[_KEY], first + slow.astype(np.uint64),
                                           words[slow])
        return values.astype(dtype).reshape(shape)

    def standard_gumbel(self, size: int | tuple[int, ...]) -> np.ndarray:
        """Float32 standard Gumbel draws ``-log(-log(u))``, one float32 uniform each
        (the same steps as :func:`gumbels32`)."""
        u = self.random(size, dtype=np.float32).astype(np.float64)
        return (-_log_np(-_log_np(np.maximum(u, _GUMBEL_FLOOR)))).astype(np.float32)

    def binomial(self, n: int, p: float, size: int) -> np.ndarray:
        """Binomial(n, p) counts by inversion (the same steps as :func:`binomials`)."""
        u = self.random(size)
        if p >= 1.0:
            return np.full(size, n, dtype=np.int64)
        ratio = p / (1.0 - p)
        count = np.zeros(size, dtype=np.int64)
        pk = np.full(size, math.exp(n * math.log1p(-p)))
        cdf = pk.copy()
        going = (u >= cdf) & (count < n)
        while going.any():
            count[going] += 1
            k = count[going]
            pk[going] *= (n - k + 1) / k * ratio
            cdf[going] += pk[going]
            going = (u >= cdf) & (count < n)
        return count

    def integers(self, low: int, high: int, size: int) -> np.ndarray:
        """Integers in ``[low, high)``."""
        span = high - low
        u = self.random(size)
        return low + np.minimum((u * span).astype(np.int64), span - 1)


#: What the customer rules draw from: numpy's Generator or a counter-based stream.
Draws = np.random.Generator | CounterStream


def _log_np(x: np.ndarray) -> np.ndarray:
    """:func:`_log_in_place` over a float64 array (positive, normal numbers)."""
    bits = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
    e = ((bits >> np.uint64(52)).astype(np.int64) - 1022).astype(np.float64)
    m = ((bits & _MANTISSA) | _HALF_EXPONENT).view(np.float64)
    small = m < _SQRT_HALF
    return _log_reduced_np(np.where(small, m * 2.0, m), np.where(small, e - 1.0, e))


def _normal_slow_np(key: np.uint64, positions: np.ndarray, words: np.ndarray) -> np.ndarray:
    """:func:`_normal_slow` over arrays: the same tests on the same words, every pending
    normal advancing through its own retry slots."""
    retry = _words(_RETRY_SALT ^ key, np.zeros(1, np.uint64))[0]
    slot = positions * _RETRY_SLOTS
    used = np.zeros(positions.size, np.uint64)
    out = np.empty(positions.size)
    pending = np.arange(positions.size)
    word = words.copy()
    while pending.size:
        hz, iz = _signed_np(word), _layer_np(word)
        x = hz * _WN[iz]
        tail = iz == 0
        for k in np.flatnonzero(tail):  # beyond the base strip: ~1 in 4,000 normals
            out[pending[k]] = _tail_np(retry, slot[pending[k]], used[pending[k]], hz[k])
        wedge = np.flatnonzero(~tail)
        accept = np.zeros(pending.size, bool)
        accept[tail] = True
        iz_w = iz[wedge]
        height = _FN[iz_w] + _wedge_uniform_np(word[wedge]) * (_FN[iz_w - 1] - _FN[iz_w])
        inside = height < np.exp(-0.5 * x[wedge] * x[wedge])
        accept[wedge[inside]] = True
        out[pending[wedge[inside]]] = x[wedge[inside]]
        rest = np.flatnonzero(~accept)
        pending, word = pending[rest], _words(retry, slot[pending[rest]] + used[pending[rest]])
        used[pending] += np.uint64(1)
        hz, iz = _signed_np(word), _layer_np(word)
        quick = np.abs(hz) < _KN[iz]
        out[pending[quick]] = hz[quick] * _WN[iz[quick]]
        pending, word = pending[~quick], word[~quick]
    return out


def _tail_np(retry: np.uint64, slot: np.uint64, used: np.uint64, hz: np.int64) -> float:
    """The tail test of :func:`_normal_slow` for one normal (rare enough for a loop)."""
    j = used
    while True:
        a, b = _uniform53_np(_words(retry, np.array([slot + j, slot + j + np.uint64(1)],
                                                    dtype=np.uint64)))
        j += np.uint64(2)
        xt = -math.log1p(-a) / _TAIL
        yt = -math.log1p(-b)
        if yt + yt >= xt * xt:
            return _TAIL + xt if hz > 0 else -_TAIL - xt
