"""Customer state: one row per customer in numpy arrays, the form the engine's loops
work on (single-precision floats where a value is a model quantity)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

FLOAT = np.float32


class Presence(IntEnum):
    """Whether a customer is in the market."""

    ABSENT = 0  #: has not arrived yet
    PRESENT = 1
    GONE = 2  #: left the market for good


@dataclass
class CustomerState:
    """All customer state. Arrays of length n (or shape (n, F)) where n = capacity."""

    presence: np.ndarray  #: (n,) int8 Presence
    firm: np.ndarray  #: (n,) int16 current firm, -1 for none
    last_firm: np.ndarray  #: (n,) int16 firm of the last experience, -1 for none
    last_rating: np.ndarray  #: (n,) int8 last 5-point rating, 0 = never bought
    tenure: np.ndarray  #: (n,) int32 steps with the current firm
    last_purchase: np.ndarray  #: (n,) int32 step of the last purchase, -1 for never
    need: np.ndarray  #: (n,) need position in [0, 1)
    fit_at_join: np.ndarray  #: (n,) fit with the current firm when joining it
    facet_weights: np.ndarray  #: (n, 3) material, spiritual, social weights
    basket: np.ndarray  #: (n,) base basket size (units per purchase)
    price_sensitivity: np.ndarray  #: (n,) base price sensitivity
    reference_price: np.ndarray  #: (n,) price the customer expects to pay
    deal_dependence: np.ndarray  #: (n,) in [0, 1]
    aware: np.ndarray  #: (n, F) bool
    member: np.ndarray  #: (n, F) bool, member of the firm's points programme
    expectation: np.ndarray  #: (n, F) expected perceived value
    trust: np.ndarray  #: (n, F) trust stock in [0, 1]

    @property
    def n(self) -> int:
        """Number of rows (everyone who is ever in the market)."""
        return self.presence.size
