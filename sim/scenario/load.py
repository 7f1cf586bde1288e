"""A whole scenario: the tables put together, validated across tables, read from TOML.

A scenario is a TOML file; :func:`load_scenario` reads it, :func:`scenario_from_dict`
validates a plain dictionary (reporting every problem at once, each with its key path,
value and what is allowed) and returns the frozen :class:`Scenario` the model consumes.
Nothing else reads the TOML.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario.schema import (
    MAX_CUSTOMERS,
    CustomerSpec,
    FirmSpec,
    Levers,
    MarketSpec,
    NetworkSpec,
    RunSpec,
)
from sim.scenario.validation import Problem, ScenarioError, build, param, to_plain

#: The scenario files shipped with the project, and the headline among them.
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
HEADLINE = SHIPPED / "bribery_vs_trust.toml"

#: Largest scenario or sweep file read (bytes): the shipped ones are a few kilobytes; a
#: larger file is refused before it is read, not parsed for minutes.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of tables and lists in a file (the schema needs four).
MAX_DEPTH = 12
#: Most firms in one market (firm indices are 16-bit in the engine).
MAX_FIRMS = 1000
#: Longest firm or strategy name (characters).
MAX_NAME = 100
#: Names that pandas reads back from a CSV file as missing values.
MISSING_LOOKALIKES = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})

@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A whole market: what :func:`load_scenario` returns and the model consumes."""

    name: str = param("scenario", doc="short name")
    description: str = param("", doc="what the scenario is for")
    run: RunSpec = param(RunSpec(), doc="run length, replications, seed")
    market: MarketSpec = param(MarketSpec(), doc="costs and time")
    network: NetworkSpec = param(NetworkSpec(), doc="social graph")
    customers: CustomerSpec = param(CustomerSpec(), doc="customer population and rules")
    strategies: dict[str, Levers] = param(doc="named lever settings")
    firms: tuple[FirmSpec, ...] = param(doc="the firms")
    #: Where the scenario came from (file path or '<dict>'); used to resolve relative paths.
    source: str = dataclasses.field(default="<dict>", compare=False)

    @property
    def n_firms(self) -> int:
        """Number of firms."""
        return len(self.firms)

    @property
    def capacity(self) -> int:
        """Everyone who is ever in the market: initial customers plus all arrivals."""
        return self.customers.n_initial + self.customers.arrived_by(self.run.steps)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form that :func:`scenario_from_dict` turns back into this scenario."""
        data = to_plain(self)
        data.pop("source")
        return data

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new, re-validated scenario with dotted keys replaced.

        ``{"customers.wom_reach": 3, "firms.0.levers.discount_depth": 0.2}``; a firm may
        also be named: ``"firms.Bribe Mart.levers.discount_depth"``. Changing a strategy's
        lever (``"strategies.trust.training"``) also changes it for every firm that starts
        from that strategy, as it would in the file.
        """
        data = self.to_dict()
        for dotted, value in overrides.items():
            _set_dotted(data, dotted, value)
            parts = dotted.split(".")
            if len(parts) == 3 and parts[0] == "strategies":
                for firm in data["firms"]:
                    if firm["strategy"] == parts[1]:
                        firm["levers"][parts[2]] = value
        return scenario_from_dict(data, source=self.source)

    def digest(self) -> str:
        """Stable hash of the scenario's content."""
        return hashlib.sha256(repr(self.to_dict()).encode()).hexdigest()[:16]


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, list):
            node = node[_list_index(node, key, ".".join(keys[: i + 1]))]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise ScenarioError("<overrides>", [Problem(dotted, value, f"no table {key!r}")])
    last = keys[-1]
    if isinstance(node, list):
        node[_list_index(node, last, dotted)] = value
    else:
        node[last] = value  # unknown keys are reported by the re-validation


def _list_index(items: list[Any], key: str, where: str) -> int:
    if key.isdigit() and int(key) < len(items):
        return int(key)
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == key:
            return i
    raise ScenarioError("<overrides>", [Problem(where, key, "no such list entry or firm name")])


_LEVER_KEYS = {f.name for f in dataclasses.fields(Levers)}


