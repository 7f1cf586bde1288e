"""Independent simulations in worker processes (the standard library's process pool).

Results come back as they finish, tagged with their job's key, so callers can store and
report progress; the results do not depend on the number of workers, because every job
carries its own seed.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any


class WorkerLostError(RuntimeError):
    """A worker process ended without finishing its job (killed, most often for memory)."""


def run_jobs(function: Callable[..., Any], jobs: Sequence[tuple[Hashable, tuple]],
             workers: int) -> Iterator[tuple[Hashable, Any]]:
    """``(key, function(*args))`` for every ``(key, args)`` job, in this process when
    ``workers`` is 1, else in that many spawned processes (Mesa sets "spawn" anyway;
    being explicit keeps behaviour independent of it).

    Raises
    ------
    WorkerLostError
        If a worker process dies (the system's out-of-memory killer, a signal).
    """
    if workers <= 1 or len(jobs) < 2:
        for key, args in jobs:
            yield key, function(*args)
        return
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
        futures = {pool.submit(function, *args): key for key, args in jobs}
        for future in cf.as_completed(futures):
            try:
                result = future.result()
            except cf.process.BrokenProcessPool as exc:
                raise WorkerLostError("a worker process ended before finishing its simulation, "
                                 "most likely killed for lack of memory") from exc
            yield futures[future], result
