"""Large arrays on huge pages, where the operating system offers them.

At a million customers the state and the graph are a few hundred megabytes, and the
compiled step reaches into them at addresses spread over all of it (a speaker's
neighbours, a buyer's row). With the usual 4 kB pages, most such reaches also miss the
processor's table of page translations; with 2 MB pages, 512 times fewer translations
cover the same memory. Linux backs memory with 2 MB pages on request (transparent huge
pages, ``madvise``), so the arrays that stay in place from step to step are copied into
memory requested that way. Elsewhere, or for small arrays, nothing changes. Results do
not depend on it: only where the numbers live. Figures in ``docs/performance.md``.
"""

from __future__ import annotations

import dataclasses
import mmap

import numpy as np
import numpy.typing as npt

HUGE_PAGE = 2 << 20
#: Arrays smaller than this stay where they are (they span few pages anyway).
MIN_BYTES = 4 << 20


def _mapped(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """Zeros of ``shape`` in fresh memory asked to be backed by huge pages, aligned to
    one; ``None`` for fewer than :data:`MIN_BYTES` or where the system has no such
    request (``mmap.MADV_HUGEPAGE``) or refuses it."""
    count = int(np.prod(shape))
    nbytes = count * dtype.itemsize
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if nbytes < MIN_BYTES or advice is None:
        return None
    size = -(-nbytes // HUGE_PAGE) * HUGE_PAGE + HUGE_PAGE  # room to align
    try:
        buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        buffer.madvise(advice)
    except (OSError, ValueError):
        return None
    start = np.frombuffer(buffer, dtype=np.uint8, count=1).ctypes.data
    zeros = np.frombuffer(buffer, dtype=dtype, count=count, offset=-start % HUGE_PAGE)
    return zeros.reshape(shape)  # the array keeps the mapping alive (its base)


def zeros_on_huge_pages(shape: tuple[int, ...], dtype: npt.DTypeLike) -> np.ndarray:
    """``numpy.zeros(shape, dtype)``, on huge pages where :func:`_mapped` gives them (the
    system's fresh memory is zero: nothing is written until the array is used)."""
    zeros = _mapped(shape, np.dtype(dtype))
    return np.zeros(shape, dtype) if zeros is None else zeros


def on_huge_pages(array: np.ndarray) -> np.ndarray:
    """A copy of ``array`` on huge pages where :func:`_mapped` gives them; ``array``
    itself elsewhere (small arrays, systems without huge pages)."""
    copy = _mapped(array.shape, array.dtype)
    if copy is None:
        return array
    copy[...] = array
    return copy


def move_to_huge_pages(record: object) -> None:
    """Replace each array field of the (mutable) dataclass instance ``record`` by
    :func:`on_huge_pages` of it, one at a time: an array no longer referenced elsewhere
    is freed before the next is copied, so memory peaks one array above the record's."""
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, np.ndarray):
            setattr(record, field.name, on_huge_pages(value))
