"""A model that takes over an earlier model's base-year calibration (``AllianceModel(start=)``,
kept on ``Prepared.start`` by ``sim.runner.simulate``) runs exactly as one that calibrates."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.abm.model import AllianceModel
from sim.runner.simulate import prepare, simulate

CASES = [
    ["model.horizon=6"],
    ["world=classroom5", "model.horizon=6"],
    ["scenario=injection_1p5b", "model.horizon=6"],
    ["scenario=asian_nato_proposal", "model.horizon=6"],  # accessions calibrate again later
    ["model.alignment.calibrate_ties=false", "model.horizon=6"],
    ["model.engine=reference", "model.horizon=4"],
]


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: " ".join(o))
def test_a_run_that_takes_over_the_calibration_equals_one_that_calibrates(compose_cfg, overrides):
    cfg = compose_cfg(*overrides)
    shared = prepare(cfg)
    simulate(cfg, 5, shared)  # the first run keeps its calibration
    assert shared.start is not None
    for replicate in (0, 1):
        fresh = prepare(cfg)
        calibrated = simulate(cfg, replicate, fresh)
        taken = simulate(cfg, replicate, shared)
        assert fresh.start is not shared.start
        for name, table in calibrated.items():
            pd.testing.assert_frame_equal(table, taken[name], check_exact=True, obj=name)


def test_a_model_does_not_change_the_start_it_took_over(compose_cfg):
    cfg = compose_cfg("scenario=asian_nato_proposal", "model.horizon=8")
    prepared = prepare(cfg)
    simulate(cfg, 0, prepared)
    start = prepared.start
    before = {
        "relationship": start.relationship.copy(),
        "theta": start.theta.copy(),
        **{f"member {k}": v.copy() for k, v in start.membership_value.items()},
    }
    simulate(cfg, 1, prepared)
    assert not start.relationship.flags.writeable  # shared by the models, written by none
    after = {
        "relationship": start.relationship,
        "theta": start.theta,
        **{f"member {k}": v for k, v in start.membership_value.items()},
    }
    assert before.keys() == after.keys()
    for key, value in before.items():
        assert (value == after[key]).all(), key


def test_a_start_of_other_parameters_is_refused(compose_cfg):
    cfg = compose_cfg("world=classroom5", "model.horizon=1")
    prepared = prepare(cfg)
    simulate(cfg, 0, prepared)
    other = dataclasses.replace(prepared.params, horizon=2)
    with pytest.raises(ValueError, match="same world and params"):
        AllianceModel(prepared.world, other, prepared.events, rng=0, start=prepared.start)
