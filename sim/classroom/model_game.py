"""The full model as a class game: teams of students hold the seats of states on the class world.

Each year a state's team sees its situation in plain words (its budget, the threat it faces, the
allies it can count on, what each alignment move would gain it, as the agents score them) and
submits three things: the defence budget for the year, one alignment move (deepen or loosen a
tie, leave or apply to join a treaty, or keep all), and the states whose offers of a deeper tie
it would accept. Seats no student holds are played by the agents, exactly as in any run.

How a year is played (docs/classroom.md, "The class game"):

* The year opens (``AllianceModel.begin_year``: GDP, pledges, scenario events, the payoff
  context) and the cards are computed from that state; computing them changes nothing.
* The states act in the order drawn from the model's generator, as always. A team's seat takes
  the team's budget (the median of its students' budgets, within the state's bounds) and the
  team's move (the one most of its students chose; a tie goes to the move listed first), if the
  move is still open when its turn comes (another state may have acted first); an offer to a
  team's seat is accepted when more than half of its students who submitted said so. Agents
  play seats with no submission, with the same rule as always.
* What the agent in a student's seat would have chosen is the draw it makes from the model's
  generator at that point, as in any run; the team's choice then replaces it (an offer to the
  seat likewise: the agent's consent is drawn, the team's answer is used). So the draws stay in
  step with the plain model's, and a year in which no student submits, or every team chooses
  what its agent drew, is the plain model's year (a test).

A seat's payoff is the gain of the move its team played (the change in its utility net of the
cost of the change, % of GDP, scored when its turn came); keeping all gains 0. Budgets are
compared with the best response, the budget the agents' calibrated preferences make optimal.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.abm.agents import StateAgent
from sim.abm.explain import article, balance
from sim.abm.model import AllianceModel
from sim.classroom.game import Card, Control
from sim.cli.preflight import compose_checked
from sim.core import alignment
from sim.errors import UserError
from sim.rules.expected_utility import ExpectedUtility
from sim.runner.simulate import prepare, replicate_seed
from sim.schema import LEVELS

DEFAULT_OVERRIDES = ("world=classroom5", "model.predicates.asian_nato_min=2")
"""The class world, where an 'Asian NATO' is the US with Japan and South Korea (the class world
has no Australia or Philippines: the classroom demo's predicate)."""
BUDGET_STEP_PCT = 0.05
"""The budget control's step, points of GDP."""
KEEP = "keep"


@dataclass(frozen=True)
class Plan:
    """A team's decision for the year: the budget (fraction of GDP; None when a scenario fixes
    it), the move's key and the states whose offers it accepts."""

    share: float | None
    move: str
    accept: frozenset[str]


def move_keys(iso3: list[str], options: tuple) -> list[str]:
    """The keys of a state's options, in the order ``ExpectedUtility.options`` lists them:
    ``tie:<partner>:<level>``, ``exit:<treaty>``, ``join:<treaty>``."""
    partners, new_levels, exits, joins = options[:4]
    ties = [f"tie:{iso3[int(j)]}:{int(lv)}" for j, lv in zip(partners, new_levels, strict=True)]
    return ties + [f"exit:{t}" for t in exits] + [f"join:{t}" for t in joins]


def move_label(key: str, names: dict[str, str], levels: dict[str, int]) -> str:
    """A move in words ('Propose a formal tie with South Korea'); ``levels``: the seat's
    current level with each partner."""
    if key == KEEP:
        return "Keep all ties as they are"
    kind, *rest = key.split(":")
    if kind == "exit":
        return f"Leave {rest[0]}"
    if kind == "join":
        return f"Apply to join {rest[0]}"
    partner, level = rest[0], int(rest[1])
    if level > levels.get(partner, 0):
        return f"Propose {article(LEVELS[level])} tie with {names.get(partner, partner)}"
    if level == 0:
        return f"End the tie with {names.get(partner, partner)}"
    return f"Loosen the tie with {names.get(partner, partner)} to {LEVELS[level]}"


def crossings(order: np.ndarray, tied: np.ndarray) -> int:
    """How many pairs of ties cross when the states sit on a circle in ``order``."""
    place = np.empty(len(order), dtype=int)
    place[order] = np.arange(len(order))
    chords = [
        tuple(sorted((place[a], place[b])))
        for a, b in zip(*np.nonzero(np.triu(tied, 1)), strict=True)
    ]
    return sum(
        1
        for k, (a, b) in enumerate(chords)
        for c, d in chords[k + 1 :]
        if a < c < b < d or c < a < d < b
    )


def circle_order(lon: np.ndarray, tied: np.ndarray, exhaustive_up_to: int = 8) -> np.ndarray:
    """The order of the states around the dashboard's circle: by longitude (the Pacific in the
    middle), and for a small world the rotation-free order with the fewest crossing ties, the
    nearest to the longitude order among those (so that the ties' labels do not collide).

    Examples:
        Four states whose ties cross in longitude order (0-2 and 1-3) are reordered:

        >>> tied = np.zeros((4, 4), bool); tied[0, 2] = tied[2, 0] = tied[1, 3] = tied[3, 1] = True
        >>> int(crossings(circle_order(np.arange(4.0), tied), tied))
        0
    """
    base = np.argsort(np.where(lon < -30, lon + 360, lon), kind="stable")
    n = len(base)
    if n > exhaustive_up_to or n < 4:
        return base
    best, best_key = base, (crossings(base, tied), 0)
    for rest in itertools.permutations(range(1, n)):
        order = base[[0, *rest]]
        moved = int(np.sum(np.abs(np.arange(1, n) - np.array(rest))))
        key = (crossings(order, tied), moved)
        if key < best_key:
            best, best_key = order, key
    return best


TEAM_KINDS = ("tie_deepened", "tie_loosened", "offer_declined", "accession", "exit")
"""The kinds of event a state's own decision logs (with a treaty's name for the last two; the
year-end bloc changes log the same kinds under a bloc's name, and no one chose those)."""


def team_reasons(events: list[dict], teams: set[str], treaties: set[str]) -> None:
    """Say in the year's event reasons where a class team, not an agent, chose: the model's
    reasons call a choice at a loss bounded rationality (the logit's noise), which a team's
    choice is not. ``treaties``: the names of the treaties (bloc events are left alone)."""
    for e in events:
        kind, alliance = e.get("kind"), e.get("alliance") or ""
        if kind not in TEAM_KINDS or (kind in ("accession", "exit") and alliance not in treaties):
            continue
        reason = e.get("reason") or ""
        for code in teams:
            reason = reason.replace(
                f" ({code} chose it at a loss: bounded rationality)",
                f" ({code}: a class team chose it)",
            ).replace(
                f" ({code} accepted at a loss: bounded rationality)",
                f" ({code}: a class team accepted)",
            )
        actor, partner = e.get("actor"), e.get("partner")
        if actor in teams and f"{actor}: a class team" not in reason:
            reason += (
                f" ({actor}: a class team {'declined' if kind == 'offer_declined' else 'chose it'})"
            )
        if kind == "tie_deepened" and partner in teams and f"{partner}: a class team" not in reason:
            reason += f" ({partner}: a class team accepted)"
        e["reason"] = reason


class SeatRule(ExpectedUtility):
    """The default rule, with a team's choices in its seats: a team's move instead of the
    logit draw, a team's answer instead of the consent draw. For every seat it records what
    was played (``played``) and, for a team's seat, what the agent would have drawn."""

    def __init__(self, config, plans: dict[int, Plan]) -> None:
        super().__init__(config)
        self.plans = plans
        self.played: dict[int, dict] = {}

    def choose(self, view, i: int, options: tuple) -> int:
        """The team's move where a team holds the seat (KEEP if it is no longer open), else
        the agent's draw; records both, with the options' gains and logit probabilities."""
        keys = move_keys(view.iso3, options)
        gains = options[5]
        probs = alignment.logit_probabilities(gains * 100, self.config.temperature_pct_gdp)
        plan = self.plans.get(i)
        agent = super().choose(view, i, options)  # the draw the agent makes, held seat or not
        choice = agent
        if plan is not None:
            choice = keys.index(plan.move) if plan.move in keys else alignment.KEEP
        self.played[i] = {
            "keys": keys,
            "gains": gains,
            "probs": probs,
            "choice": choice,
            "agent": agent,
            "open": plan is None or plan.move == KEEP or plan.move in keys,
        }
        return choice

    def carry_out(self, view, i: int, choice: int, options: tuple) -> None:
        """Carry out the move and record whether it took effect (an offer may be refused, an
        application blocked): the seat's row or its treaties changed."""
        before = (view.levels[i].copy(), self._memberships(view, i))
        super().carry_out(view, i, choice, options)
        took = not np.array_equal(before[0], view.levels[i])
        took = took or before[1] != self._memberships(view, i)
        if i in self.played:
            self.played[i]["done"] = took

    @staticmethod
    def _memberships(view, i: int) -> frozenset[str]:
        """The treaties state i belongs to."""
        return frozenset(t.name for t in view.model.state.treaties if i in t.members)

    def consent(self, view, j: int, i: int, new_level: int):
        """A team's seat accepts an offer when the team said so; an agent's seat draws."""
        plan = self.plans.get(j)
        agent, terms = super().consent(view, j, i, new_level)  # the agent's draw, as always
        if plan is None:
            return agent, terms
        return view.iso3[i] in plan.accept, terms


class SeatAgent(StateAgent):
    """A state whose seat a team may hold this year: the team's budget (within the state's
    bounds) and, through ``SeatRule``, its move; the agent's own decision otherwise."""

    def decide_budget(self) -> None:
        """The team's budget where a team holds the seat; records the agent's alternative."""
        plan = self.model.plans.get(self.index)
        b = self.model.view.budget_inputs(self.index)
        agent_new, desired, why = self.budget_choice(b)
        new = agent_new
        if plan is not None and plan.share is not None:
            low = max(b.lower, b.share - b.max_change)  # the fiscal bounds and the yearly limit
            high = min(b.upper, b.share + b.max_change)
            new = float(np.clip(plan.share, low, max(low, high)))
            why = f"the class team's choice (the agent would have set {100 * agent_new:.2f}%)"
        self.model.budget_played[self.index] = (new, agent_new, desired)
        self.set_budget(b, new, desired, why)


class ClassModel(AllianceModel):
    """:class:`AllianceModel` whose seats teams may hold (``plans``, set for each year)."""

    agent_class = SeatAgent

    def __init__(self, world, params, events, rng: int, scenario_name: str) -> None:
        super().__init__(world, params, events, rng=rng, scenario_name=scenario_name)
        if self.params.alignment.rule != "expected_utility":
            raise UserError(
                f"the class game plays with the default alignment rule; drop the override "
                f"model.alignment.rule={self.params.alignment.rule}"
            )
        self.plans: dict[int, Plan] = {}
        self.budget_played: dict[int, tuple[float, float, float]] = {}
        self.rule = SeatRule(self.params.alignment, self.plans)
        self.rule.start(self.view)


class ModelGame:
    """The full model on the class world, with teams of students in the states' seats.

    Args:
        overrides: Hydra overrides after :data:`DEFAULT_OVERRIDES` (e.g.
            ``["scenario=injection_1p5b"]``).
        turns: years to play.
        seed: the session's seed (the model runs replicate 0 of it, as ``alliance-sim seed=``).

    Raises:
        sim.errors.UserError: an override the configs reject, or a world with fewer than two
            states.
    """

    key = "model"
    title = "Would a US injection create an 'Asian NATO'? (the full model, class world)"
    payoff_unit = "% of GDP"
    turn_name = "year"

    def __init__(self, overrides: list[str] | None = None, turns: int = 5, seed: int = 0):
        if turns < 1:
            raise UserError(f"a session plays at least one year (got {turns})")
        self.overrides = [*DEFAULT_OVERRIDES, *(overrides or []), f"seed={int(seed)}"]
        cfg = compose_checked(self.overrides)  # a Hydra or OmegaConf error: one line
        prepared = prepare(cfg)
        self.seed, self.turns, self.turn = int(seed), int(turns), 1
        self.model = ClassModel(
            prepared.world,
            prepared.params,
            prepared.events,
            rng=replicate_seed(self.seed, 0),
            scenario_name=prepared.scenario,
        )
        if turns > self.model.params.horizon:
            raise UserError(
                f"the session plays {turns} years but the model's horizon is "
                f"{self.model.params.horizon}; pass fewer years or model.horizon={turns}"
            )
        w = self.model.world
        self.names = dict(zip(w.iso3, w.names, strict=True))
        self._order: np.ndarray | None = None
        self._board = self._snapshot()
        self.model.begin_year()
        self._cards = self._open_cards()

    # --- seats ---------------------------------------------------------------------------------
    def seats(self) -> list[str]:
        """The states of the class world, in the world's order."""
        return list(self.model.world.iso3)

    def seat_for(self, k: int) -> str:
        """Students are dealt the states in turn: the k-th joins team k mod n."""
        seats = self.seats()
        return seats[k % len(seats)]

    def seat_name(self, seat: str) -> str:
        """The state's name."""
        return self.names.get(seat, seat)

    def _index(self, seat: str) -> int:
        if seat not in self.names:
            raise UserError(f"unknown seat {seat!r}; the seats are {', '.join(self.seats())}")
        return self.model.world.iso3.index(seat)

    @property
    def year(self) -> int:
        """The open year."""
        return int(self.model.state.year)

    # --- cards ---------------------------------------------------------------------------------
    def _open_cards(self) -> dict[str, dict]:
        """Every seat's situation at the opening of the year (changes nothing in the model)."""
        m, view = self.model, self.model.view
        cards = {}
        for i, seat in enumerate(m.world.iso3):
            b = view.budget_inputs(i)
            agent_new, desired, _ = StateAgent.budget_choice(b)
            options = m.rule.options(view, i)
            keys = move_keys(m.world.iso3, options)
            gains = options[5]
            probs = alignment.logit_probabilities(
                gains * 100, m.params.alignment.temperature_pct_gdp
            )
            cards[seat] = {
                "budget": b,
                "agent_share": agent_new,
                "desired": desired,
                "keys": [KEEP, *keys],
                "gains": [0.0, *map(float, gains)],
                "probs": list(map(float, probs)),
                "deltas": [None, *options[4]],
                "accept": self._agent_accepts(i),
                "levels": {code: int(m.levels[i, j]) for j, code in enumerate(m.world.iso3)},
            }
        return cards

    def _agent_accepts(self, i: int) -> list[str]:
        """The states whose offer of a tie one level deeper the agent in seat i would accept
        more often than not (its consent probability above one half)."""
        m = self.model
        a = m.params.alignment
        out = []
        for j, code in enumerate(m.world.iso3):
            level = int(m.levels[i, j])
            if j == i or level >= 3:
                continue
            d = m.rule.terms(m.view.single_change(i, j, level + 1))
            gain = float(m.rule.value(d[None, :])[0]) - a.tie_change_cost
            if alignment.accept_probability(gain * 100, a.temperature_pct_gdp) > 0.5:
                out.append(code)
        return out

    def card(self, seat: str) -> Card:
        """The seat's situation in plain words, its moves with what each gains, and its three
        controls (budget, move, offers accepted)."""
        i = self._index(seat)
        c, m = self._cards[seat], self.model
        b = c["budget"]
        levels = {code: int(m.levels[i, j]) for j, code in enumerate(m.world.iso3)}
        expected = float(np.dot(b.allied, b.probs))
        own = float(m.state.capability[i])
        lines = [
            f"Your defence budget: {100 * b.share:.2f}% of GDP (USD {b.share * b.gdp:,.0f} bn "
            f"a year); in 2024 it was {100 * m.share_2024[i]:.2f}%.",
            f"Forces, built up by years of budgets: yours USD {own:,.0f} bn; the forces of "
            f"states hostile to you, as far as they reach you, USD {b.threat:,.0f} bn; your "
            f"allies' forces that would defend you, as you can expect them (the part that "
            f"reaches you, times the chance they come), USD {expected:,.0f} bn.",
            f"The agents' best response: {100 * c['desired']:.2f}% of GDP; an agent in your seat "
            f"would move to {100 * c['agent_share']:.2f}% this year.",
        ]
        ties = [f"{self.names[k]}: {LEVELS[v]}" for k, v in levels.items() if k != seat and v]
        lines.append("Your ties: " + ("; ".join(ties) if ties else "none") + ".")
        options = []
        for key, gain, prob, delta in zip(
            c["keys"], c["gains"], c["probs"], c["deltas"], strict=True
        ):
            why = "nothing changes" if delta is None else self._why(delta, gain)
            options.append(
                {
                    "move": key,
                    "label": move_label(key, self.names, levels),
                    "gain_pct_gdp": round(100 * gain, 3),
                    "agent_probability": round(prob, 3),
                    "why": why,
                }
            )
        return Card(
            seat=seat,
            title=f"{self.names[seat]}, {self.year}",
            lines=lines,
            controls=self._controls(i, c, levels),
            options=options,
        )

    def _why(self, delta: np.ndarray, gain: float) -> str:
        """The terms behind a move's gain, in words; what the move costs beyond its terms (a
        tie's change cost, a treaty's exit cost) is the gap between the two."""
        rule = self.model.rule
        terms = rule.terms(delta)
        return balance(terms, float(rule.value(terms[None, :])[0]) - gain)

    def _controls(self, i: int, c: dict, levels: dict[str, int]) -> list[Control]:
        b, m = c["budget"], self.model
        step = BUDGET_STEP_PCT
        fixed = not np.isnan(b.fixed_spending)
        low = max(b.lower, b.share - b.max_change) if not fixed else c["agent_share"]
        high = min(b.upper, b.share + b.max_change) if not fixed else c["agent_share"]
        low = math.ceil(round(100 * low, 9) * 100) / 10000  # inward to 0.01 point
        high = max(low, math.floor(round(100 * high, 9) * 100) / 10000)
        others = [
            (code, self.names[code])
            for j, code in enumerate(m.world.iso3)
            if j != i and m.levels[i, j] < 3
        ]
        return [
            Control(
                name="budget_pct",
                label="Defence budget this year" + (" (fixed by the scenario)" if fixed else ""),
                kind="number",
                low=round(100 * low, 2),
                high=round(100 * high, 2),  # within the bounds: rounded inwards above
                step=step,
                default=min(
                    max(round(100 * c["agent_share"], 2), round(100 * low, 2)), round(100 * high, 2)
                ),
                unit="% of GDP",
            ),
            Control(
                name="move",
                label="Your alignment move",
                kind="choice",
                options=tuple((k, move_label(k, self.names, levels)) for k in c["keys"]),
                default=KEEP,
            ),
            Control(
                name="accept",
                label="Accept an offer of a deeper tie (or an application to join a treaty of "
                "yours) from",
                kind="multi",
                options=tuple(others),
                default=list(c["accept"]),
            ),
        ]

    def check(self, seat: str, submission: dict) -> dict:
        """A submission as a decision: ``{"budget_pct": float, "move": str, "accept":
        [codes]}``, each within what the card offers."""
        i = self._index(seat)
        if not isinstance(submission, dict):
            raise UserError("a submission is an object with budget_pct, move and accept")
        unknown = sorted(set(submission) - {"budget_pct", "move", "accept"})
        if unknown:
            raise UserError(f"unknown field(s) {', '.join(unknown)}; send budget_pct, move, accept")
        budget, move, accept = self._controls(i, self._cards[seat], {})
        value = submission.get("budget_pct", budget.default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise UserError(f"budget_pct must be a number of % of GDP (got {value!r})")
        if not budget.low - 1e-9 <= value <= budget.high + 1e-9:
            raise UserError(
                f"budget_pct {value:g} is outside this year's range {budget.low:g}-{budget.high:g}"
                " % of GDP"
            )
        key = submission.get("move", KEEP)
        keys = [k for k, _ in move.options]
        if key not in keys:
            raise UserError(f"move {key!r} is not open to {seat} this year; choose one of the list")
        chosen = submission.get("accept", [])
        if not isinstance(chosen, list) or not all(isinstance(x, str) for x in chosen):
            raise UserError("accept must be a list of state codes")
        codes = {k for k, _ in accept.options}
        bad = sorted(set(chosen) - codes)
        if bad:
            raise UserError(f"accept names unknown state(s) {', '.join(bad)}")
        return {"budget_pct": float(value), "move": key, "accept": sorted(set(chosen))}

    # --- the year ------------------------------------------------------------------------------
    @staticmethod
    def team_plan(decisions: list[dict], keys: list[str], fixed: bool) -> Plan:
        """A team's plan from its students' checked decisions: the median budget, the move
        most chose (ties to the move listed first), the offers more than half accept."""
        counts = Counter(d["move"] for d in decisions)
        top = max(counts.values())
        move = next(k for k in keys if counts.get(k, 0) == top)
        votes = Counter(code for d in decisions for code in d["accept"])
        accept = frozenset(c for c, v in votes.items() if v > len(decisions) / 2)
        share = None if fixed else float(np.median([d["budget_pct"] for d in decisions])) / 100
        return Plan(share=share, move=move, accept=accept)

    def advance(self, decisions: dict[str, tuple[str, dict | None]]) -> list[dict]:
        """Play the open year with the teams' decisions (see the module's docstring) and
        return its records; opens the next year unless the session is over."""
        if self.turn > self.turns:
            raise UserError("the session is over; start a new one to play again")
        m = self.model
        teams: dict[str, list[dict]] = {}
        for _student, (seat, decision) in sorted(decisions.items()):
            self._index(seat)
            if decision is not None:
                teams.setdefault(seat, []).append(decision)
        m.plans.clear()
        for seat, team in teams.items():
            c = self._cards[seat]
            fixed = not np.isnan(c["budget"].fixed_spending)
            m.plans[self._index(seat)] = self.team_plan(team, c["keys"], fixed)
        m.rule.played.clear()
        m.budget_played.clear()
        year = self.year
        first_event = len(m.recorder.events)
        m.agents.shuffle_do("step")
        m.end_year()
        treaties = {t.name for t in m.state.treaties} | set(m.treaty_names)
        teams = {m.world.iso3[i] for i in m.plans}
        team_reasons(m.recorder.events[first_event:], teams, treaties)
        self._board = self._snapshot()
        opening = {seat: c["levels"] for seat, c in self._cards.items()}
        records = self._records(decisions, year, opening)
        m.plans.clear()
        self.turn += 1
        if self.turn <= self.turns:
            m.begin_year()
            self._cards = self._open_cards()
        return records

    def _played(self, i: int) -> dict:
        """What seat i played this year: budgets, and the move with its gain."""
        m = self.model
        p = m.rule.played.get(i)
        new, agent_new, desired = m.budget_played[i]
        out = {"budget": new, "agent_budget": agent_new, "best_response": desired}
        if p is None:  # no option at all: the agent keeps for sure
            out.update(
                move=KEEP,
                agent_move=KEEP,
                gain=0.0,
                agent_gain=0.0,
                best=KEEP,
                probs={KEEP: 1.0},
                outcome="kept",
            )
            return out
        keys, gains = [KEEP, *p["keys"]], [0.0, *map(float, p["gains"])]
        c, a = p["choice"] + 1, p["agent"] + 1  # KEEP is -1
        best = int(np.argmax(gains))
        done = bool(p.get("done", False))
        outcome = "kept" if c == 0 else ("done" if done else "refused")
        if not p["open"]:
            outcome = "no longer open"
        out.update(
            move=keys[c],
            agent_move=keys[a],
            gain=gains[c] if done else 0.0,  # a refused offer or a blocked application: 0
            outcome=outcome,
            agent_gain=gains[a],
            best=keys[best],
            best_gain=gains[best],
            probs=dict(zip(keys, map(float, p["probs"]), strict=True)),
            gains=dict(zip(keys, gains, strict=True)),
            open=p["open"],
        )
        return out

    def _records(
        self, decisions: dict[str, tuple[str, dict | None]], year: int, opening: dict
    ) -> list[dict]:
        """The year's records: one per student, and one per seat the agents played; ``opening``:
        each seat's ties when the year opened."""
        m = self.model
        rows = []
        held = {seat for seat, _ in decisions.values()}
        for i, seat in enumerate(m.world.iso3):
            played = self._played(i)
            levels = opening[seat]  # the moves in words as the year's cards put them
            common = {
                "turn": self.turn,
                "year": year,
                "seat": seat,
                "team_budget_pct": 100 * played["budget"],
                "agent_budget_pct": 100 * played["agent_budget"],
                "best_response_pct": 100 * played["best_response"],
                "team_move": played["move"],
                "agent_move": played["agent_move"],
                "best_move": played.get("best", KEEP),
                "best_gain_pct_gdp": 100 * played.get("best_gain", 0.0),
                "agent_gain_pct_gdp": 100 * played["agent_gain"],
                "payoff": 100 * played["gain"],
                "outcome": played["outcome"],
                "agent_choice": move_label(played["agent_move"], self.names, levels),
                "team_choice": move_label(played["move"], self.names, levels),
                "best_choice": move_label(played.get("best", KEEP), self.names, levels),
            }
            if seat not in held:
                rows.append(
                    {
                        **common,
                        "student": "",
                        "role": "agent",
                        "submitted": False,
                        "choice": move_label(played["move"], self.names, levels),
                    }
                )
                continue
            for student, (s, d) in sorted(decisions.items()):
                if s == seat:
                    rows.append(self._student_row(student, d, played, common, levels))
        return rows

    def _student_row(self, student, d, played, common, levels) -> dict:
        """One student's record: their own choice beside the team's, the agent's and the
        best, and how likely the agent was to choose what the student chose."""
        own = d["move"] if d is not None else played["agent_move"]
        return {
            **common,
            "student": student,
            "role": "student",
            "submitted": d is not None,
            "choice": move_label(own, self.names, levels) if d is not None else "",
            "own_move": own if d is not None else "",
            "own_budget_pct": d["budget_pct"] if d is not None else np.nan,
            "own_gain_pct_gdp": 100 * played.get("gains", {}).get(own, np.nan)
            if d is not None
            else np.nan,
            "agent_probability_of_own": played["probs"].get(own, np.nan)
            if d is not None
            else np.nan,
            "accept": ";".join(d["accept"]) if d is not None else "",
            "move_open": bool(played.get("open", True)),
        }

    # --- the dashboard -------------------------------------------------------------------------
    def board(self) -> dict:
        """The class world after the last year played (at the start: 2024): blocs, ties,
        budgets and the year's events."""
        return self._board

    def _snapshot(self) -> dict:
        """The board's data now: the states on a circle in the order ``circle_order`` chose
        when the session began (the same places every year)."""
        m, w = self.model, self.model.world
        if self._order is None:
            self._order = circle_order(np.asarray(w.lon, float), m.levels > 0)
        order = self._order
        angle = np.empty(w.n)
        angle[order] = np.pi + np.arange(w.n) * 2 * np.pi / max(w.n, 1) * (w.n > 1)
        x, y = 0.5 + 0.4 * np.cos(angle), 0.5 - 0.4 * np.sin(angle)
        group = {j: name for members, name in m.blocs.items() for j in members}
        nodes = [
            {
                "id": code,
                "name": w.names[j],
                "x": round(0.08 + 0.84 * float(x[j]), 4),
                "y": round(0.1 + 0.8 * float(y[j]), 4),
                "group": group.get(j, ""),
            }
            for j, code in enumerate(w.iso3)
        ]
        edges = [
            {
                "a": w.iso3[a],
                "b": w.iso3[b],
                "level": int(m.levels[a, b]),
                "label": LEVELS[m.levels[a, b]],
            }
            for a in range(w.n)
            for b in range(a + 1, w.n)
            if m.levels[a, b] > 0
        ]
        bars = [
            {
                "id": code,
                "name": w.names[j],
                "value": round(100 * float(m.state.share[j]), 2),
                "unit": "% of GDP",
                "reference": round(100 * float(m.share_2024[j]), 2),
            }
            for j, code in enumerate(w.iso3)
        ]
        year = int(m.state.year)
        formed = "formed" if m.recorder.asian_nato_now else "not formed"
        blocs = [
            f"Bloc {name}: {', '.join(sorted(w.iso3[j] for j in s))}" for s, name in m.blocs.items()
        ]
        blocs += [
            f"Treaty {t.name}: {', '.join(w.iso3[j] for j in t.members)}" for t in m.state.treaties
        ]
        events = [e["reason"] for e in m.recorder.events if e["year"] == year and e["reason"]]
        return {
            "headline": f"{year}: Asian NATO {formed}",
            "lines": blocs or ["No treaty or formal bloc."],
            "events": events,
            "nodes": nodes,
            "edges": edges,
            "bars": bars,
            "table": None,
        }

    def config(self) -> dict:
        """The overrides, seed and years that rebuild the game."""
        return {
            "game": self.key,
            "overrides": list(self.overrides),
            "seed": self.seed,
            "turns": self.turns,
            "seats": self.seats(),
            "names": dict(self.names),
        }


def debrief_tables(records: pd.DataFrame, config: dict) -> list[tuple[str, pd.DataFrame]]:
    """The debrief of a model session: the teams' budgets and moves against the agents' and the
    best, by seat and year (a seat and year in which no student of the team submitted was the
    agent's play, and is left out), and a line per student."""
    students = records[records["role"] == "student"]
    submitted = students[students["submitted"].astype(bool)]
    if submitted.empty:
        return [("No student submitted", pd.DataFrame({"note": ["no student decisions"]}))]
    played = (
        submitted.groupby(["year", "seat"], sort=True)
        .first()
        .reset_index()
        .assign(submitted=submitted.groupby(["year", "seat"], sort=True).size().to_numpy())
    )
    budgets = played[
        ["year", "seat", "submitted", "team_budget_pct", "agent_budget_pct", "best_response_pct"]
    ].round(2)
    moves = played[
        [
            "year",
            "seat",
            "team_choice",
            "outcome",
            "payoff",
            "agent_choice",
            "agent_gain_pct_gdp",
            "best_choice",
            "best_gain_pct_gdp",
        ]
    ].round(3)
    per_student = (
        submitted.assign(
            same_as_agent=submitted["own_move"] == submitted["agent_move"],
            chose_best=submitted["own_move"] == submitted["best_move"],
            budget_gap=(submitted["own_budget_pct"] - submitted["best_response_pct"]).abs(),
        )
        .groupby(["student", "seat"], sort=True)
        .agg(
            years=("year", "count"),
            own_gain=("own_gain_pct_gdp", "mean"),
            best_gain=("best_gain_pct_gdp", "mean"),
            share_best_move=("chose_best", "mean"),
            share_as_agent=("same_as_agent", "mean"),
            agent_probability_of_own=("agent_probability_of_own", "mean"),
            budget_gap_pct=("budget_gap", "mean"),
        )
        .round(3)
        .reset_index()
    )
    return [
        ("Budgets: the teams against the agents and the best response (% of GDP)", budgets),
        ("Moves: the teams' gains against the agents' and the best (% of GDP)", moves),
        ("Each student: gains, best moves and how an agent would have chosen", per_student),
    ]
