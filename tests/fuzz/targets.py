"""Fuzz targets derived from the schema: every numeric key of the config, how to set it from
the command line, and values that break it (or lie on the edge of its range).

Nothing here lists keys by hand: a key added to ``sim/schema.py`` with its range is fuzzed
without a new test (``sim.validate.numeric_keys`` walks the schema).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import strategies as st

from sim.schema import Range
from sim.validate import numeric_keys

ENTRY_NAMES = {
    "scenario.events.*.": "scenario.events.us_indo_pacific_injection.",
    "world.treaties.*.": "world.treaties.NATO.",
    "priors.*.": "priors.model.alignment.coercion_weight.",
}
"""A real entry of each open dictionary of entries (the injection scenario's event, NATO, the
coercion weight's prior)."""
SCENARIO_OF = {"scenario.events.": "scenario=injection_1p5b"}
PAIR_DICTS = ("world.affinity", "world.trade_exposure_pct_gdp")
"""Dictionaries keyed by pairs of states."""
YEAR_DICTS = ("world.gdp_path",)
"""Dictionaries of states, each a mapping of years to figures."""
AFFORDABLE = {"run.replicates": 3, "model.horizon": 30}
"""Largest value a fuzzed run may take where the range allows far more work than a test can
afford (the largest horizon has its own test)."""


@dataclass(frozen=True)
class Target:
    """One numeric key as the command line sets it."""

    key: str  # as in the schema, e.g. world.credibility or scenario.events.*.amount_usd_bn
    setting: str  # what goes before '=', e.g. ++world.credibility.USA
    range: Range
    integer: bool
    optional: bool
    container: str  # "scalar", "list" or "dict"
    base: tuple[str, ...]  # overrides the key needs (a scenario with such an event)

    def override(self, value: str) -> str:
        if self.container == "list":
            return f"{self.setting}=[{value}]"
        if self.key in YEAR_DICTS:  # keyed by year: a state's figures as a mapping
            return f"{self.setting}={{2025: {value}}}"
        return f"{self.setting}={value}"


def targets() -> list[Target]:
    out = []
    for k in numeric_keys().values():
        setting = k.key
        for pattern, entry in ENTRY_NAMES.items():
            setting = setting.replace(pattern, entry)
        if k.container == "dict":
            if k.key.endswith("channels"):
                setting = f"++{setting}.capability"
            elif k.key == "world.data_overrides":
                setting = f"++{setting}.USA.gdp_usd_bn"
            elif k.key in PAIR_DICTS:
                setting = f"++{setting}.USA-JPN"
            else:
                setting = f"++{setting}.USA"
        elif setting != k.key:
            setting = f"++{setting}"
        base = tuple(v for p, v in SCENARIO_OF.items() if k.key.startswith(p))
        out.append(Target(k.key, setting, k.range, k.integer, k.optional, k.container, base))
    return out


TARGETS = targets()


def _num(x: float | int) -> str:
    return str(x) if isinstance(x, int) else repr(float(x))


def bad_values(t: Target) -> st.SearchStrategy[str]:
    """Values the key must refuse: non-finite, outside the range, the wrong type, empty,
    unresolvable interpolations."""
    r = t.range
    always = ["nan", "inf", "-inf", "1e400", "abc", "''", "true", "{a: 1}", "${no_such_key}"]
    always += ["${oc.env:ALLIANCE_SIM_NO_SUCH_VARIABLE}"]
    if t.container != "list":
        always.append("[1, 2]")
    if not t.optional and t.container == "scalar":
        always.append("null")
    if t.integer:
        always += ["1.5", "-0.25"]
    options = [st.sampled_from(always)]
    if t.integer:
        if math.isfinite(r.hi):
            options.append(st.integers(int(r.hi) + 1, int(r.hi) + 10**30).map(_num))
        options.append(st.integers(int(r.lo) - 10**30, int(r.lo) - 1).map(_num))
    else:
        options.append(st.floats(r.hi, 1e300, exclude_min=not r.hi_open).map(_num))
        options.append(st.floats(-1e300, r.lo, exclude_max=not r.lo_open).map(_num))
    return st.one_of(options)


def edge_values(t: Target) -> st.SearchStrategy[str]:
    """Values inside the range, its closed ends included: the run must go through, or be
    refused by a check across settings with one line, never break."""
    r = t.range
    if t.integer:
        lo = int(r.lo) + (1 if r.lo_open else 0)
        hi = min(int(r.hi) - (1 if r.hi_open else 0), AFFORDABLE.get(t.key, int(r.hi)))
        ends = [v for v in (lo, hi) if lo <= v <= hi]
        return st.one_of(st.sampled_from(ends), st.integers(lo, hi)).map(_num)
    ends = [v for v, open_ in ((r.lo, r.lo_open), (r.hi, r.hi_open)) if not open_]
    inside = st.floats(r.lo, r.hi, exclude_min=r.lo_open, exclude_max=r.hi_open)
    return (st.one_of(st.sampled_from(ends), inside) if ends else inside).map(_num)
