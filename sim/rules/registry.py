"""The registry of alignment rules: name -> class.

A rule registers itself with the ``register`` decorator in its own module; the model asks
``get_rule(config.rule)`` for the class and builds one instance per run.
"""

from __future__ import annotations

from sim.errors import UserError
from sim.rules.base import AlignmentRule

_RULES: dict[str, type[AlignmentRule]] = {}


def register[R: type[AlignmentRule]](cls: R) -> R:
    """Class decorator: add an ``AlignmentRule`` subclass to the registry under ``cls.name``.

    Raises:
        ValueError: the class has no name, or another class holds the name.
    """
    if not (isinstance(cls, type) and issubclass(cls, AlignmentRule)):
        raise TypeError(f"{cls!r} is not an AlignmentRule subclass")
    if not cls.name:
        raise ValueError(f"rule class {cls.__qualname__} has no name")
    if _RULES.get(cls.name, cls) is not cls:
        raise ValueError(f"an alignment rule named {cls.name!r} is already registered")
    _RULES[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a rule from the registry (tests that register a rule of their own)."""
    _RULES.pop(name, None)


def known_rules() -> tuple[str, ...]:
    """The registered rule names, in registration order."""
    return tuple(_RULES)


def get_rule(name: str) -> type[AlignmentRule]:
    """The rule class registered under ``name``.

    Raises:
        UserError: no rule has that name (the message lists the known ones).
    """
    try:
        return _RULES[name]
    except (KeyError, TypeError):
        raise UserError(
            f"model.alignment.rule '{name}' is unknown; use one of {', '.join(_RULES)}"
        ) from None
