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
from dataclasses import fields, is_dataclass
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


def _check_numbers(value: Any, key: str, where: Range | None) -> None:
    """A number, or each number of a list or dict (nested dicts: data overrides)."""
    if value is None:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, f"{key}.{k}", where)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_numbers(v, f"{key}[{i}]", where)
    else:
        check_value(value, key, where)


def _plain(node: Any) -> Any:
    if isinstance(node, DictConfig | ListConfig):
        return OmegaConf.to_container(node, resolve=True)
    return node


def check_node(node: Any, schema: type, prefix: str) -> None:
    """Check every numeric field of ``node`` (a config node or a dataclass of ``schema``)."""
    hints = _hints(schema)
    for f in fields(schema):
        key = f"{prefix}{f.name}"
        value = getattr(node, f.name) if is_dataclass(node) else node.get(f.name)
        sub = f.metadata.get("entries")
        if sub is not None:
            for name, entry in (_plain(value) or {}).items():
                typed = typed_entry(entry, sub, f"{key}.{name}")
                check_node(typed, sub, f"{key}.{name}.")
        elif is_dataclass(hints[f.name]):
            check_node(value, hints[f.name], f"{key}.")
        elif _numeric(hints[f.name]):
            _check_numbers(_plain(value), key, f.metadata.get("range"))


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


def numeric_keys(schema: type = Config, prefix: str = "") -> dict[str, Range | None]:
    """Every numeric key of the schema (entries of open dicts as ``name.*``) and its range: the
    list that docs/configuration.md prints and the fuzz suite draws from."""
    out: dict[str, Range | None] = {}
    hints = _hints(schema)
    for f in fields(schema):
        key = f"{prefix}{f.name}"
        sub = f.metadata.get("entries")
        if sub is not None:
            out.update(numeric_keys(sub, f"{key}.*."))
        elif is_dataclass(hints[f.name]):
            out.update(numeric_keys(hints[f.name], f"{key}."))
        elif _numeric(hints[f.name]):
            out[key] = f.metadata.get("range")
    return out
