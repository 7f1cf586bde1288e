"""What the customer step works on: the customers' state in arrays (one row per
customer, single precision where a value is a model quantity), and the workspace that
hands it, the graph, the firms' offers and the output tables to the compiled step as one
object.

The workspace is a numba structref (one pointer at the call boundary, where 35 arrays as
arguments cost ~2 us of dispatch a step; docs/performance.md); with the JIT disabled it
is a plain namespace with the same attributes. Either way its arrays *are* the model's:
nothing is copied, and the firms' per-step values are written into them in place.
"""

from __future__ import annotations

import types as pytypes
from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
from numba.core import types
from numba.experimental import structref

from sim.engine.jit import COMPILED, kernel, link

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
    present: np.ndarray  #: (n,) bool, presence == PRESENT (read every step)
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
    occasion: np.ndarray  #: (n,) chance of a purchase occasion per step
    dropout: np.ndarray  #: (n,) chance of leaving the market after a purchase
    lapse: np.ndarray  #: (n,) chance per step of leaving the market, once bought
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


#: The workspace's fields besides the customer state, in order.
WORKSPACE_FIELDS = (
    "stream",  # (2,) uint64: the stream's key and words used (sim.engine.streams)
    "indptr", "indices",  # the CSR graph
    "well_mixed",  # (1,) bool: everyone can tell everyone (no stored graph)
    "heard",  # (n, F, 2) int32 scratch: messages heard this step, positive and negative
    "positions",  # (F,) product positions
    "levers", "arrival_levers",  # (len(LEVER_NAMES), F): now, and before prices were set
    "promo_price", "depth",  # (F,) this step's price and promotion depth
    "failure_p",  # (F, holes) failure probability per purchase
    "severity",  # (holes,) value lost by each kind of failure
    "flows", "counts", "stocks", "by_presence",  # outputs, overwritten every step
    "purchases",  # (n, 4) float64: customer, firm, units, revenue of the step's purchases
    "params",  # (1,) record of the scenario's scalars (sim.engine.params)
)
STATE_FIELDS = tuple(f.name for f in fields(CustomerState))


@structref.register
class WorkspaceType(types.StructRef):
    """numba type of :class:`Workspace`."""

    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(t)) for name, t in fields)


class Workspace(structref.StructRefProxy):
    """The compiled step's single argument (see the module docstring)."""

    def __new__(cls, *arrays):
        return structref.StructRefProxy.__new__(cls, *arrays)


structref.define_constructor(Workspace, WorkspaceType, [*STATE_FIELDS, *WORKSPACE_FIELDS])
structref.define_boxing(WorkspaceType, Workspace)


@kernel(entry=True)
def _build(*arrays):
    return Workspace(*arrays)


def workspace(state: CustomerState, compiled: bool = COMPILED,
              **others: np.ndarray) -> Workspace | pytypes.SimpleNamespace:
    """The workspace over ``state``'s arrays and :data:`WORKSPACE_FIELDS` (keywords): a
    structref for the compiled loops, a namespace for the loops run as Python."""
    values = [getattr(state, name) for name in STATE_FIELDS]
    values += [others[name] for name in WORKSPACE_FIELDS]
    if not compiled:
        return pytypes.SimpleNamespace(**dict(zip((*STATE_FIELDS, *WORKSPACE_FIELDS), values,
                                                  strict=True)))
    return _build(*values)


link(globals())
