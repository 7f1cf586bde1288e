"""The prefetch hint of the compiled loops: it compiles for the arrays the step uses and
changes nothing, even for addresses outside the array."""

import numpy as np
import pytest


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.int64, np.float32, np.float64])
def test_prefetch_changes_no_result(dtype):
    import numba

    from sim.engine.prefetch import prefetch

    @numba.njit
    def gather(values, at, ahead):
        total = 0.0
        for k in range(at.size):
            prefetch(values, at[k] + ahead)  # beyond the end too: a hint never faults
            total += values[at[k]]
        return total

    rng = np.random.default_rng(0)
    values = (rng.random(10_000) * 100).astype(dtype)
    at = rng.integers(0, values.size, 5_000)
    expected = values[at].astype(np.float64).sum()
    for ahead in (0, 3, values.size, 10**9):
        assert gather(values, at, ahead) == pytest.approx(expected, rel=1e-12)


def test_prefetch_rejects_what_it_cannot_hint():
    import numba

    from sim.engine.prefetch import prefetch

    @numba.njit
    def on_a_matrix(values):
        prefetch(values, 0)

    with pytest.raises(numba.TypingError):
        on_a_matrix(np.zeros((2, 2)))
