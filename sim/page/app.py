"""The classroom page: Mesa's SolaraViz around :class:`sim.page.model.ClassroomModel`.

Start it with ``alliance-sim-page`` (:mod:`sim.page.cli`), which serves every front-end asset
from the local install. The sidebar holds Step / Play / Reset and the settings a class argues
about (world, scenario, injection, China's assertiveness, Japan-Korea animosity, coercion
strength, bounded rationality, seed); settings take effect on Reset, which rebuilds the model
through the project's configs. The main area shows the run so far: an overview with the
equivalent command line, the alignment network of the current year, the key states' defence
budgets and the event log with each decision's reasons.
"""

from __future__ import annotations

from dataclasses import asdict

import mesa.visualization.solara_viz as mesa_viz
import solara
from mesa.visualization import SolaraViz

from sim.page.model import ClassroomModel, config_options, default_settings

TITLE = "alliance-sim · classroom: would a US injection create an 'Asian NATO'?"
# Grid units: 12 columns; a row is 30 px (plus 10 px between rows). The network and the budgets
# on the left, the event log beside them, the overview above.
LAYOUT = [
    {"i": 0, "x": 0, "y": 0, "w": 12, "h": 6},  # overview
    {"i": 1, "x": 0, "y": 6, "w": 8, "h": 13},  # network
    {"i": 2, "x": 8, "y": 6, "w": 4, "h": 25},  # event log
    {"i": 3, "x": 0, "y": 19, "w": 8, "h": 12},  # budgets
]
# Slider values stay visible (Vuetify shows them only while dragging by default).
CSS = """
/* Slider labels above the sliders, and the values always shown (Vuetify shows them only while
   dragging). */
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label {
    flex: 0 0 100%; max-width: 100%; white-space: normal; height: auto; line-height: 1.3;
    margin: 14px 0 34px 0; font-size: 14px;
}
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { font-size: 11px; }
.page-overview { font-size: 14px; line-height: 1.45; max-height: 195px; overflow-y: auto; }
.page-figure { display: block; margin: 0 auto; object-fit: contain; }
.page-network .page-figure { max-height: 440px; }
.page-budgets .page-figure { max-height: 390px; }
.page-overview h3 { font-size: 20px; font-weight: 500; margin: 0 0 6px 0; }
.page-overview p { margin: 0 0 4px 0; }
.page-overview code { font-size: 13px; background: #f3f3f3; padding: 1px 4px; }
.page-note { font-size: 12px; color: #555; margin: 4px 0 8px 0; }
.page-event-log { height: 740px; overflow-y: auto; font-size: 13.5px; line-height: 1.35; }
.page-event-log table { border-collapse: collapse; }
.page-event-log td { vertical-align: top; padding: 4px 5px; border-bottom: 1px solid #e6e6e6; }
.page-event-log td.year { color: #555; padding-right: 8px; }
"""


def page_layout(n: int) -> list[dict]:
    """The first layout of the components (SolaraViz's default is a grid of equal halves)."""
    return [dict(item, moved=False) for item in LAYOUT[:n]] + [
        {"i": i, "x": 0, "y": 40 + 12 * i, "w": 12, "h": 12, "moved": False}
        for i in range(len(LAYOUT), n)
    ]


# SolaraViz takes its first layout from this module function; the page's components need other
# sizes than its equal halves (they remain draggable and resizable).
mesa_viz.make_initial_grid_layout = page_layout


def model_params(defaults) -> dict:
    """The sidebar's controls: SolaraViz passes their values to ClassroomModel on Reset."""
    return {
        "world_config": {
            "type": "Select",
            "label": "World (configs/world)",
            "value": defaults.world_config,
            "values": config_options("world"),
        },
        "scenario_config": {
            "type": "Select",
            "label": "Scenario (configs/scenario)",
            "value": defaults.scenario_config,
            "values": config_options("scenario"),
        },
        "injection_usd_bn": {
            "type": "SliderFloat",
            "label": "US injection, USD bn a year (injection scenario)",
            "value": defaults.injection_usd_bn,
            "min": 0.0,
            "max": 50.0,
            "step": 0.5,
        },
        "china_coercion": {
            "type": "SliderFloat",
            "label": "China's assertiveness: share of trade it cuts to punish (coercion "
            "propensity)",
            "value": defaults.china_coercion,
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
        },
        "china_reaction": {
            "type": "SliderFloat",
            "label": "China's budget reaction to rivals (china_counterbalance scenario)",
            "value": defaults.china_reaction,
            "min": 0.0,
            "max": 2.0,
            "step": 0.1,
        },
        "jpn_kor_affinity": {
            "type": "SliderFloat",
            "label": "Japan-Korea affinity (below 0: animosity)",
            "value": defaults.jpn_kor_affinity,
            "min": -1.0,
            "max": 1.0,
            "step": 0.05,
        },
        "coercion_weight": {
            "type": "SliderFloat",
            "label": "Coercion strength (weight of the expected trade loss)",
            "value": defaults.coercion_weight,
            "min": 0.0,
            "max": 3.0,
            "step": 0.1,
        },
        "temperature_pct_gdp": {
            "type": "SliderFloat",
            "label": "Bounded rationality: choice noise, % of GDP (0 = always the best choice)",
            "value": defaults.temperature_pct_gdp,
            "min": 0.0,
            "max": 0.5,
            "step": 0.01,
        },
        "seed": {
            "type": "SliderInt",
            "label": "Seed (random draws)",
            "value": defaults.seed,
            "min": 0,
            "max": 99,
            "step": 1,
        },
    }


