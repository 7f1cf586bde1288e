"""Large arrays moved onto huge pages (sim/memory.py): same values, same shapes and
types, aligned to a huge page; small arrays left where they are."""

import dataclasses

import numpy as np

from sim.engine.memory import (
    HUGE_PAGE,
    MIN_BYTES,
    move_to_huge_pages,
    on_huge_pages,
    zeros_on_huge_pages,
)


def test_a_large_array_is_copied_whole_and_aligned():
    rng = np.random.default_rng(1)
    big = rng.random((MIN_BYTES // 4 // 3 + 7, 3)).astype(np.float32)  # over MIN_BYTES
    moved = on_huge_pages(big)
    assert moved.shape == big.shape and moved.dtype == big.dtype
    assert np.array_equal(moved, big)
    if moved is not big:  # where the system grants the request (Linux)
        assert not np.shares_memory(moved, big)
        assert moved.ctypes.data % HUGE_PAGE == 0
        assert moved.flags.c_contiguous and moved.flags.writeable
        moved[0, 0] = -1.0  # a private copy: the original is untouched
        assert big[0, 0] != -1.0


def test_a_small_array_stays_where_it_is():
    small = np.arange(1000)
    assert on_huge_pages(small) is small


def test_a_records_arrays_are_moved_in_place_with_their_values():
    @dataclasses.dataclass
    class Record:
        large: np.ndarray
        small: np.ndarray
        label: str

    large = np.arange(MIN_BYTES // 4 + 1, dtype=np.int32)
    small = np.ones(3)
    record = Record(large.copy(), small, "kept")
    move_to_huge_pages(record)
    assert np.array_equal(record.large, large)
    assert record.small is small and record.label == "kept"


def test_zeros_on_huge_pages_are_zeros_of_the_shape_asked():
    for shape, dtype in (((MIN_BYTES // 8, 2, 2), np.int32), ((10,), np.float64)):
        zeros = zeros_on_huge_pages(shape, dtype)
        assert zeros.shape == shape and zeros.dtype == dtype
        assert not zeros.any() and zeros.flags.c_contiguous and zeros.flags.writeable
        if zeros.nbytes >= MIN_BYTES and zeros.base is not None:  # mapped (Linux)
            assert zeros.ctypes.data % HUGE_PAGE == 0
