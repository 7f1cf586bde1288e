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

HUGE_PAGE = 2 << 20
#: Arrays smaller than this stay where they are (they span few pages anyway).
MIN_BYTES = 4 << 20

def on_huge_pages(array: np.ndarray) -> np.ndarray:
    """A copy of ``array`` in memory asked to be backed by huge pages, aligned to one;
    ``array`` itself if it is smaller than :data:`MIN_BYTES` or the system has no such
    request (``mmap.MADV_HUGEPAGE``) or refuses it."""
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if array.nbytes < MIN_BYTES or advice is None:
        return array
    size = -(-array.nbytes // HUGE_PAGE) * HUGE_PAGE + HUGE_PAGE  # room to align
    try:
        buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        buffer.madvise(advice)
    except (OSError, ValueError):
        return array
    start = np.frombuffer(buffer, dtype=np.uint8, count=1).ctypes.data
    offset = -start % HUGE_PAGE
    copy = np.frombuffer(buffer, dtype=array.dtype, count=array.size, offset=offset)
    copy = copy.reshape(array.shape)  # the copy keeps the mapping alive (its base)
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
