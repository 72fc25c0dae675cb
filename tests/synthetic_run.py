"""Small, realistic run tables that follow the output contract (``docs/outputs.md``).

The real model will write these tables; this module builds stand-ins so that code which only
reads run tables (plots, reports) can be developed and tested without running the model.

A synthetic run has, as treaty alliances, NATO, ANZUS and the US bilateral treaties with Japan,
Korea and the Philippines (``ties.source`` names the treaty that implies a tie, as in the real
model); a China-Russia camp; budgets that drift with seeded noise; and an "Asian NATO" bloc (USA,
JPN, KOR, AUS, then PHL) that forms half-way through the run, followed by a China-Russia-North
Korea bloc and a formal tie between Türkiye (a NATO member) and Russia, which links the two camps
through a chain of formal ties.

Example:
    >>> tables = synthetic_tables(n_states=20, n_steps=8, seed=1)
    >>> sorted(tables)
    ['actors', 'alliances', 'events', 'states', 'summary', 'ties']
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

BASE_YEAR = 2024
LEVEL_NAMES = {1: "alignment", 2: "partnership", 3: "formal"}
UTILITY_TERMS = (
    "u_security",
    "u_consumption",
    "u_entrapment",
    "u_autonomy",
    "u_coercion",
    "u_affinity",
    "u_side_payments",
    "u_target",
)

# iso3, name, region, group, regime, capital lat, capital lon, GDP 2024 (USD bn),
# defence 2024 (USD bn). Approximate public 2024 figures; the first ten are always included.
_WORLD: tuple[tuple[str, str, str, str, str, float, float, float, float], ...] = (
    ("USA", "United States", "North America", "us", "democracy", 38.9, -77.0, 28780, 997),
    ("CHN", "China", "East Asia", "china", "autocracy", 39.9, 116.4, 18530, 314),
    ("JPN", "Japan", "East Asia", "us_ally_asia", "democracy", 35.7, 139.7, 4110, 55.3),
    ("KOR", "South Korea", "East Asia", "us_ally_asia", "democracy", 37.6, 127.0, 1760, 47.6),
    ("AUS", "Australia", "Oceania", "us_ally_asia", "democracy", -35.3, 149.1, 1800, 33.8),
    ("PHL", "Philippines", "Southeast Asia", "us_ally_asia", "democracy", 14.6, 121.0, 470, 6.1),
    ("DEU", "Germany", "Europe", "nato_europe", "democracy", 52.5, 13.4, 4660, 88.5),
    ("GBR", "United Kingdom", "Europe", "nato_europe", "democracy", 51.5, -0.1, 3590, 81.8),
    ("RUS", "Russia", "Eurasia", "china_partner", "autocracy", 55.75, 37.6, 2160, 149),
    ("PRK", "North Korea", "East Asia", "china_partner", "autocracy", 39.0, 125.75, 25, 4.0),
    ("FRA", "France", "Europe", "nato_europe", "democracy", 48.9, 2.35, 3130, 64.7),
    ("POL", "Poland", "Europe", "nato_europe", "democracy", 52.2, 21.0, 915, 38.0),
    ("TWN", "Taiwan", "East Asia", "us_partner", "democracy", 25.0, 121.5, 790, 16.5),
    ("IND", "India", "South Asia", "swing", "democracy", 28.6, 77.2, 3890, 86.1),
    ("CAN", "Canada", "North America", "nato_europe", "democracy", 45.4, -75.7, 2240, 29.3),
    ("ITA", "Italy", "Europe", "nato_europe", "democracy", 41.9, 12.5, 2330, 38.0),
    ("NZL", "New Zealand", "Oceania", "us_partner", "democracy", -41.3, 174.8, 260, 2.9),
    ("VNM", "Vietnam", "Southeast Asia", "swing", "autocracy", 21.0, 105.85, 470, 7.9),
    ("IRN", "Iran", "Middle East", "china_partner", "autocracy", 35.7, 51.4, 430, 7.9),
    ("ESP", "Spain", "Europe", "nato_europe", "democracy", 40.4, -3.7, 1730, 24.6),
    ("NLD", "Netherlands", "Europe", "nato_europe", "democracy", 52.4, 4.9, 1140, 22.9),
    ("SWE", "Sweden", "Europe", "nato_europe", "democracy", 59.3, 18.1, 600, 12.0),
    ("FIN", "Finland", "Europe", "nato_europe", "democracy", 60.2, 24.9, 300, 7.3),
    ("TUR", "Türkiye", "Europe", "nato_europe", "hybrid", 39.9, 32.9, 1320, 25.0),
    ("UKR", "Ukraine", "Europe", "us_partner", "democracy", 50.45, 30.5, 190, 64.7),
    ("SGP", "Singapore", "Southeast Asia", "swing", "hybrid", 1.35, 103.8, 530, 15.5),
    ("IDN", "Indonesia", "Southeast Asia", "swing", "democracy", -6.2, 106.8, 1400, 9.8),
    ("THA", "Thailand", "Southeast Asia", "us_partner", "hybrid", 13.75, 100.5, 530, 5.9),
    ("PAK", "Pakistan", "South Asia", "china_partner", "hybrid", 33.7, 73.0, 370, 10.2),
    ("ISR", "Israel", "Middle East", "us_partner", "democracy", 31.8, 35.2, 540, 46.5),
    ("SAU", "Saudi Arabia", "Middle East", "swing", "autocracy", 24.7, 46.7, 1110, 80.3),
    ("MYS", "Malaysia", "Southeast Asia", "swing", "hybrid", 3.1, 101.7, 420, 4.1),
    ("BEL", "Belgium", "Europe", "nato_europe", "democracy", 50.85, 4.35, 660, 8.1),
    ("NOR", "Norway", "Europe", "nato_europe", "democracy", 59.9, 10.75, 500, 10.4),
    ("DNK", "Denmark", "Europe", "nato_europe", "democracy", 55.7, 12.6, 410, 9.9),
    ("GRC", "Greece", "Europe", "nato_europe", "democracy", 37.98, 23.7, 250, 8.0),
    ("ROU", "Romania", "Europe", "nato_europe", "democracy", 44.4, 26.1, 380, 8.6),
    ("EST", "Estonia", "Europe", "nato_europe", "democracy", 59.4, 24.75, 43, 1.5),
    ("LVA", "Latvia", "Europe", "nato_europe", "democracy", 56.95, 24.1, 43, 1.4),
    ("LTU", "Lithuania", "Europe", "nato_europe", "democracy", 54.7, 25.3, 80, 2.3),
    ("BRA", "Brazil", "Latin America", "swing", "democracy", -15.8, -47.9, 2170, 20.9),
)
_MIN_STATES = 10
_REGIME_SCORES = {"democracy": 1.0, "hybrid": 0.0, "autocracy": -1.0}  # actors.regime
NATO_MEMBERS = frozenset(
    {"USA", "CAN", "GBR", "FRA", "DEU", "ITA", "ESP", "POL", "NLD", "BEL"}
    | {"NOR", "SWE", "FIN", "DNK", "TUR", "GRC", "ROU", "EST", "LVA", "LTU"}
)
ANZUS_MEMBERS = frozenset({"USA", "AUS", "NZL"})
US_BILATERAL_TREATIES = {
    "US-Japan": frozenset({"USA", "JPN"}),
    "US-ROK": frozenset({"USA", "KOR"}),
    "US-Philippines": frozenset({"USA", "PHL"}),
}
ASIAN_NATO_CORE = ("USA", "JPN", "KOR", "AUS")
CHINA_BLOC = ("CHN", "PRK", "RUS")

# Yearly drift of the defence share (% of GDP per year) and GDP growth (% per year).
_TREND = {"JPN": 0.10, "KOR": 0.05, "PHL": 0.08, "AUS": 0.06, "DEU": 0.15, "POL": 0.12}
_TREND |= {"CHN": 0.03, "USA": -0.02, "RUS": -0.05, "TWN": 0.08, "GBR": 0.05, "FRA": 0.05}
_GROWTH = {"CHN": 4.5, "IND": 6.5, "VNM": 6.0, "PHL": 5.5, "IDN": 5.0, "USA": 2.2, "JPN": 0.8}

# Bilateral ties at step 0: (a, b) -> level. Treaty ties are added separately.
_INITIAL_TIES = {
    ("THA", "USA"): 3,
    ("CHN", "PRK"): 3,
    ("PRK", "RUS"): 3,
    ("CHN", "RUS"): 2,
    ("IRN", "RUS"): 2,
    ("CHN", "PAK"): 2,
    ("CHN", "IRN"): 1,
    ("TWN", "USA"): 2,
    ("ISR", "USA"): 2,
    ("UKR", "USA"): 2,
    ("SAU", "USA"): 1,
    ("IND", "USA"): 1,
    ("SGP", "USA"): 1,
    ("AUS", "JPN"): 2,
    ("GBR", "JPN"): 2,
    ("AUS", "GBR"): 2,
    ("JPN", "PHL"): 1,
    ("JPN", "KOR"): 1,
    ("AUS", "IND"): 1,
    ("IND", "JPN"): 1,
    ("JPN", "VNM"): 1,
    ("DEU", "UKR"): 1,
    ("POL", "UKR"): 2,
    ("BRA", "CHN"): 1,
    ("CHN", "DEU"): 1,
    ("CHN", "KOR"): 1,
    ("CHN", "PHL"): 2,
    ("AUS", "CHN"): 1,
    ("IND", "RUS"): 1,
}


def _scheduled_ties(formation: int) -> dict[int, dict[tuple[str, str], int]]:
    """Tie changes by step: deepening towards an Asian NATO that forms at ``formation``."""
    f = formation
    changes = [
        (1, {("CHN", "PHL"): 1}),
        (max(2, f - 2), {("JPN", "KOR"): 2, ("AUS", "PHL"): 1, ("CHN", "PHL"): 0}),
        (max(2, f - 1), {("JPN", "PHL"): 2, ("AUS", "KOR"): 2, ("KOR", "PHL"): 1}),
        (f, {("AUS", "JPN"): 3, ("JPN", "KOR"): 3, ("AUS", "KOR"): 3, ("KOR", "PHL"): 2}),
        (f + 1, {("AUS", "PHL"): 3, ("JPN", "PHL"): 3, ("KOR", "PHL"): 3, ("IND", "USA"): 2}),
        (f + 1, {("AUS", "CHN"): 0, ("CHN", "KOR"): 0}),
        (f + 2, {("CHN", "RUS"): 3, ("CHN", "VNM"): 1, ("JPN", "VNM"): 0}),
        (f + 2, {("RUS", "TUR"): 3}),
    ]
    schedule: dict[int, dict[tuple[str, str], int]] = {}
    for step, change in changes:
        schedule.setdefault(step, {}).update(change)
    return schedule


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _cliques(members: Iterable[str], formal: set[tuple[str, str]]) -> bool:
    """Whether every pair of ``members`` has a formal tie."""
    return all(_pair(a, b) in formal for a, b in itertools.combinations(members, 2))


def synthetic_tables(
    n_states: int = 41, n_steps: int = 15, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """Build a small synthetic run that follows the output contract exactly.

    Args:
        n_states: Number of states (10 to 41). The first ten are always USA, CHN, JPN, KOR,
            AUS, PHL, DEU, GBR, RUS and PRK; more states add Europe, Asia and others.
        n_steps: Number of steps after the 2024 calibration step; the run covers years
            2024 to 2024 + n_steps (``n_steps=0`` gives a single year).
        seed: Seed for numpy's ``Generator`` (budget noise, flickering alignments).

    Returns:
        A mapping with the tables ``actors``, ``states``, ``ties``, ``alliances``, ``events``
        and ``summary``, with the columns and units documented in ``docs/outputs.md``.

    Raises:
        ValueError: If ``n_states`` or ``n_steps`` is out of range.
    """
    if not _MIN_STATES <= n_states <= len(_WORLD):
        raise ValueError(f"n_states must be in [{_MIN_STATES}, {len(_WORLD)}], got {n_states}")
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}")
    rng = np.random.default_rng(seed)
    world = _WORLD[:n_states]
    isos = [w[0] for w in world]
    present = set(isos)
    info = {w[0]: w for w in world}

    actors = pd.DataFrame(
        {
            "iso3": isos,
            "name": [w[1] for w in world],
            "region": [w[2] for w in world],
            "regime": [_REGIME_SCORES[w[4]] for w in world],
            "capital_lat": [w[5] for w in world],
            "capital_lon": [w[6] for w in world],
            "gdp_usd_bn_2024": [float(w[7]) for w in world],
            "defence_usd_bn_2024": [float(w[8]) for w in world],
        }
    )
    actors["defence_pct_gdp_2024"] = 100.0 * actors.defence_usd_bn_2024 / actors.gdp_usd_bn_2024

    formation = max(1, n_steps // 2) if n_steps >= 2 else None
    schedule = _scheduled_ties(formation) if formation is not None else {}
    treaties = {"NATO": NATO_MEMBERS & present, "ANZUS": ANZUS_MEMBERS & present}
    treaties |= {name: members & present for name, members in US_BILATERAL_TREATIES.items()}
    treaties = {k: v for k, v in treaties.items() if len(v) >= 2}

    bilateral = {p: lvl for p, lvl in _INITIAL_TIES.items() if set(p) <= present}
    flicker = [p for p, lvl in bilateral.items() if lvl == 1]

    tie_rows: list[dict] = []
    alliance_rows: list[dict] = []
    event_rows: list[dict] = []
    state_rows: list[dict] = []

    gdp = {i: float(info[i][7]) for i in isos}
    pct = {i: 100.0 * info[i][8] / info[i][7] for i in isos}
    capability = {i: info[i][8] / 0.1 for i in isos}
    blocs_prev: dict[str, set[str]] = {}
    bloc_ids: dict[frozenset[str], str] = {}

    def event(step: int, kind: str, actor: str, reason: str, **kw: object) -> None:
        terms = kw.pop("terms", {})
        event_rows.append(
            {
                "step": step,
                "year": BASE_YEAR + step,
                "kind": kind,
                "actor": actor,
                "partner": kw.get("partner", ""),
                "alliance": kw.get("alliance", ""),
                "from_level": kw.get("from_level", pd.NA),
                "to_level": kw.get("to_level", pd.NA),
                "delta_utility_actor": float(kw.get("du_a", 0.0)),
                "delta_utility_partner": float(kw.get("du_b", 0.0)),
                "terms": json.dumps(terms),
                "reason": reason,
            }
        )

    for step in range(n_steps + 1):
        year = BASE_YEAR + step
        # --- ties -------------------------------------------------------------------------
        for pair, lvl in schedule.get(step, {}).items():
            if not set(pair) <= present:
                continue
            old = bilateral.get(pair, 0)
            if lvl == old or 0 < lvl < old:  # scheduled ties only deepen, or end (level 0)
                continue
            if lvl:
                bilateral[pair] = lvl
            else:
                bilateral.pop(pair, None)
            kind = "tie_deepened" if lvl > old else "tie_loosened"
            du = round(float(rng.uniform(0.05, 0.4)), 3)
            event(
                step,
                kind,
                pair[0],
                f"{pair[0]} and {pair[1]} moved from level {old} to {lvl}: "
                f"security gain {du:.2f} (% of GDP equivalent)",
                partner=pair[1],
                from_level=old,
                to_level=lvl,
                du_a=du,
                du_b=du * 0.8,
                terms={"u_security": du, "u_entrapment": -du / 4},
            )
        if step > 0:
            for pair in flicker:
                if pair in bilateral and bilateral[pair] <= 1 and rng.random() < 0.15:
                    bilateral[pair] = 0 if bilateral[pair] == 1 else 1
                    bilateral = {p: v for p, v in bilateral.items() if v > 0}
                elif pair not in bilateral and rng.random() < 0.5:
                    bilateral[pair] = 1
        if formation is not None and step == formation - 1 and {"JPN", "KOR"} <= present:
            event(
                step,
                "offer_declined",
                "KOR",
                "KOR declined a formal tie with JPN: coercion cost 0.31 > security gain 0.22 "
                "(% of GDP equivalent)",
                partner="JPN",
                from_level=2,
                to_level=3,
                du_a=-0.09,
                du_b=0.12,
                terms={"u_security": 0.22, "u_coercion": -0.31},
            )
        if step == min(1, n_steps) and step > 0:
            event(step, "scenario", "USA", "Scenario: the US asks allies to spend 3.5% of GDP")

        ties: dict[tuple[str, str], tuple[int, str]] = {}
        for name, members in treaties.items():
            for a, b in itertools.combinations(sorted(members), 2):
                ties.setdefault((a, b), (3, name))  # the first listed treaty names the tie
        for pair, lvl in bilateral.items():
            if pair not in ties or ties[pair][0] < lvl:
                ties[pair] = (lvl, "bilateral")
        for (a, b), (lvl, source) in sorted(ties.items()):
            tie_rows.append(
                {
                    "step": step,
                    "year": year,
                    "a": a,
                    "b": b,
                    "level": lvl,
                    "level_name": LEVEL_NAMES[lvl],
                    "source": source,
                }
            )
        formal = {p for p, (lvl, _) in ties.items() if lvl == 3}

        # --- budgets ----------------------------------------------------------------------
        if step > 0:
            for i in isos:
                gdp[i] *= 1 + _GROWTH.get(i, 2.0) / 100
                boost = 0.04 if any(i in m for m in blocs_prev.values()) else 0.0
                move = _TREND.get(i, 0.0) + boost + rng.normal(0, 0.05)
                new = max(0.3, pct[i] + move)
                if abs(new - pct[i]) > 0.15:
                    event(
                        step,
                        "budget_move",
                        i,
                        f"{i} moved its defence budget from {pct[i]:.2f}% to {new:.2f}% of GDP",
                        du_a=-abs(new - pct[i]) / 10,
                    )
                pct[i] = new
        defence = {i: gdp[i] * pct[i] / 100 for i in isos}
        for i in isos:
            capability[i] = (0.9 * capability[i] + defence[i]) if step else capability[i]

        # --- alliances (treaties and cliques of formal ties) ------------------------------
        groups: dict[str, tuple[str, set[str]]] = {
            n: ("treaty", set(m)) for n, m in treaties.items()
        }
        blocs_now: dict[str, set[str]] = {}
        candidates = [(*ASIAN_NATO_CORE, "PHL"), ASIAN_NATO_CORE, CHINA_BLOC]
        for cand in candidates:
            members = set(cand) & present
            if len(members) < 3 or len(members) < len(cand):
                continue
            if any(members < b for b in blocs_now.values()) or not _cliques(members, formal):
                continue
            core = frozenset(members & set(ASIAN_NATO_CORE)) or frozenset(members)
            bid = bloc_ids.setdefault(core, f"bloc_{len(bloc_ids) + 1}")
            blocs_now[bid] = members
        for bid, members in blocs_now.items():
            groups[bid] = ("bloc", members)
            before = blocs_prev.get(bid)
            if before is None:
                event(
                    step,
                    "formation",
                    min(members),
                    f"{', '.join(sorted(members))} formed {bid}: every pair holds a formal tie",
                    alliance=bid,
                    du_a=0.3,
                )
            for new in sorted(members - (before or members)):
                event(step, "accession", new, f"{new} joined {bid}", alliance=bid, du_a=0.2)
        blocs_prev = blocs_now

        for name, (kind, members) in groups.items():
            spend = {m: defence[m] for m in sorted(members)}
            total = sum(spend.values())
            shares = {m: s / total for m, s in spend.items()}
            asian = kind == "bloc" and {"USA", "JPN", "KOR"} <= members
            alliance_rows.append(
                {
                    "step": step,
                    "year": year,
                    "alliance": name,
                    "kind": kind,
                    "formality": 1.0 if kind == "treaty" else 0.8,
                    "members": ";".join(sorted(members)),
                    "n_members": len(members),
                    "combined_capability_usd_bn": sum(capability[m] for m in members),
                    "burden_shares": ";".join(f"{m}:{s:.4f}" for m, s in shares.items()),
                    "us_burden_share": shares.get("USA", np.nan),
                    "is_asian_nato": asian,
                    "is_nato_asia_link": asian and bool(members & (NATO_MEMBERS - {"USA"})),
                }
            )

        # --- state rows -------------------------------------------------------------------
        hostile = {
            i: (
                {"CHN", "RUS", "PRK", "IRN"}
                if info[i][3] not in ("china", "china_partner")
                else {"USA", "JPN", "KOR", "AUS", "GBR"}
            )
            & present
            for i in isos
        }
        for i in isos:
            partners = [b if a == i else a for (a, b) in ties if i in (a, b)]
            formal_partners = [p for p in partners if _pair(i, p) in formal]
            allied = 0.5 * sum(capability[p] for p in formal_partners)
            threat = sum(
                capability[h]
                * math.exp(-_haversine_km(info[i][5], info[i][6], info[h][5], info[h][6]) / 6000)
                for h in hostile[i]
                if h != i
            )
            own = capability[i]
            security = (own + allied) / (own + allied + threat) if own + allied + threat else 1.0
            aid = 40.0 if i == "UKR" else (0.5 if i == "PHL" else 0.0)
            us_allies_asia = info[i][3] == "us_ally_asia"
            terms = {
                "u_security": 4.0 * security,
                "u_consumption": -pct[i],
                "u_entrapment": -0.08 * len(formal_partners) * (1.5 if i == "USA" else 1.0) / 3,
                "u_autonomy": -0.04 * len(partners),
                "u_coercion": (-0.1 - 0.05 * len(formal_partners)) if us_allies_asia else 0.0,
                "u_affinity": 0.05 * len(partners) if info[i][4] == "democracy" else 0.02,
                "u_relationship": 0.01 * len(partners),
                "u_side_payments": (100 * aid / gdp[i] if aid else (-0.15 if i == "USA" else 0.0)),
                "u_target": -0.3 * max(0.0, 2.0 - pct[i]) if i in NATO_MEMBERS else 0.0,
            }
            best = max(0.3, pct[i] + 3 * _TREND.get(i, 0.0) + rng.normal(0, 0.1))
            state_rows.append(
                {
                    "step": step,
                    "year": year,
                    "iso3": i,
                    "name": info[i][1],
                    "gdp_usd_bn": gdp[i],
                    "defence_usd_bn": defence[i],
                    "defence_pct_gdp": pct[i],
                    "best_response_pct_gdp": best,
                    "capability_usd_bn": own,
                    "allied_capability_usd_bn": allied,
                    "threat_usd_bn": threat,
                    "security": security,
                    "aid_received_usd_bn": aid,
                    "aid_paid_usd_bn": 40.5 if i == "USA" else 0.0,
                    "allies_reliability": 0.8 if partners else 0.0,
                    "utility": sum(terms.values()),
                    **terms,
                    "n_ties": len(partners),
                    "n_formal_ties": len(formal_partners),
                }
            )

    states = pd.DataFrame(state_rows)
    ties_df = pd.DataFrame(
        tie_rows, columns=["step", "year", "a", "b", "level", "level_name", "source"]
    )
    alliances = pd.DataFrame(alliance_rows)
    events = pd.DataFrame(
        event_rows,
        columns=[
            "step",
            "year",
            "kind",
            "actor",
            "partner",
            "alliance",
            "from_level",
            "to_level",
            "delta_utility_actor",
            "delta_utility_partner",
            "terms",
            "reason",
        ],
    )
    for col in ("from_level", "to_level"):
        events[col] = events[col].astype("Int64")

    asian = alliances[alliances.is_asian_nato] if len(alliances) else alliances
    first = asian.sort_values("step").iloc[0] if len(asian) else None
    pct0 = states[states.step == 0].set_index("iso3").defence_usd_bn
    pct_end = states[states.step == n_steps].set_index("iso3").defence_usd_bn

    def change(i: str) -> float:
        return float(100 * (pct_end[i] / pct0[i] - 1))

    def us_share(step: int) -> float:
        nato = alliances[(alliances.alliance == "NATO") & (alliances.step == step)]
        return float(nato.us_burden_share.iloc[0]) if len(nato) else float("nan")

    summary = pd.DataFrame(
        [
            {
                "scenario": "synthetic",
                "world": f"synthetic_{n_states}",
                "base_seed": seed,
                "replicate": 0,
                "seed": seed,
                "horizon": n_steps,
                "asian_nato_formed": first is not None,
                "asian_nato_year": int(first.year) if first is not None else pd.NA,
                "asian_nato_members": first.members if first is not None else "",
                "nato_asia_link": bool(alliances.is_nato_asia_link.any()),
                "nato_asia_link_year": pd.NA,
                "nato_asia_link_states": "",
                "nato_asia_link_partners": "",
                "nato_asia_link_n_partners": 0,
                "nato_asia_link_share": 0.0,
                "us_burden_share_start": us_share(0),
                "us_burden_share_end": us_share(n_steps),
                "china_budget_change_pct": change("CHN"),
                "japan_budget_change_pct": change("JPN"),
                "korea_budget_change_pct": change("KOR"),
                "china_share_change_pp": float(pct["CHN"] - 100 * info["CHN"][8] / info["CHN"][7]),
                "polarisation_start": 0.35,
                "polarisation_end": 0.35 + 0.02 * n_steps,
                "n_formal_blocs_end": sum(1 for _ in blocs_prev),
            }
        ]
    )
    summary["asian_nato_year"] = summary["asian_nato_year"].astype("Int64")
    summary["nato_asia_link_year"] = summary["nato_asia_link_year"].astype("Int64")
    return {
        "actors": actors,
        "states": states,
        "ties": ties_df,
        "alliances": alliances,
        "events": events,
        "summary": summary,
    }
