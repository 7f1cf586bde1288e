"""Word of mouth over the social graph.

Seed ideas: a satisfied customer tells 3-5 people, who may buy and tell 3-5 more;
dissatisfied customers speak ill; behavioural trusters advocate. Messages travel only
along graph edges.
"""

from __future__ import annotations

import numpy as np

from sim.engine.streams import Draws


def speaking_probability(rating: np.ndarray, behavioural: np.ndarray, rate_satisfied: float,
                         rate_neutral: float, rate_dissatisfied: float,
                         advocacy: float) -> tuple[np.ndarray, np.ndarray]:
    """Chance each customer speaks well or ill this step, from the last rating.

    Ratings 4-5 speak well at ``rate_satisfied``, 3 at ``rate_neutral`` (times
    ``advocacy`` for behavioural trusters, capped at 1); 1-2 speak ill at
    ``rate_dissatisfied``; 0 (never bought) never speaks.

    Returns
    -------
    (p_positive, p_negative), each (n,).
    """
    positive = np.where(rating >= 4, rate_satisfied, np.where(rating == 3, rate_neutral, 0.0))
    positive = np.minimum(1.0, positive * np.where(behavioural, advocacy, 1.0))
    negative = np.where((rating >= 1) & (rating <= 2), rate_dissatisfied, 0.0)
    return positive, negative


def spread(speakers: np.ndarray, indptr: np.ndarray, indices: np.ndarray, reach: float,
           rng: Draws) -> tuple[np.ndarray, np.ndarray]:
    """Each speaker tells each neighbour with probability ``min(1, reach / degree)``.

    The mean number told is ``reach`` for speakers with at least that many neighbours,
    and all neighbours otherwise. O(sum of speakers' degrees).

    Returns
    -------
    (speaker_position, listener): for every message, the position of its speaker in
    ``speakers`` and the listener's node index.
    """
    counts = indptr[speakers + 1] - indptr[speakers]
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    owner = np.repeat(np.arange(speakers.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    listeners = indices[np.repeat(indptr[speakers], counts) + offsets]
    p_tell = np.minimum(1.0, reach / np.maximum(counts, 1))
    told = rng.random(total) < p_tell[owner]
    return owner[told], listeners[told].astype(np.int64)


def spread_well_mixed(speakers: np.ndarray, n_nodes: int, reach: float,
                      rng: Draws) -> tuple[np.ndarray, np.ndarray]:
    """:func:`spread` on a complete graph of ``n_nodes`` that is not stored.

    Each speaker tells ``Binomial(n - 1, min(1, reach / (n - 1)))`` people — the number
    :func:`spread` gives on a complete graph — drawn uniformly among the others, with
    replacement: a speaker tells the same person twice with probability about
    ``reach**2 / n``, and every listener still hears each speaker ``reach / (n - 1)``
    times on average, which is all the linear awareness hazard sees (Bass mixing).

    Returns
    -------
    (speaker_position, listener), as :func:`spread`.
    """
    if speakers.size == 0 or n_nodes <= 1:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    others = n_nodes - 1
    counts = rng.binomial(others, min(1.0, reach / others), size=speakers.size)
    owner = np.repeat(np.arange(speakers.size), counts)
    listener = rng.integers(0, others, size=owner.size)
    listener += listener >= speakers[owner]  # skip the speaker: uniform over the others
    return owner, listener.astype(np.int64)


def count_messages(listener: np.ndarray, firm: np.ndarray, n_customers: int,
                   n_firms: int) -> np.ndarray:
    """(n, F) number of messages each customer heard about each firm."""
    flat = np.bincount(listener * n_firms + firm, minlength=n_customers * n_firms)
    return flat.reshape(n_customers, n_firms)
