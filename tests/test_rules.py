"""The alignment rules as classes in a registry (sim.rules): the registry, the layering, and a
rule registered at test time driving a model (the model asks the registry, not the rule's name).
Each rule's References are checked against docs/ODD.md in tests/test_references.py."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import sim.rules
from sim.errors import UserError
from sim.rules import AlignmentRule, ModelView, get_rule, register, unregister
from sim.rules.balance_of_threat import BalanceOfThreat
from sim.rules.expected_utility import ExpectedUtility
from sim.rules.landscape import Landscape

ROOT = Path(__file__).resolve().parents[1]
BUILT_IN = {
    "expected_utility": ExpectedUtility,
    "landscape": Landscape,
    "balance_of_threat": BalanceOfThreat,
}


def test_rules_are_the_registered_names_in_registration_order():
    assert sim.rules.RULES == ("expected_utility", "landscape", "balance_of_threat")
    for name, cls in BUILT_IN.items():
        assert get_rule(name) is cls and cls.name == name


def test_an_unknown_rule_is_a_user_error_listing_the_known_ones():
    with pytest.raises(UserError, match=r"'nonsense' is unknown.*expected_utility, landscape"):
        get_rule("nonsense")


def test_a_name_is_registered_once():
    class Impostor(AlignmentRule):
        name = "landscape"

    with pytest.raises(ValueError, match="already registered"):
        register(Impostor)
    assert get_rule("landscape") is Landscape


def imports_of(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m == "sim" or m.startswith("sim.")}


def test_layering_rules_import_only_lower_floors_and_core_no_rules():
    allowed = ("sim.core", "sim.world", "sim.schema", "sim.errors", "sim.rules")
    for path in (ROOT / "sim" / "rules").glob("*.py"):
        bad = {m for m in imports_of(path) if not m.startswith(allowed)}
        assert not bad, (path.name, bad)
    for path in (ROOT / "sim" / "core").glob("*.py"):
        bad = {m for m in imports_of(path) if m.startswith(("sim.rules", "sim.abm"))}
        assert not bad, (path.name, bad)


class KeepTies(AlignmentRule):
    """Keep ties: every state keeps all its commitments (a toy rule for this test).

    References (docs/ODD.md, "References"):
        none: a null model.
    """

    name = "test_keep_ties"

    def start(self, view: ModelView) -> None:
        self.decisions: list[int] = []
        self.years = 0

    def prepare(self, view: ModelView) -> None:
        self.years += 1

    def decide(self, view: ModelView, i: int) -> None:
        self.decisions.append(i)


@pytest.fixture
def keep_ties():
    register(KeepTies)
    try:
        yield KeepTies
    finally:
        unregister(KeepTies.name)
    assert KeepTies.name not in sim.rules.RULES


def test_a_rule_registered_at_test_time_runs_the_model(compose_cfg, keep_ties):
    from sim.abm.model import AllianceModel
    from sim.runner.simulate import prepare

    assert sim.rules.RULES[-1] == keep_ties.name
    p = prepare(compose_cfg("world=classroom5", "scenario=trilateral_drills", "model.horizon=4"))
    params = replace(p.params, alignment=replace(p.params.alignment, rule=keep_ties.name))
    model = AllianceModel(p.world, params, p.events, rng=3)
    assert isinstance(model.rule, keep_ties)
    start, bilateral = model.levels.copy(), model.state.bilateral.copy()
    model.run()
    n = model.world.n
    assert model.rule.years == 4
    assert sorted(model.rule.decisions) == sorted(list(range(n)) * 4)  # each state, each year
    np.testing.assert_array_equal(model.levels, start)  # it kept every tie, as its code says
    np.testing.assert_array_equal(model.state.bilateral, bilateral)
    kinds = {e["kind"] for e in model.recorder.events}
    assert not kinds & {"tie_deepened", "tie_loosened", "offer_declined", "accession", "exit"}
    assert model.recorder.tables(seed=3)["states"]["step"].max() == 4


def test_the_model_refuses_an_unknown_rule(compose_cfg):
    from sim.abm.model import AllianceModel
    from sim.runner.simulate import prepare

    p = prepare(compose_cfg("world=classroom5", "model.horizon=1"))
    params = replace(p.params, alignment=replace(p.params.alignment, rule="nonsense"))
    with pytest.raises(UserError, match="use one of expected_utility, landscape"):
        AllianceModel(p.world, params, p.events, rng=0)
