"""A state's yearly decision in one call into compiled code (``model.engine=compiled``).

``StateAgent.step`` takes its budget decision and then its alignment decision by Python and
numpy functions (``decide_budget``, the rule's ``decide``). With the compiled engine and the
``expected_utility`` or ``balance_of_threat`` rule, the agent instead calls
``CompiledDecisions.decide``, which makes one call into ``sim.core._jit_decision.decide``: the
kernel scores the budget and every option, draws from the model's own generator (its PCG64
state, advanced in place) and returns what the state chose. The choice is then carried out by
the same acts of the model's view as in the reference (``AllianceView.set_budget``, ``deepen``,
``loosen``, ...), which change the model and record the events with their reasons. The agents'
order, the events and the draws are the reference's; ``tests/test_kernels.py`` checks whole
runs of both engines equal.

The kernel's inputs are the model's arrays, converted when they change: the year's payoff
context (``AlignmentContext.kernel_arguments``), the treaties (membership, levels, who may
join, members in order, the calibrated membership values) and the year's budget inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.abm.agents import BUDGET_EVENT_THRESHOLD, StateAgent
from sim.core import kernels
from sim.rules.balance_of_threat import BalanceOfThreat
from sim.rules.expected_utility import ExpectedUtility

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel

RULE_MODES = {ExpectedUtility: 0, BalanceOfThreat: 1}
"""The rules the kernel decides for, and how each values term changes (``_jit_decision._value``).
A subclass (the class game's rule) decides in Python."""


class CompiledDecisions:
    """The compiled decision of every state of one model (see the module's docstring).

    Args:
        model: the model; ``CompiledDecisions.for_model`` says whether it can be used.
    """

    def __init__(self, model: AllianceModel, pcg: np.ndarray) -> None:
        self.model = model
        self.pcg = pcg
        self.rng = model.random_np
        a = model.params.alignment
        self.rule = np.array(
            [
                a.tie_change_cost,
                a.treaty_exit_cost,
                a.temperature_pct_gdp,
                RULE_MODES[type(model.rule)],
            ]
        )
        b = model.params.budget
        self.settings = (
            float(b.adjustment_speed),
            b.max_change_pct_points / 100,
            b.target_smoothing_pct_points / 100,
            b.gap_half_pct_points / 100,
            float(model.params.security.depreciation),
        )
        self.kernel = kernels.decision_module().decide
        self.out_int = np.full(5, -1, dtype=np.int64)
        self.out_delta = np.zeros((2, 7))
        self.out_budget = np.zeros(3)
        self._treaty_key: tuple = ()
        self._year_key: object = None
        self._ctx = None
        self._arrays: tuple[tuple, tuple] = ((), ())
        self._args: tuple = ()
        self._inputs: tuple = (None,) * 3  # the model's arrays _args were converted from

    @classmethod
    def for_model(cls, model: AllianceModel) -> CompiledDecisions | None:
        """The compiled decisions of ``model``, or None when its states decide in Python: the
        reference engine, a rule the kernel does not know, or a generator other than PCG64."""
        if model.params.engine != "compiled" or type(model.rule) not in RULE_MODES:
            return None
        pcg = kernels.pcg64_state(model.random_np)
        return None if pcg is None else cls(model, pcg)

    def serves(self, agent: StateAgent) -> bool:
        """Whether the kernel takes ``agent``'s decisions: a plain ``StateAgent`` under a rule
        the kernel knows, checked at each decision (the class game seats students in a
        subclass and swaps in its own rule after the model is built: they decide in Python)."""
        return type(agent) is StateAgent and type(self.model.rule) in RULE_MODES

    def __getstate__(self) -> dict:
        """A copied or pickled model gets its own generator: the aliased PCG64 state is found
        again from it at the next decision, not copied as four loose words."""
        state = self.__dict__.copy()
        state["pcg"] = None
        return state

    # --- inputs -------------------------------------------------------------------------------
    def _treaties(self) -> tuple:
        """The treaties as the kernel takes them, rebuilt when they (or the year) change."""
        m = self.model
        key = (m.treaty_member, m.treaty_levels, m.ctx.theta)
        if self._treaty_key and all(x is y for x, y in zip(key, self._treaty_key, strict=True)):
            return self._treaty_args
        n, treaties = m.world.n, m.state.treaties
        open_to = np.zeros((len(treaties), n), dtype=bool)
        order = np.full((len(treaties), n), -1, dtype=np.int64)
        extra = np.zeros((len(treaties), n))
        for k, t in enumerate(treaties):
            open_to[k, list(t.open_to)] = True
            order[k, : len(t.members)] = t.members
            if t.name in m.membership_value:
                extra[k] = m.membership_value[t.name]
        self._treaty_args = (
            np.ascontiguousarray(m.treaty_member, dtype=np.bool_),
            np.asarray(m.treaty_level_of, dtype=np.int64),
            open_to,
            order,
            extra,
        )
        self._floor = np.ascontiguousarray(m.treaty_levels, dtype=np.int8)  # the model's
        self._treaty_key = key
        return self._treaty_args

    def _budget(self) -> tuple:
        """The year's budget inputs (``AllianceView.budget_inputs`` for every state), rebuilt
        when the year's target weights or the shares' array were replaced."""
        m = self.model
        if self._year_key is m.target_weight_now and self._budget_args[0] is m.state.share:
            return self._budget_args
        s = m.state
        push = np.zeros(m.world.n)
        react = s.reaction > 0
        if react.any():
            push[react] = (s.reaction * (m.hostile_start - s.reaction_reference) / s.gdp)[react]
        self._budget_args = (
            s.share,
            np.asarray(m.lower, dtype=float),
            np.asarray(m.upper, dtype=float),
            np.asarray(s.target_share, dtype=float),
            np.asarray(m.target_weight_now, dtype=float),
            np.asarray(m.private, dtype=float),
            push,
            np.asarray(s.fixed_spending, dtype=float),
            np.ascontiguousarray(react, dtype=np.bool_),
        )
        self._year_key = m.target_weight_now
        return self._budget_args

    def _context(self) -> tuple[tuple, tuple]:
        """The year's context as the kernel takes it (``AlignmentContext.kernel_arguments``).
        A tie changed in the year gives the model a context that differs only in its levels
        (``AllianceModel.ties_changed``): then only the levels are converted again."""
        ctx = self.model.ctx
        if ctx is self._ctx:
            return self._arrays
        if self._ctx is not None and ctx.theta is self._ctx.theta:
            arrays, scalars = self._arrays
            levels = np.ascontiguousarray(ctx.levels, dtype=np.int8)  # the model's: no copy
            self._arrays = ((*arrays[:12], levels, *arrays[13:]), scalars)
        else:
            self._arrays = ctx.kernel_arguments
        self._ctx = ctx
        return self._arrays

    def forget_context(self) -> None:
        """Let go of the year's context and its converted arrays, before the model computes the
        next one: a large world then never holds two contexts at once (each is several n x n
        arrays: 10,000 states, about 0.8 GB each)."""
        self._ctx = None
        self._arrays = ((), ())
        self._args = ()

    # --- the decision -------------------------------------------------------------------------
    def decide(self, agent: StateAgent) -> None:
        """State ``agent``'s budget and alignment decisions this year, by the kernel, carried
        out and recorded by the model's view."""
        m, i = self.model, agent.index
        if m.random_np is not self.rng:
            raise RuntimeError("the model's generator was replaced; the kernel draws from the old")
        if self.pcg is None:
            self.pcg = kernels.pcg64_state(self.rng)
        s = m.state
        if (
            m.ctx is not self._ctx
            or m.target_weight_now is not self._year_key
            or s.share is not self._inputs[0]
            or m.treaty_member is not self._inputs[1]
            or m.treaty_levels is not self._inputs[2]
        ):
            self._refresh()
        arrays, scalars, dense, treaties, budget = self._args
        # the kernel advances the generator's state in place: under its lock, as numpy's draws
        with self.rng.bit_generator.lock:
            self.kernel(
                i,
                arrays,
                scalars,
                dense,
                self._floor[i],
                s.bilateral,
                treaties,
                self.rule,
                budget,
                self.settings,
                self.pcg,
                self.out_int,
                self.out_delta,
                self.out_budget,
            )
        self._set_budget(agent)
        self._carry_out(i)

    def _refresh(self) -> None:
        """The kernel's inputs converted again (``_treaties``, ``_budget``, ``_context``), when
        one of the model's arrays they come from was replaced since the last decision."""
        m = self.model
        treaties = self._treaties()
        budget = self._budget()
        arrays, scalars = self._context()
        self._args = (arrays, scalars, kernels.dense_scoring(arrays), treaties, budget)
        self._inputs = (m.state.share, m.treaty_member, m.treaty_levels)

    def _set_budget(self, agent: StateAgent) -> None:
        """The budget the kernel chose; a move logged as an event is worded by the agent from
        its inputs, as in the reference (``StateAgent.budget_outcome``)."""
        new, desired, best = self.out_budget.tolist()
        view, i = self.model.view, agent.index
        if abs(new - float(self.model.state.share[i])) < BUDGET_EVENT_THRESHOLD:
            view.set_budget(i, new, desired)
            return
        b = view.budget_inputs(i)
        new, desired, why = agent.budget_outcome(b, best)
        agent.set_budget(b, new, desired, why)

    def _carry_out(self, i: int) -> None:
        """Carry out the alignment choice through the view's acts (``ExpectedUtility``)."""
        code = kernels.decision_module()
        kind, j, level, k, blocker = self.out_int.tolist()
        if kind in (code.KEEP, code.NOTHING):
            return
        m = self.model
        view, terms = m.view, m.rule.terms
        delta = terms(self.out_delta[0].copy())
        other = terms(self.out_delta[1].copy())
        if kind == code.DEEPEN:
            view.deepen(i, j, level, delta, other)
        elif kind == code.DECLINED:
            view.decline(j, i, level, other, delta)
        elif kind == code.LOOSEN:
            view.loosen(i, j, level, delta)
        elif kind == code.EXIT:
            view.exit_treaty(i, m.treaty_names_now[k], delta)
        elif kind == code.ADMIT:
            view.admit(i, m.treaty_names_now[k], delta)
        else:
            view.block_accession(blocker, i, m.treaty_names_now[k], other, delta)
