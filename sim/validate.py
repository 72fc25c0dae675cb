"""Every number of a config checked where it enters: finite and within its documented range.

The ranges live in the schema (``sim.schema``: each numeric field declares a ``Range`` beside its
type); this module walks a composed config against the schema, including the entries of the
open dictionaries (per-state values, pairs, treaties, events), and refuses the first value that
is not a finite number within its range with one line naming the key, the range and the fix.
It runs before any world is built or file written, so a non-finite or absurd value never
spreads into a run.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.errors import UserError
from sim.schema import Config, Range, typed_entry

NUMBER_TYPES = (int, float)


@cache
def _hints(schema: type) -> dict[str, Any]:
    return typing.get_type_hints(schema)


def _numeric(tp: Any) -> bool:
    """Whether a field type holds numbers (int, float, their optionals, lists and dicts)."""
    if tp in NUMBER_TYPES:
        return True
    return any(_numeric(a) for a in typing.get_args(tp) if a is not type(None))


def check_value(value: Any, key: str, where: Range | None) -> None:
    """One number: a real number (not a bool), finite, within ``where``.

    Raises:
        UserError: naming the key, the value and the range.
    """
    span = f" in {where}" if where is not None else ""
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES):
        raise UserError(f"{key} must be a number{span} (got {value!r})")
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"{key} must be a finite number{span} (got {value})")
    if where is not None and value not in where:
        raise UserError(f"{key} must lie in {where} (got {value:g}); see docs/configuration.md")


def _dict_depth(tp: Any) -> int:
    """How many levels of dicts a field's type nests: ``dict[str, float]`` 1, the data
    overrides' ``dict[str, dict[str, float]]`` 2, a number or a list of numbers 0."""
    if typing.get_origin(tp) is dict:
        return 1 + _dict_depth(typing.get_args(tp)[-1])
    return max((_dict_depth(a) for a in typing.get_args(tp)), default=0)


def _check_numbers(value: Any, key: str, where: Range | None, depth: int = 0) -> None:
    """A number, or each number of a list or of ``depth`` levels of dicts (nested dicts: data
    overrides); a dict deeper than its type allows is not a number."""
    if value is None:
        return
    if isinstance(value, dict) and depth > 0:
        for k, v in value.items():
            _check_numbers(v, f"{key}.{k}", where, depth - 1)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_numbers(v, f"{key}[{i}]", where, depth)
    else:
        check_value(value, key, where)


def _plain(node: Any) -> Any:
    if isinstance(node, DictConfig | ListConfig):
        return OmegaConf.to_container(node, resolve=True)
    return node


def path_entries(node: Any, schema: type, where: str) -> dict[str, Any]:
    """The entries of a dict keyed by dotted config paths (a schema field made with
    ``sim.schema.paths``, such as ``priors``), as ``{"model.alignment.x": entry}``.

    Entries may be written nested (``model: {alignment: {x: {low: 0, high: 1}}}``, which is
    what ``+priors.model.alignment.x={low:0,high:1}`` on the command line adds) or under a
    dotted key (``model.alignment.x: {...}``); an entry is a mapping holding a field of
    ``schema``.

    Raises:
        UserError: a value that is neither an entry nor a mapping of entries, or a path given
            twice.
    """
    names = [f.name for f in fields(schema)]
    out: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and not set(names) & set(value):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
            return
        if not path:
            raise UserError(
                f"{where} maps config paths to entries, e.g. {where}.model.x={{low: 0, high: 1}}"
            )
        if not isinstance(value, dict):
            raise UserError(
                f"{where}.{path} must be a mapping with the fields {', '.join(names)} "
                f"(got {value!r})"
            )
        if path in out:
            raise UserError(f"{where}.{path} is given twice (nested and dotted); keep one")
        out[path] = value

    walk(_plain(node) or {}, "")
    return out


def check_node(node: Any, schema: type, prefix: str) -> None:
    """Check every numeric field of ``node`` (a config node or a dataclass of ``schema``)."""
    hints = _hints(schema)
    for f in fields(schema):
        key = f"{prefix}{f.name}"
        value = getattr(node, f.name) if is_dataclass(node) else node.get(f.name)
        sub = f.metadata.get("entries")
        if sub is not None:
            found = (
                path_entries(value, sub, key) if f.metadata.get("paths") else _plain(value) or {}
            )
            for name, entry in found.items():
                typed = typed_entry(entry, sub, f"{key}.{name}")
                check_node(typed, sub, f"{key}.{name}.")
        elif is_dataclass(hints[f.name]):
            check_node(value, hints[f.name], f"{key}.")
        elif _numeric(hints[f.name]):
            depth = _dict_depth(hints[f.name])
            _check_numbers(_plain(value), key, f.metadata.get("range"), depth)


