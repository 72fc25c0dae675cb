"""The list of demos: name -> module, in the order a class would meet them."""

from __future__ import annotations

from types import ModuleType

from sim.demos import (
    asian_nato,
    burden_sharing,
    landscape,
    richardson,
    security_dilemma,
    stag_hunt,
)

DEMOS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (security_dilemma, burden_sharing, stag_hunt, landscape, richardson, asian_nato)
}
"""Each module has ``NAME``, ``SUMMARY`` (one line) and ``run(out_dir, ...)``."""

OPTIONS: dict[str, tuple[str, ...]] = {
    "landscape": ("actors", "propensity", "midpoint", "start"),
    "asian_nato": ("seeds",),
}
"""Demo-specific command-line options (the argparse destinations), by demo."""
