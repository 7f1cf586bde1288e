"""The scenario's scalar parameters as the compiled step reads them: one record (a numpy
structured array of one element, generated from the schema), unpacked inside the step
into a named tuple of scalars.

The record crosses the call boundary in ~0.3 us, a tuple of 60 scalars in ~5 us; unpacked
once per step, the loops read parameters from registers instead of memory their stores
might alias. Every numeric field of ``[customers]`` and ``[market]`` is in the record
(tuples and per-hole tables as ``name_0``, ``name_1``, ...; a hole table's entries by
hole name), plus a few switches derived from them.
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from typing import Any

import numpy as np

from sim.engine.jit import COMPILED
from sim.scenario import CustomerSpec, HoleValues, MarketSpec, RunSpec, Scenario


def _flat(spec: Any) -> dict[str, float | int | bool]:
    """The spec's numeric fields by name, tuples and hole tables spelled out."""
    out: dict[str, float | int | bool] = {}
    for field in dataclasses.fields(spec):
        value = getattr(spec, field.name)
        if isinstance(value, HoleValues):
            for hole, v in zip(dataclasses.fields(value), value.as_tuple(), strict=True):
                out[f"{field.name}_{hole.name}"] = v
        elif isinstance(value, tuple):
            for k, v in enumerate(value):
                out[f"{field.name}_{k}"] = v
        elif isinstance(value, (bool, int, float)):
            out[field.name] = value
    return out


def values(scenario: Scenario) -> dict[str, float | int | bool]:
    """Every parameter the step may read, by record field name."""
    c, run = scenario.customers, scenario.run
    flat = {**_flat(c), **_flat(scenario.market)}
    flat.update(
        # Derived switches: loops branch on them instead of testing floats per customer.
        occasions_vary=c.occasion_rate_shape > 0,
        frequency_grows=c.frequency_growth > 0,
        dropouts=c.dropout_probability > 0,
        lapses=c.lapse_probability > 0,
        record_purchases=run.record_purchases,
        # The firm newcomers arrive buying from (customers.arrivals_buy_from), or -1.
        arrival_firm=([f.name for f in scenario.firms].index(c.arrivals_buy_from)
                      if c.arrivals_buy_from else -1),
    )
    return flat


def _kind(value: float | int | bool) -> type:
    if isinstance(value, bool):
        return np.bool_
    return np.int64 if isinstance(value, int) else np.float64


_TEMPLATE = values(Scenario(strategies={}, firms=(), customers=CustomerSpec(),
                            market=MarketSpec(), run=RunSpec()))
#: The record's dtype: every field of :func:`values`, int64, float64 or bool.
DTYPE = np.dtype([(name, _kind(v)) for name, v in _TEMPLATE.items()])
#: The named tuple the step unpacks the record into.
Params = namedtuple("Params", DTYPE.names)


def record(scenario: Scenario) -> np.ndarray:
    """The scenario's parameters as a record array of one element (dtype :data:`DTYPE`)."""
    v = values(scenario)
    return np.array([tuple(v[name] for name in DTYPE.names)], dtype=DTYPE)


def _unpacker():
    fields = ", ".join(f"record[{name!r}]" for name in DTYPE.names)
    namespace = {"Params": Params}
    exec(f"def unpack(record):\n    return Params({fields})\n", namespace)
    return namespace["unpack"]


#: ``unpack(params[0]) -> Params``: written out from the field names (inlined where called).
unpack = _unpacker()
if COMPILED:
    import numba

    unpack = numba.njit(inline="always")(unpack)