def check_numbers(cfg) -> None:
    """Check every number of a composed config against the schema's ranges.

    Raises:
        UserError: the first value that is not a finite number within its documented range.
    """
    check_node(cfg, Config, "")


def check_config(cfg) -> None:
    """A composed config is complete (no mandatory value left unset) and every number in it is
    finite and within its range.

    Raises:
        UserError: the first missing value (``scenario=[]`` leaves the scenario unnamed) or bad
            number.
    """
    if isinstance(cfg, DictConfig):
        missing = sorted(OmegaConf.missing_keys(cfg))
        if missing:
            group = missing[0].split(".")[0]
            hint = (
                f"; choose a {group} file ({group}=NAME), or a non-empty list of them"
                if group in ("scenario", "world")
                else ""
            )
            raise UserError(f"{missing[0]} must be set (e.g. {missing[0]}=VALUE){hint}")
    check_numbers(cfg)


NOTES = {
    "seed": "numpy's SeedSequence takes any non-negative integer; tables store int64",
    "model.horizon": "years after the base year",
    "world.data_overrides": "USD bn (gdp_usd_bn, defence_usd_bn)",
    "world.affinity": "pairwise adjustments; affinities end in [-1, 1]",
    "world.gdp_growth": "nominal growth a year",
    "scenario.events.*.amount_usd_bn": "USD bn a year",
    "scenario.events.*.spending_usd_bn": "USD bn",
}


@dataclass(frozen=True)
class NumericKey:
    """A numeric key of the schema: its name (entries of open dicts as ``name.*.field``), its
    range and its annotated type."""

    key: str
    range: Range | None
    type: Any

    @property
    def container(self) -> str:
        """``"scalar"``, ``"list"`` or ``"dict"`` (per state, pair or channel)."""
        origin = typing.get_origin(self.type)
        return "dict" if origin is dict else "list" if origin is list else "scalar"

    @property
    def optional(self) -> bool:
        return type(None) in typing.get_args(self.type)

    @property
    def integer(self) -> bool:
        leaf = self.type
        while typing.get_args(leaf):
            args = [a for a in typing.get_args(leaf) if a is not type(None)]
            leaf = args[-1]
        return leaf is int


def numeric_keys(schema: type = Config, prefix: str = "") -> dict[str, NumericKey]:
    """Every numeric key of the schema with its range and type: the list that
    docs/configuration.md prints and the fuzz suite draws from."""
    out: dict[str, NumericKey] = {}
    hints = _hints(schema)
    for f in fields(schema):
        key = f"{prefix}{f.name}"
        sub = f.metadata.get("entries")
        if sub is not None:
            out.update(numeric_keys(sub, f"{key}.*."))
        elif is_dataclass(hints[f.name]):
            out.update(numeric_keys(hints[f.name], f"{key}."))
        elif _numeric(hints[f.name]):
            out[key] = NumericKey(key, f.metadata.get("range"), hints[f.name])
    return out


NOTES = {
    "seed": "numpy's SeedSequence takes any non-negative integer; tables store int64",
    "model.horizon": "years after the base year",
    "world.data_overrides": "USD bn, per state: gdp_usd_bn, defence_usd_bn",
    "world.affinity": "pairwise adjustments; affinities end in [-1, 1]",
    "world.gdp_growth": "nominal growth a year, per state",
    "world.gdp_path": "actual GDP, USD bn, per state and year: `FIN: {2025: 300.0}`",
    "scenario.events.*.amount_usd_bn": "USD bn a year",
    "scenario.events.*.spending_usd_bn": "USD bn",
    "run.replicates": "seeds per job",
    "priors.*.low": "in the unit of the key `*` (a dotted config path); within its range",
    "priors.*.high": "as `low`; at least `low`",
}


def ranges_markdown() -> str:
    """The table of every numeric key and its range, for docs/configuration.md."""
    rows = ["| key | range | values | note |", "|---|---|---|---|"]
    for k in numeric_keys().values():
        kind = "integers" if k.integer else "numbers"
        kind += {"list": " (a list)", "dict": " (per entry)"}.get(k.container, "")
        kind += ", or null" if k.optional else ""
        rows.append(f"| `{k.key}` | {k.range} | {kind} | {NOTES.get(k.key, '')} |")
    return "\n".join(rows) + "\n"
