"""Where the Mesa releases trustmarket supports (3.3 to 3.x) differ, named in one place.

trustmarket runs on Mesa 3.3.x (the last series for Python 3.11) and on the newest Mesa
(3.5.x on Python 3.12+); CI tests both ends (``.ci/run``). Everywhere else the project
uses Mesa's public API only: nothing outside this module imports or assigns a Mesa name
that starts with ``_`` (``tests/test_versions.py`` greps for it). The differences:

``Model.scenario`` (Mesa 3.5)
    Mesa 3.5 gave ``mesa.Model`` a ``scenario`` property for its experimental
    ``mesa.experimental.scenarios.Scenario``; the setter writes ``scenario.model = model``,
    which trustmarket's frozen :class:`sim.scenario.Scenario` refuses. A model keeps its own
    ``scenario`` attribute with :class:`OwnAttribute` (as on Mesa 3.3, where there is no
    such property).
``batch_run`` seeds (Mesa 3.4, mesa#2835 / mesa#2841)
    Mesa 3.4+ takes one seed per replication, ``batch_run(..., rng=[s1, s2])``, and passes
    it to the model as ``seed=`` (if the constructor has that parameter) or ``rng=``; Mesa
    3.3 has only ``iterations`` (every iteration built with the same keyword arguments, so
    one seed gave identical runs) and the seed goes in as a parameter,
    ``parameters={..., "rng": [s1, s2]}``. :func:`batch_run_seeded` makes the call that
    fits the installed Mesa.
``batch_run`` steps
    Mesa 3.3 steps a model while ``model.steps <= max_steps`` (one step more than asked),
    Mesa 3.5 while ``model.steps < max_steps``. :class:`sim.model.MarketModel` stops by
    itself (``running`` turns False) after the scenario's ``run.steps``, so a batch run
    with ``max_steps >= run.steps`` runs exactly ``run.steps`` steps on either. The rows'
    ``Step`` differs: Mesa 3.3 writes ``model.steps - 1`` (it expects a collection at
    step 0, which MarketModel does not make; the values are the last step's), Mesa 3.5
    the ``model.time`` of the collection (``float(model.steps)``).
DataCollector step keys
    Mesa 3.5 keys its per-agent records by ``model.time`` (a float), 3.3 by ``model.steps``;
    :class:`sim.model.metrics.MetricsCollector` builds its own firm table keyed by
    ``model.steps`` (an integer) on both, so the tables are the same on every Mesa.

Where Mesa itself reads private attributes of a DataCollector (``batch_run`` does), the
collector is a real ``mesa.DataCollector`` that Mesa fills through its public
``collect()``, so Mesa's own bookkeeping stays Mesa's.

The module has one section per part of trustmarket that meets Mesa (the model and batch
runs below); each names the Mesa releases it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib.metadata import version
from typing import Any


# ---------------------------------------------------------------- which Mesa is installed
def release(text: str) -> tuple[int, int]:
    """``(major, minor)`` of a version string such as ``"3.5.1"`` or ``"3.4.0rc1"``."""
    found = re.match(r"(\d+)\.(\d+)", text)
    if found is None:
        raise ValueError(f"not a version number: {text!r}")
    return int(found[1]), int(found[2])


#: The installed Mesa release, ``(major, minor)``.
MESA_RELEASE = release(version("mesa"))
#: Mesa takes per-replication seeds in ``batch_run(rng=[...])`` (Mesa 3.4+).
BATCH_RUN_TAKES_RNG = MESA_RELEASE >= (3, 4)


# ---------------------------------------------------------------- the model and batch runs
class OwnAttribute:
    """A plain instance attribute of a Mesa model subclass, shadowing Mesa's own attribute
    of the same name.

    Declared in a class body (``scenario = OwnAttribute()``), it stores and returns
    whatever is assigned, like an ordinary attribute; Mesa's property of the same name on
    ``mesa.Model`` (``Model.scenario`` since Mesa 3.5) is neither called nor written to.
    Mesa 3.5's ``Model.__init__`` assigns its own default ``Scenario`` first; the model's
    ``__init__`` then assigns its own. On Mesa 3.3 there is nothing to shadow.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute "
                                 f"{self.name!r} (not set yet)") from None

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.name] = value


def batch_run_seeded(model_cls: type, parameters: Mapping[str, Any], seeds: Iterable[Any],
                     **options: Any) -> list[dict[str, Any]]:
    """``mesa.batch_run`` with one run per seed and parameter combination, on any Mesa.

    Parameters
    ----------
    model_cls
        The model class (built as ``model_cls(**kwargs)`` by Mesa).
    parameters
        Mesa's ``parameters``: a value or a list of values per keyword argument.
    seeds
        One seed per replication (an int, a ``SeedSequence`` or None for the model's
        default); each parameter combination runs once with each.
    options
        Further ``batch_run`` arguments (``max_steps``, ``number_processes``,
        ``data_collection_period``, ``display_progress``).

    Returns
    -------
    list of dict
        Mesa's rows. On Mesa 3.4+ ``iteration`` numbers the seeds and the seed is the
        ``seed`` (or ``rng``) column; on Mesa 3.3 the seed is the ``rng`` column.

    Notes
    -----
    Mesa 3.4+: ``batch_run(model_cls, parameters, rng=seeds, ...)``. Mesa 3.3:
    ``batch_run(model_cls, {**parameters, "rng": seeds}, iterations=1, ...)``.
    """
    import mesa

    seeds = list(seeds)
    if BATCH_RUN_TAKES_RNG:
        return mesa.batch_run(model_cls, parameters=dict(parameters), rng=seeds, **options)
    return mesa.batch_run(model_cls, parameters={**parameters, "rng": seeds}, iterations=1,
                          **options)
