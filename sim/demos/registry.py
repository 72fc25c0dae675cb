"""The list of demos: name -> one-line summary, in the order a class would meet them.

Modules are imported only when a demo runs, so that listing the demos (or rejecting an
unknown name) does not pay for matplotlib, nashpy or Hydra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

DEMOS: dict[str, str] = {
    "security_dilemma": "arm or restrain: the prisoner's dilemma, and how repetition can "
    "sustain restraint",
    "burden_sharing": "NATO 2024 as a public-goods game: who free rides, and do the big carry "
    "the small?",
    "stag_hunt": "alliance commitment as an assurance game; how a side payment moves its "
    "equilibria",
    "landscape": "Axelrod & Bennett's landscape theory: energies, stable alignments and a descent",
    "richardson": "Richardson's arms race: a stable case and a runaway case, with their fixed "
    "points",
    "asian_nato": "the model on the 5-actor class world: does USD 1.5 bn a year create an Asian "
    "NATO?",
}
"""Each name is a module ``sim.demos.<name>`` with ``run(out_dir, ...)``."""

OPTIONS: dict[str, tuple[str, ...]] = {
    "landscape": ("actors", "propensity", "midpoint", "start"),
    "asian_nato": ("seeds",),
}
"""Demo-specific command-line options (the argparse destinations), by demo."""


def load(name: str) -> ModuleType:
    """The module of demo ``name`` (a key of :data:`DEMOS`)."""
    if name not in DEMOS:
        raise KeyError(name)
    return importlib.import_module(f"sim.demos.{name}")