def _resolve_firms(data: Mapping[str, Any], problems: list[Problem],
                   inherited_keys: dict[int, set[str]], strategy_of: dict[int, Any]) -> Any:
    """Turn ``[[firms]]`` entries into FirmSpec input: strategy levers + overrides."""
    firms = data.get("firms")
    strategies = data.get("strategies")
    if not isinstance(firms, list):
        return firms  # build() reports the wrong type or the missing key
    if not isinstance(strategies, Mapping):
        strategies = {}
    resolved = []
    for i, firm in enumerate(firms):
        if not isinstance(firm, Mapping):
            resolved.append(firm)
            continue
        firm = dict(firm)
        name = firm.get("strategy")
        base = strategies.get(name) if isinstance(name, str) else None
        if isinstance(name, str) and base is None:
            import difflib

            hint = difflib.get_close_matches(name, list(strategies), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            problems.append(Problem(f"firms[{i}].strategy", name,
                                    f"no [strategies.{name}] table{extra} "
                                    f"(defined: {', '.join(strategies) or 'none'})"))
        overrides = firm.get("levers", {})
        if isinstance(overrides, Mapping):
            inherited = base if isinstance(base, Mapping) else {}
            # Keys that are not levers are reported once, under the strategy.
            firm["levers"] = {**{k: v for k, v in inherited.items() if k in _LEVER_KEYS},
                              **overrides}
            inherited_keys[i] = set(firm["levers"]) - set(overrides)
            strategy_of[i] = name
        resolved.append(firm)
    return resolved


def _drop_inherited(problems: list[Problem], inherited_keys: dict[int, set[str]],
                    strategy_of: dict[int, Any]) -> list[Problem]:
    """Report a bad lever once, under its strategy, not again under every firm using it."""
    reported = {p.path for p in problems}
    kept = []
    for p in problems:
        parts = p.path.split(".")
        if len(parts) == 3 and parts[0].startswith("firms[") and parts[1] == "levers":
            i = int(parts[0][6:-1])
            key = parts[2]
            if (key in inherited_keys.get(i, ()) or key == "discount_duration") and \
                    f"strategies.{strategy_of.get(i)}.{key}" in reported:
                continue
        kept.append(p)
    return kept


def scenario_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a plain dictionary (parsed TOML) and return the frozen :class:`Scenario`.

    Raises
    ------
    ScenarioError
        Listing every problem found, each with its key path, value and what is allowed.
    """
    deep = too_deep(data)
    if deep is not None:
        raise ScenarioError(source, [Problem(deep, "(nested value)", f"nested more than "
                                             f"{MAX_DEPTH} levels deep")])
    problems: list[Problem] = []
    data = copy.deepcopy(dict(data))
    data.pop("source", None)
    inherited_keys: dict[int, set[str]] = {}
    strategy_of: dict[int, Any] = {}
    if "firms" in data:
        data["firms"] = _resolve_firms(data, problems, inherited_keys, strategy_of)
    scenario = build(Scenario, data, problems=problems)
    if scenario is not dataclasses.MISSING:
        scenario = dataclasses.replace(scenario, source=source)
        problems += _check_scenario(scenario)
    problems = _drop_inherited(problems, inherited_keys, strategy_of)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def _check_scenario(s: Scenario) -> list[Problem]:
    """Checks that involve more than one table."""
    problems = []
    if not s.firms:
        problems.append(Problem("firms", [], "at least one [[firms]] entry is needed"))
    if len(s.firms) > MAX_FIRMS:
        problems.append(Problem("firms", f"{len(s.firms)} entries",
                                f"at most {MAX_FIRMS} firms in one market"))
    seen: dict[str, int] = {}
    for i, firm in enumerate(s.firms):
        problems += label_problems(f"firms[{i}].name", firm.name, "firm")
        key = firm.name.strip()
        if key in seen:
            problems.append(Problem("firms.name", firm.name, f"firm names must be unique "
                                    f"(firms[{seen[key]}] and firms[{i}])"))
        seen.setdefault(key, i)
    for name in s.strategies:
        problems += label_problems(f"strategies.{name}", name, "strategy")
    names = [f.name for f in s.firms]
    buys_from = s.customers.arrivals_buy_from
    if buys_from and buys_from not in names:
        import difflib

        hint = difflib.get_close_matches(buys_from, names, n=1)
        problems.append(Problem("customers.arrivals_buy_from", buys_from,
                                "no firm of that name" + (f"; did you mean {hint[0]!r}?"
                                                          if hint else "")
                                + f" (firms: {', '.join(names) or 'none'})"))
    for i, firm in enumerate(s.firms):
        if firm.adaptive is None:
            continue
        for name in firm.adaptive.alternatives:
            if name not in s.strategies:
                problems.append(Problem(f"firms[{i}].adaptive.alternatives", name,
                                        f"no [strategies.{name}] table (defined: "
                                        f"{', '.join(s.strategies)})"))
        if firm.strategy not in firm.adaptive.alternatives:
            problems.append(Problem(f"firms[{i}].adaptive.alternatives",
                                    list(firm.adaptive.alternatives),
                                    f"must include the starting strategy {firm.strategy!r}"))
    capacity = s.capacity
    random_kinds = ("watts_strogatz", "erdos_renyi", "barabasi_albert")
    if s.network.kind in random_kinds and capacity > 1 and s.network.mean_degree >= capacity:
        problems.append(Problem("network.mean_degree", s.network.mean_degree,
                                f"must be below the number of customers ({capacity})"))
    if s.network.kind == "complete" and capacity > 20_000:
        problems.append(Problem("network.kind", "complete", f"a complete graph on {capacity} "
                                "customers is too large; allowed up to 20000 (use "
                                "'well_mixed': the same mixing without storing the edges)"))
    if s.network.kind == "file" and s.network.path:
        path = graph_path(s)
        if not path.is_file():
            problems.append(Problem("network.path", s.network.path,
                                    f"graph file not found (looked at {path})"))
    if capacity > MAX_CUSTOMERS:
        c = s.customers
        # Name what makes the market too large: the schedule, if it alone does.
        scheduled = c.n_initial + sum(c.arrival_schedule[:s.run.steps])
        key, value = (("customers.arrival_schedule", f"{len(c.arrival_schedule)} steps, "
                       f"{sum(c.arrival_schedule)} arrivals")
                      if scheduled > MAX_CUSTOMERS or not c.arrivals_per_step
                      else ("customers.arrivals_per_step", c.arrivals_per_step))
        problems.append(Problem(key, value, f"{capacity} customers over the run "
                                f"(n_initial {c.n_initial} and every arrival of run.steps "
                                f"{s.run.steps}); allowed up to {MAX_CUSTOMERS}"))
    return problems


def label_problems(path: str, name: str, what: str) -> list[Problem]:
    """Problems with a firm's or strategy's name: it labels rows of every table written,
    so it must be a visible, single-line text that reads back as itself."""
    if not name.strip():
        return [Problem(path, name, f"a {what} needs a non-empty name")]
    if name != name.strip():
        return [Problem(path, name, f"remove the spaces around the {what} name")]
    if name in MISSING_LOOKALIKES:
        return [Problem(path, name, f"a {what} name that CSV readers take for a missing "
                        "value; choose another")]
    if any(not ch.isprintable() for ch in name):
        return [Problem(path, name, f"the {what} name has a line break or control character")]
    if len(name) > MAX_NAME:
        return [Problem(path, name, f"at most {MAX_NAME} characters")]
    return []


def graph_path(s: Scenario) -> Path:
    """The graph file of a ``kind='file'`` network, relative to the scenario file."""
    path = Path(s.network.path or "")
    if not path.is_absolute() and s.source not in ("<dict>", "<overrides>"):
        path = Path(s.source).parent / path
    return path


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises
    ------
    ScenarioError
        If the file cannot be read, is not valid TOML, or fails validation; the message
        names the file and every problem.
    """
    path = Path(path)
    data, _ = read_toml(path)
    return scenario_from_dict(data, source=str(path))


def read_toml(path: Path, what: str = "scenario") -> tuple[dict[str, Any], str]:
    """Parse a TOML file of at most :data:`MAX_FILE_BYTES` nested at most
    :data:`MAX_DEPTH` deep; return the data and the text.

    Raises
    ------
    ScenarioError
        Naming the file, when it is missing, not a regular file, too large, not UTF-8,
        not TOML or nested too deeply.
    """
    def refuse(message: str, value: Any = "(file)") -> ScenarioError:
        return ScenarioError(str(path), [Problem("", value, message)], what)

    try:
        if not path.is_file():
            raise refuse("cannot read file: " + ("no such file" if not path.exists() else
                                                  "not a regular file"), str(path))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise refuse(f"cannot read file: {size:,} bytes; a {what} file may have at most "
                         f"{MAX_FILE_BYTES:,} (split it, or move data such as graphs into "
                         "their own files)", str(path))
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # grew while we looked
            raise refuse(f"cannot read file: more than {MAX_FILE_BYTES:,} bytes", str(path))
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(f"cannot read file: {exc}", str(path)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise refuse(f"not valid TOML: {exc}") from exc
    except RecursionError as exc:  # tomllib parses nested values recursively
        raise refuse(f"nested too deeply (allowed: {MAX_DEPTH} levels of tables and "
                     "lists)") from exc
    deep = too_deep(data)
    if deep is not None:
        raise refuse(f"nested more than {MAX_DEPTH} levels deep (tables and lists); "
                     "no key of a scenario needs that", deep)
    return data, text


def too_deep(data: Any, limit: int = MAX_DEPTH) -> str | None:
    """The key path of the first value nested more than ``limit`` deep, else None (walked
    with an explicit stack: deep data must not exhaust Python's)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > limit:
            return where
        if isinstance(value, Mapping):
            stack += [(v, f"{where}.{k}" if where else str(k), depth + 1)
                      for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    return None


def scenario_text(path: str | Path) -> str:
    """The scenario file's text, as recorded in provenance files."""
    return Path(path).read_text(encoding="utf-8")