def _yes_no(flag: bool) -> str:
    return "<b>yes</b>" if flag else "no"


def _html(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def overview(model: ClassroomModel):
    """Year, scenario, outcomes so far, the settings in use and the equivalent command.

    (Plain HTML: solara's Markdown would fetch a maths renderer that the local assets lack.)
    """
    s = model.settings
    blocs = [
        f"{name} ({', '.join(model.world.names[j] for j in sorted(members))})"
        for members, name in sorted(model.blocs.items(), key=lambda kv: kv[1])
    ]
    done = model.state.year - model.world.base_year
    progress = f"{done} of {model.params.horizon} years"
    if not model.running:
        progress += " · the run is complete: press Reset to start again"
    injection = (
        f"US injection USD {s.injection_usd_bn:g} bn a year"
        if s.injection_usd_bn is not None
        else "no US injection in this scenario"
    )
    reaction = (
        f"China's budget reaction {s.china_reaction:g}"
        if s.china_reaction is not None
        else "no budget reaction of China in this scenario"
    )
    settings = (
        f"{injection} · China's coercion propensity {s.china_coercion:g} · {reaction} · "
        f"Japan-Korea affinity {s.jpn_kor_affinity:g} · coercion strength "
        f"{s.coercion_weight:g} · temperature {s.temperature_pct_gdp:g} % of GDP · seed {s.seed}"
    )
    html = f"""
<h3 class="page-year">Year {model.state.year} <small>({progress})</small></h3>
<p><b>Scenario {_html(model.scenario_name)}</b>: {_html(model.cfg.scenario.description)}
 <b>World {_html(model.world.name)}</b>: {model.world.n} states.</p>
<p><b>Asian NATO now:</b> {_yes_no(model.recorder.asian_nato_now)} ·
 <b>NATO-Asia link:</b> {_yes_no(model.recorder.nato_asia_link_now)} ·
 <b>Formal blocs outside the treaties:</b> {_html("; ".join(blocs) if blocs else "none")}</p>
<p class="page-settings"><b>Settings in use:</b> {_html(settings)}</p>
<p>Same run on the command line: <code>{_html(model.command)}</code>. Change the settings in
 the sidebar, then press <b>Reset</b> to rebuild the model with them.</p>
"""
    with solara.Card(margin=0) as card:
        solara.HTML(tag="div", unsafe_innerHTML=html, classes=["page-overview"])
    return card


def network_view(model: ClassroomModel):
    """The alignment network this year (sim.plots.network): nodes coloured by camp."""
    with solara.Card(
        f"Alignment network in {model.state.year}", margin=0, classes=["page-network"]
    ) as card:
        solara.Image(model.figure_png("network"), width="100%", classes=["page-figure"])
    return card


def budget_view(model: ClassroomModel):
    """The key states' defence spending over the years (sim.plots.budgets)."""
    with solara.Card("Defence budgets so far", margin=0, classes=["page-budgets"]) as card:
        solara.Image(model.figure_png("budgets"), width="100%", classes=["page-figure"])
    return card


@solara.component
def event_log(model: ClassroomModel, year: int, steps: int):
    """The decisions and events of the run, newest first, with their reasons in plain words.

    ``year`` and ``steps`` change with every step, so the log is redrawn (the model object
    itself stays the same).
    """
    key_only, set_key_only = solara.use_state(True)
    rows = model.event_rows(focus_only=key_only)
    with solara.Card("Event log", margin=0) as card:
        solara.Checkbox(
            label="Only events among the key states and the great powers "
            f"({', '.join(model.focus_states)})",
            value=key_only,
            on_value=set_key_only,
        )
        solara.HTML(
            tag="p",
            unsafe_innerHTML=(
                "Who did what, and why, newest first. Each decision gives the payoff terms that "
                "drove it, in % of GDP: a state acts when its gains outweigh its costs (or, now "
                "and then, by bounded rationality)."
            ),
            classes=["page-note"],
        )
        if not rows:
            solara.Text("No events yet: press Step or Play.")
        else:
            body = "".join(
                f"<tr><td class='year'>{r['year']}</td><td><b>{_html(r['head'])}</b>"
                f"{_html(r['rest'])}</td></tr>"
                for r in rows
            )
            solara.HTML(
                tag="div", unsafe_innerHTML=f"<table>{body}</table>", classes=["page-event-log"]
            )
    return card


def event_log_view(model: ClassroomModel):
    """SolaraViz calls this on every update; the log's own state (the filter) lives in
    :func:`event_log`."""
    return event_log(model, model.state.year, model.steps)


@solara.component
def page():
    """One model per browser tab, built from the configs as they stand."""
    defaults = solara.use_memo(default_settings, [])
    params = solara.use_memo(lambda: model_params(defaults), [])
    model = solara.use_memo(lambda: ClassroomModel(**asdict(defaults)), [])
    solara.Title("alliance-sim classroom")
    solara.Style(CSS)
    SolaraViz(
        model,
        components=[overview, network_view, event_log_view, budget_view],
        model_params=params,
        name=TITLE,
        play_interval=301,  # the slider's steps: 1, 11, ..., 301
    )


Page = page  # the component solara serves
