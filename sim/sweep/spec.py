"""The sweep file: a base scenario, the parameters to vary, the design, replications.

Example (``scenarios/sweeps/discount_x_service.toml``)::

    [sweep]
    base = "../bribery_vs_trust.toml"     # relative to this file
    design = "grid"                        # grid | lhs | sobol | morris
    replications = 5
    seed = 2026
    overrides = { "customers.n_initial" = 1000, "run.steps" = 260 }
    difference = ["Trusty Goods", "Bargain Barn"]   # outcome: first minus second

    [[sweep.parameters]]
    path = "firms.0.levers.discount_depth"  # any dotted scenario path
    values = [0.0, 0.1, 0.2, 0.3]

    [[sweep.parameters]]
    path = "customers.wom_reach"
    range = [2.0, 6.0]                      # sampled designs; grid needs `levels`
    distribution = "uniform"                # uniform | loguniform | normal | integer

    [[sweep.parameters]]
    path = "network.kind"
    choices = ["watts_strogatz", "erdos_renyi"]

Every problem is reported at once, with the file, the key path, the value and what is
allowed; each parameter path is checked by applying its values to the base scenario, so
a misspelt path or an impossible value is named before anything runs.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.scenario import Problem, Scenario, ScenarioError, load_scenario
from sim.scenario.load import read_toml
from sim.sweep.derived import check_derived, derive

DESIGNS = ("grid", "lhs", "sobol", "morris")
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "integer")
#: ``normal``: the range is the central 95 % of a normal distribution, truncated to it.
NORMAL_MASS = 0.95
SWEEP_KEYS = ("base", "design", "replications", "seed", "samples", "levels", "overrides",
              "difference", "evaluator", "parameters", "morris_levels", "derived")
PARAMETER_KEYS = ("path", "values", "choices", "range", "distribution", "levels")
#: The evaluator that runs the market model; others are ``"module:function"`` test functions.
MARKET = "market"
#: Most points a design may have, and most runs (points x replications) a sweep may ask
#: for: a typo such as ``levels = 1000000`` is named before the design is built.
MAX_POINTS = 1_000_000
MAX_RUNS = 10_000_000
#: Most values a range takes in a grid, and most Morris levels.
MAX_LEVELS = 1000


@dataclass(frozen=True)
class Parameter:
    """One dimension of the space: discrete ``values``, categorical ``choices`` or a
    continuous ``range`` with a distribution."""

    path: str
    values: tuple[Any, ...] | None = None
    choices: tuple[Any, ...] | None = None
    range: tuple[float, float] | None = None
    distribution: str = "uniform"
    levels: int | None = None

    @property
    def kind(self) -> str:
        """``"values"``, ``"choices"`` or ``"range"``."""
        return "range" if self.range is not None else (
            "choices" if self.choices is not None else "values")

    @property
    def options(self) -> tuple[Any, ...]:
        """The discrete options (values or choices); empty for a range."""
        return self.values if self.values is not None else (self.choices or ())

    def from_unit(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1] (how sampled designs place points)."""
        if self.range is None:
            options = self.options
            return options[min(int(u * len(options)), len(options) - 1)]
        lo, hi = self.range
        if self.distribution == "loguniform":
            return float(math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
        if self.distribution == "normal":
            from scipy.stats import norm

            q = norm.ppf(0.5 + NORMAL_MASS * (u - 0.5))  # stays inside the range at u = 0, 1
            z = norm.ppf(0.5 + NORMAL_MASS / 2)
            return float((lo + hi) / 2 + q / z * (hi - lo) / 2)
        if self.distribution == "integer":
            return int(min(hi, lo + int(u * (hi - lo + 1))))
        return float(lo + u * (hi - lo))

    def grid_values(self, default_levels: int) -> tuple[Any, ...]:
        """The values a full grid takes: the options, or ``levels`` evenly spaced."""
        if self.range is None:
            return self.options
        n = self.levels or default_levels
        if n == 1:
            return (self.from_unit(0.5),)
        seen: dict[Any, None] = {}
        for i in range(n):
            seen[self.from_unit(i / (n - 1))] = None
        return tuple(seen)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep file."""

    source: Path
    text: str
    base_path: Path | None
    base: Scenario | None
    design: str
    replications: int
    seed: int
    samples: int
    levels: int
    morris_levels: int
    overrides: dict[str, Any]
    difference: tuple[str, str] | None
    evaluator: str
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    #: Scenario paths set at every point from an expression of the point's parameters
    #: and the base scenario's values (:mod:`sim.sweep.derived`).
    derived: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """sha256 of the sweep text and the base scenario's text (what resuming checks)."""
        h = hashlib.sha256(self.text.encode())
        if self.base_path is not None:
            h.update(self.base_path.read_bytes())
        return h.hexdigest()

    @property
    def names(self) -> list[str]:
        """The parameter paths, in file order."""
        return [p.path for p in self.parameters]

    def point_overrides(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A point's parameters with the derived paths added (what a run overrides)."""
        return {**params, **derive(self.derived, params, self.base)} if self.derived else (
            dict(params))


#: What a sweep file's errors call it (:class:`ScenarioError`'s ``what``).
SWEEP_FILE = "sweep file"


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; raise :class:`ScenarioError` listing every problem."""
    path = Path(path)
    data, text = read_toml(path, SWEEP_FILE)
    return sweep_from_dict(data, path, text)


def sweep_from_dict(data: Mapping[str, Any], path: Path, text: str = "") -> SweepSpec:
    """Validate a parsed sweep file (see :func:`load_sweep`)."""
    problems: list[Problem] = []
    for key in data:
        if key != "sweep":
            problems.append(Problem(key, data[key], "unknown table; a sweep file has one "
                                    "[sweep] table"))
    sweep = data.get("sweep")
    if not isinstance(sweep, Mapping):
        raise ScenarioError(str(path), [*problems, Problem("sweep", sweep,
                                                           "a [sweep] table is required")],
                            SWEEP_FILE)
    _unknown(sweep, SWEEP_KEYS, "sweep", problems)
    evaluator = sweep.get("evaluator", MARKET)
    if not isinstance(evaluator, str) or (evaluator != MARKET and ":" not in evaluator):
        problems.append(Problem("sweep.evaluator", evaluator,
                                f"'{MARKET}' or 'module:function' of a test function"))
        evaluator = MARKET
    design = sweep.get("design", "grid")
    if design not in DESIGNS:
        hint = difflib.get_close_matches(str(design), DESIGNS, n=1)
        problems.append(Problem("sweep.design", design, f"one of {', '.join(DESIGNS)}"
                                + (f" (did you mean {hint[0]!r}?)" if hint else "")))
        design = "grid"
    replications = _int(sweep, "replications", 1, 1, problems, MAX_RUNS)
    seed = _int(sweep, "seed", 0, 0, problems, 2**63 - 1)
    samples = _int(sweep, "samples", 64, 1, problems, MAX_POINTS)
    levels = _int(sweep, "levels", 3, 1, problems, MAX_LEVELS)
    morris_levels = _int(sweep, "morris_levels", 4, 2, problems, MAX_LEVELS)
    if design == "sobol" and samples & (samples - 1):
        problems.append(Problem("sweep.samples", samples,
                                "Sobol sampling needs a power of two (e.g. 64, 128, 256)"))

    base_path, base = None, None
    if evaluator == MARKET:
        if not isinstance(sweep.get("base"), str):
            problems.append(Problem("sweep.base", sweep.get("base"),
                                    "the base scenario file, relative to this sweep file"))
        else:
            base_path = (path.parent / sweep["base"]).resolve()
            try:
                base = load_scenario(base_path)
            except ScenarioError as exc:
                problems += [Problem(f"sweep.base ({base_path.name}) {p.path}", p.value,
                                     p.message) for p in exc.problems]
    overrides = sweep.get("overrides", {})
    if not isinstance(overrides, Mapping):
        problems.append(Problem("sweep.overrides", overrides,
                                "a table of dotted scenario paths and values"))
        overrides = {}
    difference = sweep.get("difference")
    if difference is not None:
        if (not isinstance(difference, list) or len(difference) != 2
                or not all(isinstance(d, str) for d in difference)):
            problems.append(Problem("sweep.difference", difference,
                                    "two firm names: the outcome is the first minus the second"))
            difference = None
        elif base is not None:
            names = [f.name for f in base.firms]
            for i, name in enumerate(difference):
                if name not in names:
                    problems.append(Problem(f"sweep.difference[{i}]", name,
                                            f"not a firm of the base scenario ({names})"))
            difference = tuple(difference)

    parameters = _parameters(sweep.get("parameters"), design, problems)
    size = design_size(design, parameters, samples, levels)
    if size > MAX_POINTS or size * replications > MAX_RUNS:
        problems.append(Problem("sweep", f"{size:,} points x {replications} replications",
                                f"at most {MAX_POINTS:,} points and {MAX_RUNS:,} runs; "
                                "lower samples, levels, values or replications"))
    if base is not None and overrides:
        try:
            base = base.with_overrides(overrides)
        except ScenarioError as exc:
            problems += [Problem(f"sweep.overrides {p.path}", p.value, p.message)
                         for p in exc.problems]
    if base is not None:
        _check_against_base(base, parameters, problems)
    derived = check_derived(sweep.get("derived", {}), parameters, base, problems)
    if problems:
        raise ScenarioError(str(path), problems, SWEEP_FILE)
    return SweepSpec(source=path, text=text, base_path=base_path, base=base, design=design,
                     replications=replications, seed=seed, samples=samples, levels=levels,
                     morris_levels=morris_levels, overrides=dict(overrides),
                     difference=difference, evaluator=evaluator, parameters=parameters,
                     derived=derived)


def _unknown(table: Mapping[str, Any], allowed: tuple[str, ...], where: str,
             problems: list[Problem]) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            problems.append(Problem(f"{where}.{key}", table[key], "unknown key"
                                    + (f"; did you mean {hint[0]!r}?" if hint else "")
                                    + f" (allowed: {', '.join(allowed)})"))


def _int(table: Mapping[str, Any], key: str, default: int, least: int,
         problems: list[Problem], most: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        problems.append(Problem(f"sweep.{key}", value,
                                f"a whole number from {least} to {most:,}"))
        return default
    return value


def design_size(design: str, parameters: tuple[Parameter, ...], samples: int,
                levels: int) -> int:
    """How many points the design will have (computed, not built)."""
    d = len(parameters)
    if design == "grid":
        return math.prod(len(p.options) if p.range is None else (p.levels or levels)
                         for p in parameters)
    return samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[design]


def _parameters(raw: Any, design: str, problems: list[Problem]) -> tuple[Parameter, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem("sweep.parameters", raw,
                                "at least one [[sweep.parameters]] entry"))
        return ()
    out, seen = [], set()
    for i, entry in enumerate(raw):
        where = f"sweep.parameters[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, entry, "a table with path and values, choices "
                                    "or range"))
            continue
        _unknown(entry, PARAMETER_KEYS, where, problems)
        path = entry.get("path")
        if not isinstance(path, str) or not path:
            problems.append(Problem(f"{where}.path", path, "a dotted scenario path, e.g. "
                                    "'customers.wom_reach'"))
            continue
        if path in seen:
            problems.append(Problem(f"{where}.path", path, "varied twice"))
        seen.add(path)
        given = [k for k in ("values", "choices", "range") if k in entry]
        if len(given) != 1:
            problems.append(Problem(where, {k: entry[k] for k in given},
                                    "exactly one of values, choices, range"))
            continue
        kind = given[0]
        distribution = entry.get("distribution", "uniform")
        if distribution not in DISTRIBUTIONS:
            problems.append(Problem(f"{where}.distribution", distribution,
                                    f"one of {', '.join(DISTRIBUTIONS)}"))
            distribution = "uniform"
        levels = entry.get("levels")
        if levels is not None and (isinstance(levels, bool) or not isinstance(levels, int)
                                   or not 1 <= levels <= MAX_LEVELS):
            problems.append(Problem(f"{where}.levels", levels,
                                    f"a whole number from 1 to {MAX_LEVELS}"))
            levels = None
        if kind == "range":
            rng = entry["range"]
            if (not isinstance(rng, list) or len(rng) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in rng) or not math.isfinite(float(rng[1]) - rng[0])
                    or rng[0] >= rng[1]):
                problems.append(Problem(f"{where}.range", rng, "[low, high] finite numbers "
                                        "with low < high"))
                continue
            if distribution == "loguniform" and rng[0] <= 0:
                problems.append(Problem(f"{where}.range", rng, "loguniform needs low > 0"))
                continue
            out.append(Parameter(path, range=(float(rng[0]), float(rng[1])),
                                 distribution=distribution, levels=levels))
        else:
            options = entry[kind]
            if not isinstance(options, list) or not 1 <= len(options) <= MAX_LEVELS:
                problems.append(Problem(f"{where}.{kind}", options,
                                        f"a list of 1 to {MAX_LEVELS} values"))
                continue
            if len(set(map(repr, options))) != len(options):
                problems.append(Problem(f"{where}.{kind}", options, "values repeat"))
                continue
            out.append(Parameter(path, **{kind: tuple(options)}))
    if design in ("sobol", "morris") and out and not any(p.range for p in out):
        problems.append(Problem("sweep.design", design, f"a {design} design needs at least "
                                "one parameter with a range"))
    return tuple(out)


def _check_against_base(base: Scenario, parameters: tuple[Parameter, ...],
                        problems: list[Problem]) -> None:
    """Apply each parameter's extreme and listed values to the base scenario, alone, so
    that a bad path or an impossible value is reported under the parameter's name."""
    for i, p in enumerate(parameters):
        trial = p.options if p.range is None else (p.from_unit(0.0), p.from_unit(1.0))
        for value in trial:
            try:
                base.with_overrides({p.path: value})
            except ScenarioError as exc:
                for q in exc.problems:
                    problems.append(Problem(f"sweep.parameters[{i}] ({p.path})", value,
                                            f"{q.path}: {q.message}"))
                break
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                problems.append(Problem(f"sweep.parameters[{i}].path", p.path,
                                        f"not a scenario path: {exc}"))
                break
