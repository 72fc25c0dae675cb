"""The textbook games a class plays in rounds (issue #12, "Games for one lesson"): the security
dilemma and the stag hunt in pairs, NATO burden sharing as a public-goods game in groups, each
with the class's play shown against the equilibrium.

``GAMES[key](turns=5, seed=0, max_students=60, ...)`` builds a game (the protocol of
``sim.classroom.game``); :func:`debrief_tables` turns a session's records and the game's
``config()`` into the debrief's tables; :func:`from_config` rebuilds a game from its config.
"""

from __future__ import annotations

import pandas as pd

from sim.classroom.rounds.burden import BurdenSharingRounds, burden_debrief_tables
from sim.classroom.rounds.pair_debrief import pair_debrief_tables
from sim.classroom.rounds.pairs import SecurityDilemmaRounds, StagHuntRounds
from sim.errors import UserError

GAMES = {cls.key: cls for cls in (SecurityDilemmaRounds, StagHuntRounds, BurdenSharingRounds)}
"""The games in rounds by key."""


def debrief_tables(records: pd.DataFrame, config: dict) -> list[tuple[str, pd.DataFrame]]:
    """The debrief's (title, table) pairs for a session's records of a game in rounds; reads
    nothing but its arguments."""
    key = config.get("game")
    if key not in GAMES:
        raise UserError(f"unknown game {key!r} in the config: expected one of {', '.join(GAMES)}")
    if records.empty:  # before the first round: the tables' headers
        records = pd.DataFrame(columns=GAMES[key].columns())
    if key == BurdenSharingRounds.key:
        return burden_debrief_tables(records, config)
    return pair_debrief_tables(records, config)


def from_config(config: dict):
    """The game ``config`` (as written by its ``config()``) describes, at round 1."""
    cls = GAMES.get(config.get("game"))
    if cls is None:
        raise UserError(f"unknown game {config.get('game')!r}: expected one of {', '.join(GAMES)}")
    return cls(**cls.settings(config))
