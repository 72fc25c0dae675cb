"""The alliance model: the world, its yearly step, and what it records.

Each step is one year:
1. GDP grows (or follows ``world.gdp_path``); the accessions the scenario states take effect
   (``_scenario_accessions``); the scenario events post this year's offers, targets, shocks and
   affinity changes;
2. the year's payoff context is computed once (threat, costs of commitment: sim.core.payoffs);
3. the alignment rule fixes what holds for the year (``prepare``); every state, in random order
   drawn from the model's generator, takes its budget decision and its alignment decision
   (``StateAgent.step``; the rule is a class from ``sim.rules``, chosen by
   ``model.alignment.rule``, and sees the model through an ``AllianceView``);
4. capability moves on (K' = (1 - depreciation) K + spending + aid bought as capability): the
   year's spending is added, then the aid paid to the recipients that qualify and what it buys;
5. formal blocs are detected and compared with last year's (formation, accession, exit,
   dissolution); the year is recorded.

All randomness comes from the model's own generator (``Model(rng=seed)``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from operator import attrgetter

import mesa
import numpy as np

from sim.abm.agents import StateAgent
from sim.abm.compiled import CompiledDecisions
from sim.abm.explain import (
    WORDING_DECIMALS,
    article,
    at_a_loss,
    balance,
    loosening,
    terms_json,
)
from sim.abm.recorder import Recorder
from sim.core import calibration, coalitions, kernels, payoffs
from sim.core.budget import best_response_scalar, calibrate_preferences, target_penalty
from sim.core.geography import projection_weights
from sim.outcomes import data_collector_reporters
from sim.rules import get_rule
from sim.schema import LEVELS
from sim.world.builder import World
from sim.world.events import Event, settle_aid
from sim.world.state import WorldState


def as_params(params):
    """Plain dataclass parameters from a config node (attribute access on OmegaConf nodes is
    slow on the hot path)."""
    from omegaconf import DictConfig, OmegaConf

    if isinstance(params, DictConfig):
        return OmegaConf.to_object(params)
    return params


@dataclass(frozen=True, eq=False)
class Start:
    """What a model's construction calibrates on the base year (``AllianceModel._calibrate``):
    it depends on the world and the parameters, not on the seed, so a sweep's models after
    the first take it over (``AllianceModel(start=...)``, ``sim.runner.simulate``)
    instead of calibrating again. Each model copies the vectors it takes; the (n, n)
    relationship values are one read-only copy that the models taking over share (the model
    replaces the array, it never writes into it): one array for a sweep, not one a model
    (800 MB at 10,000 states). The model that calibrated keeps its own, writable."""

    world: World
    params: object
    theta: np.ndarray
    private: np.ndarray
    target_weight: np.ndarray
    relationship: np.ndarray
    membership_value: dict[str, np.ndarray]
    rest_point_shortfall: int


@dataclass(frozen=True, eq=False)
class PairTerms:
    """The year's context terms that ``AllianceModel._context`` computes by the numpy reference
    or by the compiled kernel (the fields of ``payoffs.AlignmentContext`` of the same names;
    ``intent`` is the threat at the base year's capabilities, the crisis factor's)."""

    hostility: np.ndarray
    threat: np.ndarray
    intent: np.ndarray
    base: np.ndarray
    credibility: np.ndarray
    stakes: np.ndarray
    dependence: np.ndarray
    linear: np.ndarray
    coercers: np.ndarray
    at_risk: np.ndarray
    excess: np.ndarray
    rival_lists: tuple[np.ndarray, np.ndarray] | None = None


class AllianceModel(mesa.Model):
    """States deciding budgets and alignments, year by year.

    Args:
        world: the calibrated world (``sim.world.builder.build_world``).
        params: the model's parameters: a ``sim.schema.ModelConfig`` (or a config node with its
            fields, which is converted).
        events: the scenario's events (``sim.world.events.build_events``).
        rng: the seed (an int) of the model's random generator.
        scenario: the scenario's name (recorded in the outputs).
        start: the calibration of an earlier model of the same world and parameters
            (its ``start``), taken over instead of calibrating again.
    """

    agent_class: type[StateAgent] = StateAgent
    """The class of the states' agents (the class game seats students in a subclass)."""
    compiled_context: bool = True
    """Whether the compiled engine computes the year's context by its kernel
    (``_pair_terms_compiled``); the reference engine never does."""
    compiled_terms: bool = True
    """Whether the compiled engine computes the recorded utility terms by its kernel
    (``kernels.current_terms``; ``utility_terms``); the reference engine never does."""

    def __init__(
        self,
        world: World,
        params,
        events: list[Event] | None = None,
        rng: int | None = None,
        scenario_name: str = "baseline",
        start: Start | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.world = world
        self.params = as_params(params)
        params = self.params
        self.rule = get_rule(params.alignment.rule)(params.alignment)
        self.view = AllianceView(self)
        self.events = list(events or [])
        self.scenario_name = scenario_name
        self.random_np: np.random.Generator = self.rng
        n = world.n
        sec = params.security
        self.state = WorldState.initial(world, sec.depreciation)
        self.level_weight = np.asarray(sec.level_weights, dtype=float)
        if self.level_weight.shape != (4,):
            raise ValueError(
                "model.security.level_weights needs 4 values (none, alignment, partnership, formal)"
            )
        self.reach = projection_weights(world.distance, world.range_km)
        b = params.budget
        self.lower = np.where(np.isnan(world.min_share), b.min_pct_gdp / 100, world.min_share)
        self.upper = np.where(np.isnan(world.max_share), b.max_pct_gdp / 100, world.max_share)
        self.lower = np.minimum(self.lower, self.state.share)
        self.upper = np.maximum(self.upper, self.state.share)
        self.background_base = b.background_threat_share * self.state.capability
        self.gdp_base = self.state.gdp.copy()
        self.best_response = self.state.share.copy()
        self.sides = np.zeros(n, dtype=np.uint8)
        self.treaty_names: list[str] = [t.name for t in world.treaties]
        self._treaty_arrays()
        self.levels = self.state.levels()
        self.state.apply_treaty_targets(b.target_weight, b.target_abandonment_risk)
        self.capability_2024 = self.state.capability.copy()
        self.share_2024 = self.state.share.copy()
        self.commitments_2024 = self.level_weight[self.levels].sum(axis=1)
        self.relationship = np.zeros((n, n))
        self.membership_value: dict[str, np.ndarray] = {}
        self.threat_base: np.ndarray | None = None  # the base year's threat (set by _context)
        self.compiled: CompiledDecisions | None = None  # set once the agents exist
        if start is None:
            self._calibrate()
        else:
            self._restore(start)
        for i in range(n):
            self.agent_class(self, i)
        self.by_index = sorted(self.agents, key=lambda a: a.index)
        self.compiled = CompiledDecisions.for_model(self)  # None: the states decide in Python
        self.rule.start(self.view)
        pred = params.predicates
        self.poles = (
            [i for i, c in enumerate(world.iso3) if c == pred.asian_nato_hub],
            [i for i, c in enumerate(world.iso3) if c in pred.rivals],
        )
        self.recorder = Recorder(self)
        self._blocs: dict[frozenset[int], str] = {}
        self._clique_cache = coalitions.CliqueCache()  # searches again when formal ties change
        self._bloc_count = 0
        # the outcomes that have a value every year (sim.outcomes), recorded by Mesa
        self.datacollector = mesa.DataCollector(model_reporters=data_collector_reporters())
        self._update_blocs()
        self.recorder.record()
        self.datacollector.collect(self)

    # --- the year -----------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one year: the year opens (``begin_year``), every state takes its decisions
        in an order drawn from the model's generator, and the year closes (``end_year``)."""
        self.begin_year()
        self.agents.shuffle_do("step")
        self.end_year()

    def begin_year(self) -> None:
        """Open the next year: GDP, the year's treaties, pledges and scenario events, and the
        payoff context every decision of the year starts from."""
        s = self.state
        s.year += 1
        s.gdp = self.world.gdp_in(s.year, s.gdp)  # the actual path where given, else growth
        s.reset_year()
        self._scenario_accessions()
        s.apply_treaty_targets(
            self.params.budget.target_weight, self.params.budget.target_abandonment_risk
        )
        for event in self.events:
            if event.active(s.year):
                event.post(s)
                if s.year == event.start_year:
                    self.log("scenario", reason=event.describe(self.world.iso3))
        self._renew_context()
        self.target_weight_now = self.target_weights()
        self._richardson_reference()
        self.rule.prepare(self.view)

    def end_year(self) -> None:
        """Close the year: capabilities, aid, blocs and the year's records."""
        s = self.state
        dep = self.params.security.depreciation
        s.capability = (1 - dep) * s.capability + s.spending
        self.aid_paid = self._aid_paid()
        settle_aid(s, self.aid_paid)  # capability bought with aid enters like this year's spending
        self._renew_context()
        self._update_blocs()
        self.recorder.record()
        self.datacollector.collect(self)

    def run(self, years: int | None = None) -> None:
        """Run for ``years`` steps (default: the configured horizon)."""
        for _ in range(self.params.horizon if years is None else years):
            self.step()

    # --- payoffs ------------------------------------------------------------------------------
    def _renew_context(self, theta: np.ndarray | None = None) -> None:
        """Replace the year's context by a new one (``_context``). The old one, and the kernel's
        arrays converted from it, are let go first: a large world never holds two contexts at
        once (each is several n x n arrays, about 0.8 GB apiece at 10,000 states)."""
        self.ctx = None
        if self.compiled is not None:
            self.compiled.forget_context()
        self.ctx = self._context(theta)

    def _context(self, theta: np.ndarray | None = None) -> payoffs.AlignmentContext:
        """The year's payoff context (sim.core.payoffs), computed once per step: its pair terms
        by the compiled kernel with the compiled engine (``_pair_terms_compiled``), else by the
        numpy reference (``_pair_terms``); both give the same floats."""
        s, a, sec = self.state, self.params.alignment, self.params.security
        k = s.capability
        inputs = self._context_inputs()
        compiled = (
            self.compiled_context
            and self.params.engine == "compiled"
            and not np.isnan(s.affinity).any()  # the kernel's sparse rows need no NaN
        )
        terms = (self._pair_terms_compiled if compiled else self._pair_terms)(*inputs)
        if self.threat_base is None:
            self.threat_base = terms.threat.copy()
        # how likely a crisis is: hostile intentions within reach, at the base year's power
        likelier = payoffs.crisis_factor(
            terms.intent, self.threat_base, sec.crisis_threat_elasticity
        )
        return payoffs.AlignmentContext(
            theta=(self.theta if theta is None else theta) * likelier,
            own=k,
            threat=terms.threat,
            base=terms.base,
            credibility=terms.credibility,
            level_weight=self.level_weight,
            linear=terms.linear,
            hostility=terms.hostility,
            stakes=terms.stakes,
            dependence=terms.dependence,
            autonomy_weight=a.autonomy_weight,
            coercers=terms.coercers,
            at_risk=terms.at_risk,
            excess=terms.excess,
            levels=self.levels,
            aid_offer=s.aid_offer,
            aid_min_level=s.aid_min_level,
            aid_min_partners=s.aid_min_partners,
            aid_capability=s.aid_channels[:, 0],
            aid_cash=s.aid_channels[:, 3],
            aid_from_defence=s.aid_from_defence,
            gdp=s.gdp,
            depreciation=sec.depreciation,
            side_payment_weight=a.side_payment_weight,
            engine=self.params.engine,
            rival_lists=terms.rival_lists,
        )

    def _context_inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What both engines' pair terms start from: the perceived power, this year's
        unmodelled threat and the credibility factor (numpy's powers and sums)."""
        s, sec = self.state, self.params.security
        power = payoffs.perceived_power(
            s.capability, s.spending, sec.depreciation, sec.threat_flow_weight
        )
        # unmodelled threats keep their size relative to the economy (nominal GDP grows)
        background = self.background_base * s.gdp / self.gdp_base
        factor = payoffs.credibility_factor(
            s.share,  # effort: the share of GDP against 2024's (neutral to nominal growth)
            self.share_2024,
            self.level_weight[self.levels].sum(axis=1),
            self.commitments_2024,
            sec.credibility_budget_elasticity,
            sec.credibility_overstretch_elasticity,
        )
        return power, background, factor

    def _pair_terms(
        self, power: np.ndarray, background: np.ndarray, factor: np.ndarray
    ) -> PairTerms:
        """The context's pair terms by the numpy reference (sim.core.payoffs).

        Args:
            power: (n,) ``payoffs.perceived_power``; background: (n,) this year's unmodelled
                threat; factor: (n,) ``payoffs.credibility_factor``.
        """
        s, a, sec = self.state, self.params.alignment, self.params.security
        k = s.capability
        hostility = payoffs.hostility(s.affinity)
        threat = payoffs.threat(power, hostility, self.reach) + background
        intent = payoffs.threat(self.capability_2024, hostility, self.reach) + self.background_base
        n_commit = (self.levels > 0).sum(axis=1)
        reach_to = payoffs.containment_reach(self.reach, hostility, k, background)
        available = payoffs.ally_availability(k, n_commit, sec.publicness)
        promised = np.minimum(sec.max_credibility, s.credibility * factor[None, :])
        stakes = a.entrapment_weight * payoffs.entrapment_stakes(
            self.reach, k, self.level_weight[self.levels]
        )
        upkeep = np.broadcast_to((a.tie_cost_usd_bn / s.gdp)[:, None], s.affinity.shape).copy()
        np.fill_diagonal(upkeep, 0.0)
        linear = np.stack([-upkeep, a.affinity_weight * s.affinity, self.relationship], axis=2)
        coercers, at_risk, excess = payoffs.coercion_exposure(
            self.world.trade,
            s.coercion_propensity,
            hostility,
            a.coercion_value_added_share,
            a.coercion_weight,
        )
        return PairTerms(
            hostility=hostility,
            threat=threat,
            intent=intent,
            base=reach_to * available[None, :],
            credibility=payoffs.credible_commitment(promised, hostility),
            stakes=stakes,
            dependence=payoffs.dependence(k),
            linear=linear,
            coercers=coercers,
            at_risk=at_risk,
            excess=excess,
        )

    def _pair_terms_compiled(
        self, power: np.ndarray, background: np.ndarray, factor: np.ndarray
    ) -> PairTerms:
        """``_pair_terms`` in one call into compiled code (``sim.core._jit_context``), with the
        sparse rows of the hostility the decision kernel walks."""
        s, a, sec = self.state, self.params.alignment, self.params.security
        out = kernels.year_context(
            s.affinity,
            self.reach,
            s.capability,
            power,
            background,
            self.capability_2024,
            self.background_base,
            self.levels,
            self.level_weight,
            sec.publicness,
            s.credibility,
            factor,
            sec.max_credibility,
            a.entrapment_weight,
            a.tie_cost_usd_bn / s.gdp,
            a.affinity_weight,
            self.relationship,
            self.world.trade,
            s.coercion_propensity,
            a.coercion_weight * a.coercion_value_added_share,
        )
        return PairTerms(*out[:11], rival_lists=out[11:])

    def _calibrate(self) -> None:
        """The base year's preferences (theta, private benefit) and relationship and membership
        values, by revealed preference (``_preferences``, ``_calibrate_ties``); ``self.start``
        keeps them for other models of the same world and parameters."""
        self._renew_context(theta=np.ones(self.world.n))  # the threat and allies needed
        self.theta, self.private = self._preferences()
        self._renew_context()
        self.target_weight_now = self.target_weights()
        self.rest_point_shortfall = self._calibrate_ties()
        shared = self.relationship.copy()
        shared.setflags(write=False)  # the models that take it over share it
        self.start = Start(
            self.world,
            self.params,
            self.theta.copy(),
            self.private.copy(),
            self.target_weight_now.copy(),
            shared,
            {name: v.copy() for name, v in self.membership_value.items()},
            self.rest_point_shortfall,
        )

    def _restore(self, start: Start) -> None:
        """What ``_calibrate`` found for another model of the same world and parameters (it
        does not depend on the seed; the scenario's events act from the year after the base
        year), taken over instead of calibrated again."""
        if start.world is not self.world or start.params != self.params:
            raise ValueError("a model's start comes from a model of the same world and params")
        self.theta, self.private = start.theta.copy(), start.private.copy()
        self.target_weight_now = start.target_weight.copy()
        self.relationship = start.relationship  # read-only, shared
        self.membership_value = {name: v.copy() for name, v in start.membership_value.items()}
        self.rest_point_shortfall = start.rest_point_shortfall
        self._renew_context()
        self.start = start

    def _calibrate_ties(self) -> int:
        """Relationship values and treaty membership values by revealed preference: the 2024
        ties and treaties become a rest point (``sim.core.calibration``). Returns the number of
        ties whose rest point falls short of the margin (0 when the calibration is off)."""
        a = self.params.alignment
        if not a.calibrate_ties:
            return 0
        margin = a.rest_margin * a.temperature_pct_gdp / 100
        self.relationship, short = calibration.relationship_values(
            self.tie_gains,  # the decisions' own scoring: at temperature 0 the rest point's
            # gains are 0 up to rounding, and another scorer's rounding could tip consent
            self.levels,
            self.treaty_levels,
            self.level_weight,
            a.tie_change_cost,
            margin,
        )
        self._renew_context()
        for name in self.treaty_names:
            exit_gain = np.full(self.world.n, -np.inf)
            for i in self.state.treaty(name).members:
                exit_gain[i] = self.exit_gain(i, name)
            self.membership_value[name] = calibration.membership_values(exit_gain, margin)
        return int(short.sum())

    def tie_gains(self, i: int, partners: np.ndarray, new_levels: np.ndarray) -> np.ndarray:
        """(m,) what state i gains now by moving its tie with each partner to each new level,
        before the cost of the change (the rule's value; ``calibration.relationship_values``)."""
        d = payoffs.tie_change_deltas(i, self.levels[i], partners, new_levels, self.ctx)
        return self.decision_value(d)

    def exit_gain(self, i: int, name: str) -> float:
        """What state i would gain now by leaving treaty ``name``, after the treaty exit cost
        and before its membership value, fraction of GDP (the rule's value of the change)."""
        row = self.row_without_treaty(i, name)
        d = payoffs.row_change_deltas(i, self.levels[i], row[None, :], self.ctx)
        return float(self.decision_value(d)[0]) - self.params.alignment.treaty_exit_cost

    def _scenario_accessions(self) -> None:
        """The accessions the scenario states as facts this year (``accession`` events), at the
        start of the year, before the treaties' targets and the year's events post.

        The treaty arrays are refreshed (the new member's ties to the members come from the
        treaty). The new member chose to join, so it is calibrated by revealed preference as the
        members of the base year were (``_calibrate_ties``): the pairs the accession tied get
        their relationship values again at their new level (0 for a pair a formal treaty holds,
        which has no move left; the values of before, set to hold the state back from these
        ties, would now push it out), and the new member its membership value, so that leaving
        loses the margin now. Each accession is logged."""
        s, a = self.state, self.params.alignment
        joined = [j for e in self.events if e.active(s.year) for j in e.restructure(s)]
        if not joined:
            return
        before = self.levels
        self.ties_changed(treaties=True)
        self._renew_context()
        margin = a.rest_margin * a.temperature_pct_gdp / 100
        if a.calibrate_ties:
            # the pairs the accession tied: calibrated again at their new level, as the base
            # year's pairs were (a pair a formal treaty holds has no move left: value 0)
            moved = self.levels != before
            top = len(self.level_weight) - 1
            rho, _ = calibration.relationship_values(
                self.tie_gains,
                np.where(moved, self.levels, top),  # the other pairs: no move to calibrate
                np.where(moved, self.treaty_levels, top),
                self.level_weight,
                a.tie_change_cost,
                margin,
            )
            self.relationship = np.where(moved, rho, self.relationship)
            self._renew_context()
        for i, name in joined:
            if a.calibrate_ties:
                value = self.membership_value.setdefault(name, np.zeros(self.world.n))
                gain = np.array([self.exit_gain(i, name)])
                value[i] = calibration.membership_values(gain, margin)[0]
            iso = self.world.iso3[i]
            self.log(
                "accession",
                actor=iso,
                alliance=name,
                reason=f"{iso} joined {name} (scenario accession, no consent procedure)",
            )

    def _preferences(self) -> tuple[np.ndarray, np.ndarray]:
        """Value of security and of the private benefit of own defence, per state: by revealed
        preference (sim.core.budget.calibrate_preferences), or equal (theta) and zero when not
        calibrated (a pure public-good alliance)."""
        b = self.params.budget
        n = self.world.n
        if not b.calibrate_preferences:
            return np.full(n, float(b.theta)), np.zeros(n)
        allied, probs = payoffs.lottery_outcomes(*self.ctx.allies(np.arange(n), self.levels))
        return calibrate_preferences(
            self.state.share,
            allied,
            self.ctx.threat,
            self.state.gdp / self.params.security.depreciation,
            self.state.target_share,
            self.state.target_weight,
            b.private_benefit_share,
            probs=probs,
            smoothing=b.target_smoothing_pct_points / 100,
            weight_per_theta=self.target_weight_per_theta(),
        )

    def target_weight_per_theta(self) -> np.ndarray:
        """(n,) the part of each state's target weight that grows with its value of security:
        ``100 * target_risk * v``, where ``v`` is what its allies are worth to it now per unit of
        theta (``payoffs.allies_value``). A shortfall of one point of GDP puts ``target_risk`` of
        that value at risk: the leader's pressure for burden sharing weighs on an ally in
        proportion to what the leader's protection is worth to it (Blankenship 2023)."""
        s = self.state
        if not s.target_risk.any():
            return np.zeros(self.world.n)
        v = payoffs.allies_value(self.ctx, np.arange(self.world.n), self.levels)
        return 100.0 * s.target_risk * np.where(s.target_share > 0, v, 0.0)

    def target_weights(self) -> np.ndarray:
        """(n,) each state's weight on its spending target this year: the fixed part posted by
        treaties and events plus the part that grows with the value of its allies."""
        return self.state.target_weight + self.ctx.theta * self.target_weight_per_theta()

    def terms_of(self, agents: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Alignment terms (fraction of GDP) of candidate commitment rows (sim.core.payoffs)."""
        return payoffs.alignment_terms(agents, rows, self.ctx)

    def single_change(self, i: int, j: int, new_level: int) -> np.ndarray:
        """Change in state i's alignment terms if its tie with j moved to ``new_level``."""
        return payoffs.tie_change_deltas(
            i, self.levels[i], np.array([j]), np.array([new_level]), self.ctx
        )[0]

    def exit_cost(self, i: int, name: str) -> float:
        """What leaving treaty ``name`` costs state i beyond its payoff terms, fraction of GDP:
        the treaty exit cost and its calibrated membership value."""
        value = self.membership_value.get(name)
        extra = 0.0 if value is None else float(value[i])
        return self.params.alignment.treaty_exit_cost + extra

    def decision_value(self, deltas: np.ndarray) -> np.ndarray:
        """(m,) what a state maximises when it aligns, from (m, 7) term changes: the rule's
        ``value`` (``sim.rules``)."""
        return self.rule.value(deltas)

    def allied_lottery(self, i: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """State i's allied capability in each outcome of the abandonment lottery (USD bn) and
        their probabilities (``sim.core.payoffs.security_lottery``)."""
        allied, probs = payoffs.lottery_outcomes(
            *self.ctx.allies(np.array([i]), self.levels[i][None, :])
        )
        return tuple(allied[0].tolist()), tuple(probs[0].tolist())

    def hostile_spending(self) -> np.ndarray:
        """(n,) defence spending of the states hostile to each state, weighted by hostility and
        reach, USD bn (at the current shares)."""
        h = payoffs.hostility(self.state.affinity)
        return (h * self.reach.T) @ self.state.spending

    def _richardson_reference(self) -> None:
        """Start-of-year hostile spending, and each reacting state's reference: the hostile
        spending when its reaction began (reset when no reaction is active)."""
        s = self.state
        if not s.reaction.any():
            s.reaction_reference[:] = np.nan
            return
        self.hostile_start = self.hostile_spending()
        fresh = np.isnan(s.reaction_reference)
        s.reaction_reference = np.where(
            s.reaction > 0, np.where(fresh, self.hostile_start, s.reaction_reference), np.nan
        )

    def utility_terms(self) -> np.ndarray:
        """(n, 9) every state's utility terms now (fraction of GDP), in ``payoffs.TERMS`` order."""
        n = self.world.n
        s = self.state
        if self.params.engine == "compiled" and self.compiled_terms:
            align = kernels.current_terms(self.ctx)
        else:
            align = self.terms_of(np.arange(n), self.levels)
        out = np.empty((n, len(payoffs.TERMS)))
        with np.errstate(divide="ignore", invalid="ignore"):
            private = np.where(self.private > 0, self.private * np.log(s.share), 0.0)
        out[:, 0] = align[:, 0] + private
        out[:, 1] = payoffs.consumption_utility(s.share)
        out[:, 2:8] = align[:, 1:7]
        out[:, 8] = target_penalty(
            s.share,
            s.target_share,
            self.target_weight_now,  # the weight the year's budget decisions used
            self.params.budget.target_smoothing_pct_points / 100,
        )
        return out

    # --- commitments --------------------------------------------------------------------------
    def ties_changed(self, treaties: bool = False) -> None:
        """Refresh the effective levels after a bilateral change (or a treaty change)."""
        if treaties:
            self._treaty_arrays()
        self.levels = np.maximum(self.state.bilateral, self.treaty_levels)
        self.ctx = replace(self.ctx, levels=self.levels)

    def _treaty_arrays(self) -> None:
        """Refresh the arrays that describe treaty membership (after accession or exit)."""
        n = self.world.n
        treaties = self.state.treaties
        self.treaty_names_now = [t.name for t in treaties]
        self.treaty_member = np.zeros((len(treaties), n), dtype=bool)
        for k, t in enumerate(treaties):
            self.treaty_member[k, t.members] = True
        self.treaty_level_of = np.array([t.level for t in treaties], dtype=np.int8)
        self.treaty_levels = self.state.treaty_levels()
        self.treaty_source = self._treaty_source()

    def _treaty_source(self) -> np.ndarray:
        """(n, n) index in ``treaty_names`` of the first treaty binding each pair (-1 none)."""
        n = self.world.n
        source = np.full((n, n), -1)
        for t in reversed(self.state.treaties):
            m = np.array(t.members)
            source[np.ix_(m, m)] = self.treaty_names.index(t.name)
        np.fill_diagonal(source, -1)
        return source

    def treaty_options(self, i: int) -> tuple[list[str], list[str]]:
        """Treaties state i may leave and those it may ask to join this year."""
        exits = [t.name for t in self.state.treaties if i in t.members]
        joins = [t.name for t in self.state.treaties if i in t.open_to and i not in t.members]
        return exits, joins

    def _row_with_members(self, i: int, name: str, include: bool) -> np.ndarray:
        """State i's commitment row with its membership of treaty ``name`` set to ``include``."""
        k = self.treaty_names_now.index(name)
        member = self.treaty_member.copy()
        member[k, i] = include
        mine = member[:, i]
        levels = np.where(member[mine], self.treaty_level_of[mine][:, None], 0)
        row = np.maximum(self.state.bilateral[i], levels.max(axis=0, initial=0))
        row[i] = 0
        return row

    def row_without_treaty(self, i: int, name: str) -> np.ndarray:
        """State i's commitment row if it left treaty ``name``."""
        return self._row_with_members(i, name, include=False)

    def row_with_treaty(self, i: int, name: str) -> np.ndarray:
        """State i's commitment row if it joined treaty ``name``."""
        return self._row_with_members(i, name, include=True)

    def exit_treaty(self, i: int, name: str, delta: np.ndarray) -> None:
        """State i leaves a treaty (unilateral); a treaty left with one member dissolves."""
        cost = self.exit_cost(i, name)
        t = self.state.treaty(name)
        t.members = [m for m in t.members if m != i]
        iso = self.world.iso3[i]
        self.log(
            "exit",
            actor=iso,
            alliance=name,
            delta_actor=delta,
            cost_actor=cost,
            reason=f"{iso} left {name}: {balance(delta, cost)}",
        )
        if len(t.members) < 2:
            self.state.treaties.remove(t)
            self.log("dissolution", alliance=name, reason=f"{name} dissolved: {iso} left")
        self.ties_changed(treaties=True)

    def try_accession(self, i: int, name: str, delta: np.ndarray) -> None:
        """State i applies to join treaty ``name`` by the rule's accession procedure
        (``sim.rules.expected_utility.ExpectedUtility.apply_to_join``: every member with
        something at stake must consent)."""
        self.rule.apply_to_join(self.view, i, name, delta)

    def _aid_paid(self) -> np.ndarray:
        """``paid[d, i]``: aid each donor pays each recipient this year (USD bn), by eligibility."""
        n = self.world.n
        return payoffs.aid_by_donor(np.arange(n), self.levels, self.ctx).T

    # --- propensities -------------------------------------------------------------------------
    def propensity(self) -> np.ndarray:
        """Pairwise propensities to align (the landscape rule's): the current affinity."""
        return self.state.affinity

    # --- blocs --------------------------------------------------------------------------------
    def _update_blocs(self) -> None:
        """Detect formal blocs (cliques of formal ties) and log formations, accessions, exits
        and dissolutions against last year's blocs (which clique continues which bloc, under
        its name: ``coalitions.match_blocs``).

        The cliques are searched for again only when the formal ties changed (a
        ``coalitions.CliqueCache`` kept on the model); the same blocs as last year keep their
        names and log nothing, so they are left as they are."""
        cliques = [frozenset(c) for c in self._clique_cache(self.levels >= 3, 3)]
        treaty_sets = {frozenset(t.members) for t in self.state.treaties}
        cliques = [c for c in cliques if c not in treaty_sets]
        if self._blocs.keys() == set(cliques):
            return
        old = dict(self._blocs)
        new: dict[frozenset[int], str] = {}
        pairs, ended = coalitions.match_blocs(old, cliques)
        for c, best in pairs:
            if best is not None:  # this year's clique continues last year's bloc ``best``
                name = old[best]
                for j in sorted(c - best):
                    self.log(
                        "accession",
                        actor=self.world.iso3[j],
                        alliance=name,
                        reason=f"{self.world.iso3[j]} joined formal bloc {name}",
                    )
                for j in sorted(best - c):
                    self.log(
                        "exit",
                        actor=self.world.iso3[j],
                        alliance=name,
                        reason=f"{self.world.iso3[j]} left formal bloc {name}",
                    )
            else:
                self._bloc_count += 1
                name = f"Bloc {self._bloc_count}"
                members = "-".join(self.world.iso3[j] for j in sorted(c))
                self.log("formation", alliance=name, reason=f"formal bloc {name} formed: {members}")
            new[c] = name
        for o in ended:
            self.log("dissolution", alliance=old[o], reason=f"formal bloc {old[o]} dissolved")
        self._blocs = new

    @property
    def blocs(self) -> dict[frozenset[int], str]:
        """Current formal blocs (member index sets) and their names."""
        return self._blocs

    # --- event log ----------------------------------------------------------------------------
    def log(
        self,
        kind: str,
        *,
        actor: str = "",
        partner: str = "",
        alliance: str = "",
        from_level: int | None = None,
        to_level: int | None = None,
        delta_actor: np.ndarray | None = None,
        delta_partner: np.ndarray | None = None,
        cost_actor: float = 0.0,
        cost_partner: float = 0.0,
        reason: str = "",
    ) -> None:
        """Record an event with its payoff reasons (``delta_*``: term changes, fraction of GDP;
        ``cost_*``: what the change costs beyond them, the cost of changing a tie or of leaving
        a treaty). The recorded utility changes are net of the costs, in % of GDP."""
        self.recorder.event(
            kind=kind,
            actor=actor,
            partner=partner,
            alliance=alliance,
            from_level=from_level,
            to_level=to_level,
            delta_utility_actor=None
            if delta_actor is None
            else float((self.decision_value(delta_actor[None, :])[0] - cost_actor) * 100),
            delta_utility_partner=None
            if delta_partner is None
            else float((self.decision_value(delta_partner[None, :])[0] - cost_partner) * 100),
            terms="" if delta_actor is None else terms_json(delta_actor),
            reason=reason,
        )


@dataclass(frozen=True)
class BudgetInputs:
    """What a state's budget decision needs this year (shares are fractions of GDP, amounts
    USD bn): ``sim.core.budget``'s arguments (allied capability in each outcome of the
    abandonment lottery, with their probabilities), the Richardson push on the desired share (None
    when the state does not react) and a spending fixed by the scenario (NaN when none)."""

    share: float
    gdp: float
    theta: float
    allied: tuple[float, ...]
    probs: tuple[float, ...]
    threat: float
    capability_per_share: float
    lower: float
    upper: float
    target_share: float
    target_weight: float
    private: float
    push: float | None
    fixed_spending: float
    speed: float
    max_change: float
    smoothing: float
    gap_half: float
    engine: str = "reference"

    def best_response(self) -> float:
        """The best-response share for these inputs (``sim.core.budget.best_response_scalar``,
        or its kernel with ``model.engine=compiled``), before any Richardson push or scenario
        shock."""
        solve = kernels.best_response if self.engine == "compiled" else best_response_scalar
        return solve(
            self.theta,
            self.allied,
            self.threat,
            self.capability_per_share,
            self.lower,
            self.upper,
            self.target_share,
            self.target_weight,
            self.private,
            self.probs,
            self.smoothing,
        )


class AllianceView:
    """The model as a state and its alignment rule see it: what they read, the what-ifs they
    ask, and the acts that carry out and record a decision (``sim.rules.base.ModelView``, plus
    the budget decision's inputs and outcome). Reasons are written here, from the term changes
    the rule weighed (``sim.abm.explain``)."""

    def __init__(self, model: AllianceModel) -> None:
        self.model = model
        self.config = model.params.alignment
        self.iso3 = model.world.iso3

    # --- reading: the model's own arrays (ModelView's attributes) ----------------------------
    rng = property(attrgetter("model.random_np"))
    ctx = property(attrgetter("model.ctx"))
    levels = property(attrgetter("model.levels"))
    bilateral = property(attrgetter("model.state.bilateral"))
    treaty_levels = property(attrgetter("model.treaty_levels"))
    capability = property(attrgetter("model.state.capability"))
    sides = property(attrgetter("model.sides"))

    def propensity(self) -> np.ndarray:
        return self.model.propensity()

    # --- what-ifs -----------------------------------------------------------------------------
    def treaty_options(self, i: int) -> tuple[list[str], list[str]]:
        return self.model.treaty_options(i)

    def treaty_rows(self, i: int, exits: list[str], joins: list[str]) -> np.ndarray:
        m = self.model
        return np.array(
            [m.row_without_treaty(i, t) for t in exits] + [m.row_with_treaty(i, t) for t in joins]
        )

    def single_change(self, i: int, j: int, new_level: int) -> np.ndarray:
        return self.model.single_change(i, j, new_level)

    def treaty_members(self, name: str) -> tuple[list[int], int]:
        t = self.model.state.treaty(name)
        return t.members, t.level

    def exit_cost(self, i: int, name: str) -> float:
        return self.model.exit_cost(i, name)

    # --- acts ---------------------------------------------------------------------------------
    def loosen(self, i: int, j: int, new_level: int, delta: np.ndarray) -> None:
        m, a, b = self.model, self.iso3[i], self.iso3[j]
        old_level = int(m.levels[i, j])
        m.state.set_tie(i, j, new_level)
        m.ties_changed()
        m.log(
            "tie_loosened",
            actor=a,
            partner=b,
            from_level=old_level,
            to_level=new_level,
            delta_actor=delta,
            cost_actor=self.config.tie_change_cost,
            reason=loosening(a, b, new_level, delta, self.config.tie_change_cost),
        )

    def deepen(
        self, i: int, j: int, new_level: int, delta: np.ndarray, partner_delta: np.ndarray
    ) -> None:
        m, a, b = self.model, self.iso3[i], self.iso3[j]
        old_level = int(m.levels[j, i])
        kappa = self.config.tie_change_cost
        gain = float(m.decision_value(partner_delta[None, :])[0]) - kappa
        gain = round(100 * gain, WORDING_DECIMALS)  # % of GDP, as the reasons are worded
        m.state.set_tie(i, j, new_level)
        m.ties_changed()
        m.log(
            "tie_deepened",
            actor=a,
            partner=b,
            from_level=old_level,
            to_level=new_level,
            delta_actor=delta,
            delta_partner=partner_delta,
            cost_actor=self.config.tie_change_cost,
            cost_partner=self.config.tie_change_cost,
            reason=(
                f"{a} and {b} deepened to {LEVELS[new_level]}: "
                f"{a} {balance(delta, kappa)}{at_a_loss(a, delta, kappa)}; "
                f"{b} {balance(partner_delta, kappa)}"
                + (f" ({b} accepted at a loss: bounded rationality)" if gain < 0 else "")
            ),
        )

    def decline(
        self, j: int, i: int, new_level: int, partner_delta: np.ndarray, delta: np.ndarray
    ) -> None:
        m, a, b = self.model, self.iso3[i], self.iso3[j]
        m.log(
            "offer_declined",
            actor=b,
            partner=a,
            from_level=int(m.levels[j, i]),
            to_level=new_level,
            delta_actor=partner_delta,
            delta_partner=delta,
            cost_actor=self.config.tie_change_cost,
            cost_partner=self.config.tie_change_cost,
            reason=(
                f"{b} declined {article(LEVELS[new_level])} tie with {a}: "
                f"{balance(partner_delta, self.config.tie_change_cost)}"
            ),
        )

    def exit_treaty(self, i: int, name: str, delta: np.ndarray) -> None:
        self.model.exit_treaty(i, name, delta)

    def block_accession(self, j: int, i: int, name: str, d: np.ndarray, delta: np.ndarray) -> None:
        who, iso = self.iso3[j], self.iso3[i]
        self.model.log(
            "offer_declined",
            actor=who,
            partner=iso,
            alliance=name,
            delta_actor=d,
            delta_partner=delta,
            cost_actor=self.config.tie_change_cost,
            cost_partner=self.config.tie_change_cost,
            reason=f"{who} blocked {iso}'s accession to {name}: "
            f"{balance(d, self.config.tie_change_cost)}",
        )

    def admit(self, i: int, name: str, delta: np.ndarray) -> None:
        m, iso = self.model, self.iso3[i]
        t = m.state.treaty(name)
        t.members = sorted(set(t.members) | {i})
        t.open_to = [k for k in t.open_to if k != i]
        m.log(
            "accession",
            actor=iso,
            alliance=name,
            delta_actor=delta,
            cost_actor=self.config.tie_change_cost,
            reason=f"{iso} joined {name}: {balance(delta, self.config.tie_change_cost)}",
        )
        m.ties_changed(treaties=True)

    def switch_side(self, i: int, gain: float) -> None:
        m, iso = self.model, self.iso3[i]
        m.sides[i] = 1 - m.sides[i]
        m.log("side_switch", actor=iso, reason=f"{iso} switched sides: energy change {gain:.3g}")

    def move_tie(self, i: int, j: int, new_level: int, why: str) -> None:
        m, a, b = self.model, self.iso3[i], self.iso3[j]
        old_level = int(m.state.bilateral[i, j])
        m.state.set_tie(i, j, new_level)
        m.log(
            "tie_deepened" if new_level > old_level else "tie_loosened",
            actor=a,
            partner=b,
            from_level=old_level,
            to_level=new_level,
            reason=f"{a} moved its tie with {b} to {LEVELS[new_level]}: {why}",
        )

    def ties_changed(self) -> None:
        self.model.ties_changed()

    # --- the budget decision ------------------------------------------------------------------
    def budget_inputs(self, i: int) -> BudgetInputs:
        """State i's budget inputs now (after the decisions taken so far this year)."""
        m, s, p = self.model, self.model.state, self.model.params.budget
        push = None
        if s.reaction[i] > 0:
            push = float(s.reaction[i] * (m.hostile_start[i] - s.reaction_reference[i]) / s.gdp[i])
        allied, probs = m.allied_lottery(i)
        return BudgetInputs(
            share=float(s.share[i]),
            gdp=float(s.gdp[i]),
            theta=float(m.ctx.theta[i]),
            allied=allied,
            probs=probs,
            threat=float(m.ctx.threat[i]),
            capability_per_share=float(s.gdp[i]) / m.params.security.depreciation,
            lower=float(m.lower[i]),
            upper=float(m.upper[i]),
            target_share=float(s.target_share[i]),
            target_weight=float(m.target_weight_now[i]),
            private=float(m.private[i]),
            push=push,
            fixed_spending=float(s.fixed_spending[i]),
            speed=p.adjustment_speed,
            max_change=p.max_change_pct_points / 100,
            smoothing=p.target_smoothing_pct_points / 100,
            gap_half=p.gap_half_pct_points / 100,
            engine=m.params.engine,
        )

    def set_budget(self, i: int, share: float, best_response: float, reason: str = "") -> None:
        """Set state i's defence share and record its best response; with a ``reason``, log
        the move as a ``budget_move`` event."""
        m = self.model
        m.best_response[i] = best_response
        m.state.share[i] = share
        if reason:
            m.log("budget_move", actor=self.iso3[i], reason=reason)
