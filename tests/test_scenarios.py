"""Scenario mechanics: exact where the effect is arithmetic, statistical where it is behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from experiment_scripts import run_quick

from sim.abm.model import AllianceModel
from sim.core import payoffs
from sim.runner.simulate import prepare, run_model

INJECTION = "scenario.events.us_indo_pacific_injection"


def _against_baseline(compose_cfg, scenario: str, years: int):
    """(prepared scenario, its model, the baseline's model), both run ``years`` with seed 0."""
    prepared, model = _model(compose_cfg, f"scenario={scenario}", f"model.horizon={years}")
    return prepared, model, _model(compose_cfg, f"model.horizon={years}")[1]


def _model(compose_cfg, *overrides, seed=0):
    prepared = prepare(compose_cfg(*overrides))
    return prepared, run_model(prepared, seed)


def test_drills_raise_japan_korea_affinity_by_the_configured_amount(compose_cfg):
    """Affinity of each pair of participants rises by affinity_gain a year, up to the cap."""
    years = 6
    p, drills, base = _against_baseline(compose_cfg, "trilateral_drills", years)
    iso = p.world.iso3
    jpn, kor, usa = iso.index("JPN"), iso.index("KOR"), iso.index("USA")
    ev = p.events[0]
    for a, b in ((jpn, kor), (usa, jpn), (usa, kor)):
        start = p.world.affinity[a, b]
        expected = max(start, min(start + ev.affinity_gain * years, ev.max_affinity))
        assert drills.state.affinity[a, b] == pytest.approx(expected, abs=1e-12)
        assert base.state.affinity[a, b] == pytest.approx(start, abs=1e-12)
    assert drills.state.affinity[jpn, kor] > base.state.affinity[jpn, kor]


def test_us_trillion_sets_the_us_share_and_pulls_asian_budgets_up(compose_cfg):
    p, m, base = _against_baseline(compose_cfg, "us_1t_budget", 12)
    states = m.recorder.tables()["states"]
    us = states[(states.iso3 == "USA") & (states.year >= 2026)]
    np.testing.assert_allclose(us["defence_pct_gdp"], 3.22, rtol=1e-12)
    np.testing.assert_allclose(us.loc[us.year == 2026, "defence_usd_bn"], 1000.0, rtol=2e-3)
    iso = p.world.iso3
    for code in ("JPN", "AUS", "PHL"):  # below the target: pulled up against the baseline
        i = iso.index(code)
        assert m.state.share[i] > base.state.share[i]


def test_hague_target_path_and_effect(compose_cfg):
    p, m, base = _against_baseline(compose_cfg, "hague_5pct", 11)
    (pledge,) = p.events
    assert pledge.current(2025) == pytest.approx(0.02 + (0.035 - 0.02) / 11)
    assert pledge.current(2035) == pytest.approx(0.035)
    assert pledge.current(2044) == pytest.approx(0.035)
    deu = p.world.iso3.index("DEU")
    assert m.state.share[deu] > base.state.share[deu] + 0.003


def test_china_counterbalance_levers(compose_cfg):
    years = 8
    p, m, base = _against_baseline(compose_cfg, "china_counterbalance", years)
    iso = p.world.iso3
    chn, rus, prk = iso.index("CHN"), iso.index("RUS"), iso.index("PRK")
    (ev,) = p.events
    world = p.world.coercion_propensity[chn]
    assert m.state.coercion_propensity[chn] == pytest.approx(world * ev.coercion_multiplier)
    assert base.state.coercion_propensity[chn] == pytest.approx(world)
    for k in (rus, prk):
        start = p.world.affinity[chn, k]
        assert m.state.affinity[chn, k] == pytest.approx(
            min(start + ev.courting_gain * years, ev.max_affinity)
        )
    assert m.state.share[chn] > base.state.share[chn]  # the Richardson reaction


def test_scenarios_compose_through_hydra(compose_cfg):
    cfg = compose_cfg("scenario=[injection_1p5b,china_counterbalance]")
    assert set(cfg.scenario.events) == {"us_indo_pacific_injection", "china_response"}
    assert len(prepare(cfg).events) == 2


def test_one_off_injection_pays_only_in_its_year(compose_cfg):
    _, m = _model(
        compose_cfg,
        "scenario=injection_1p5b",
        f"{INJECTION}.amount_usd_bn=80",
        f"{INJECTION}.duration_years=1",
        "model.horizon=5",
    )
    states = m.recorder.tables()["states"]
    paid = states.groupby("year")["aid_received_usd_bn"].sum()
    assert paid.loc[2025] > 0
    assert (paid.drop(index=[2024, 2025]) == 0).all()


def test_asian_nato_proposal_treaty_and_accession_by_consent(compose_cfg):
    """The proposal adds a US-Japan treaty open to KOR, AUS and PHL. An application succeeds
    exactly when every member with something at stake gains, net of the cost of changing the tie
    (temperature 0: consent iff the net gain is positive); the US, already formally allied to
    each, is not asked. In 2024 nobody joins (the calibrated rest point: Japan gains from no
    deeper tie); once Japan values a tie with the applicant more, the accession goes through."""
    p = prepare(
        compose_cfg("scenario=asian_nato_proposal", "model.alignment.temperature_pct_gdp=0")
    )
    iso = p.world.iso3
    jpn = iso.index("JPN")
    cost = p.params.alignment.tie_change_cost
    for boost in (0.0, 0.01):
        joins = []
        for applicant in ("KOR", "AUS", "PHL"):
            m = AllianceModel(p.world, p.params, p.events, rng=0)
            treaty = m.state.treaty("Asian-NATO")
            assert {iso[k] for k in treaty.members} == {"USA", "JPN"}
            i = iso.index(applicant)
            m.relationship[jpn, i] += boost  # Japan values the tie more (1 % of GDP per unit)
            m.ctx = m._context()
            gains = [
                float(m.decision_value(m.single_change(j, i, 3)[None, :])[0]) - cost
                for j in treaty.members
                if m.levels[j, i] < 3
            ]
            assert iso.index("USA") in treaty.members and len(gains) == 1  # only Japan is asked
            m.try_accession(i, "Asian-NATO", np.zeros(len(payoffs.ALIGNMENT_TERMS)))
            joined = i in m.state.treaty("Asian-NATO").members
            assert joined == all(g > 0 for g in gains), (applicant, gains)
            if joined:
                others = [j for j in treaty.members if j != i]
                assert (m.levels[i, others] == 3).all()
            joins.append(joined)
        assert joins == ([False] * 3 if boost == 0 else [True] * 3)
    flagged = run_model(p, 0).recorder.tables()["alliances"].query("alliance == 'Asian-NATO'")
    assert "is_asian_nato" in flagged and not flagged["is_asian_nato"].iloc[0]


def test_scenario_files_can_change_model_parameters(compose_cfg):
    """A scenario's model block overrides the model defaults; the command line overrides both."""
    cfg = compose_cfg("scenario=non_military_security")
    assert cfg.model.alignment.autonomy_weight == pytest.approx(0.012)
    assert list(cfg.model.security.level_weights) == pytest.approx([0.0, 0.105, 0.28, 0.595])
    cfg = compose_cfg("scenario=non_military_security", "model.alignment.autonomy_weight=0.02")
    assert cfg.model.alignment.autonomy_weight == pytest.approx(0.02)


def test_richardson_reference_is_the_start_of_the_reaction(compose_cfg):
    """China's reaction is measured from the hostile spending at the start of its first year:
    no push in that year, whatever the order of moves."""
    p = prepare(compose_cfg("scenario=china_counterbalance", "model.horizon=1"))
    pushes = set()
    for seed in range(3):
        m = AllianceModel(p.world, p.params, p.events, rng=seed)
        m.step()
        chn = iso_index(p, "CHN")
        pushes.add(float(m.hostile_start[chn] - m.state.reaction_reference[chn]))
    assert pushes == {0.0}


def iso_index(prepared, code):
    return prepared.world.iso3.index(code)


def test_dose_response_is_monotone_within_sampling_error(compose_cfg):
    """P(an Asian NATO exists after 10 years) does not fall as the injection grows (30 seeds a dose;
    each step may fall by at most 2 standard errors of the difference)."""
    doses, seeds = (0, 15, 50, 150), range(30)
    probability = []
    for dose in doses:
        prepared = prepare(
            compose_cfg(
                "scenario=injection_1p5b", f"{INJECTION}.amount_usd_bn={dose}", "model.horizon=10"
            )
        )
        formed = [run_model(prepared, s).recorder.asian_nato_now for s in seeds]
        probability.append(np.mean(formed))
    p = np.array(probability)
    se = np.sqrt(p * (1 - p) / len(seeds))
    for k in range(len(doses) - 1):
        assert p[k + 1] >= p[k] - 2 * np.hypot(se[k], se[k + 1])
    assert p[-1] > p[0]


def test_experiment_quick_mode_writes_its_report(tmp_path):
    run_quick("asian_nato_question", tmp_path, "--workers", "1")
    report = (tmp_path / "report.md").read_text()
    for section in (
        "## Answer",
        "## Dose-response",
        "## Scenarios against the baseline",
        "## What the answer hangs on",
    ):
        assert section in report
    for name in (
        "dose_response.png",
        "scenarios.png",
        "sensitivity.png",
        "runs.parquet",
        "dose.csv",
    ):
        assert (tmp_path / "results" / name).stat().st_size > 1000
