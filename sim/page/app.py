"""The classroom page: Mesa's SolaraViz controls around :class:`sim.page.model.ClassroomModel`.

Start it with ``alliance-sim-page`` (:mod:`sim.page.cli`), which serves every front-end asset
from the local install. The controls (Mesa's ``ModelController``: Reset, Play, Step; Mesa's
``ModelCreator``: the settings a class argues about) sit in a column on the left; the settings
take effect on Reset, which rebuilds the model through the project's configs, and a changed
setting says so beside the Reset button. The main area shows the run so far: an overview with
the equivalent command line, the alignment network of the current year, the event log with
each decision's reasons (a decision repeated year after year is one row) and the key states'
defence budgets. The figures are drawn at the size they are shown (:mod:`sim.page.figures`).

The page is laid out by the page itself (a CSS grid), not by SolaraViz's draggable grid and
tabs: on a phone the controls fold away behind a "Controls" button, and the projector mode
(the "Projector" switch, or ``alliance-sim-page --projector``) hides them too and sets all type
at 20 px or more for a hall.
"""

from __future__ import annotations

import os
from dataclasses import asdict

import solara
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import update_counter

from sim.page.cli import PROJECTOR_ENV
from sim.page.model import ClassroomModel, config_options, default_settings

TITLE = "alliance-sim · classroom: would a US injection create an 'Asian NATO'?"

PLAY_INTERVAL_MS = 300  # pause between two years while playing
NARROW_PX = 960  # below this width the controls fold away (Vuetify's mobile breakpoint)
CSS = """
/* Solara's badge ("This website runs on Solara") sits over the page's corner: not shown. */
div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
.page-root { font-size: 16px; }
.page-grid { display: grid; grid-template-columns: 380px minmax(0, 1fr); gap: 16px;
    align-items: start; }
.page-controls .v-card { margin-bottom: 12px; }
.page-root .v-card__text { font-size: inherit; }
.page-controls-toggle { display: none !important; }
.page-main { display: grid; gap: 16px; align-items: start;
    grid-template-columns: minmax(0, 1200px) minmax(340px, 1fr); }
.page-main > .page-overview-card { grid-column: 1 / -1; }
.page-main > .page-network { grid-column: 1; }
.page-main > .page-log-card { grid-column: 2; grid-row: 2 / span 2; }
.page-main > .page-budgets { grid-column: 1; }
@media (max-width: 1500px) {
    .page-main { grid-template-columns: minmax(0, 1fr); }
    .page-main > .page-log-card { grid-column: 1; grid-row: auto; }
}
@media (max-width: 959px) {
    .page-grid { grid-template-columns: minmax(0, 1fr); }
    .page-root:not(.controls-open) .page-controls { display: none; }
    .page-controls-toggle { display: inline-flex !important; }
}
/* Projector: the controls fold away (the "Controls" button opens them), all type 20 px up. */
.page-root.projector { font-size: 22px; }
.page-root.projector .page-grid { grid-template-columns: minmax(0, 1fr); }
.page-root.projector:not(.controls-open) .page-controls { display: none; }
.page-root.projector.controls-open .page-grid { grid-template-columns: 460px minmax(0, 1fr); }
.page-root.projector .page-controls-toggle { display: inline-flex !important; }
.page-root.projector .v-card__title { font-size: 28px; }
.page-root.projector .v-label, .page-root.projector .v-select__selection,
.page-root.projector .v-btn, .page-root.projector .v-slider__thumb-label,
.page-root.projector .page-cue { font-size: 20px !important; }
.page-root.projector .v-slider__thumb-label { width: 44px !important; height: 44px !important; }
.v-application .v-app-bar .v-toolbar__title { font-size: 22px; }
.page-bar { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.page-bar .v-input { margin-top: 0; padding-top: 0; flex: 0 0 auto; }
.page-bar .v-input .v-label { font-size: 1em; }
/* Slider labels above the sliders, and the values always shown (Vuetify shows them only while
   dragging). */
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label {
    flex: 0 0 100%; max-width: 100%; white-space: normal; height: auto; line-height: 1.3;
    margin: 14px 0 40px 0; font-size: 15px;
}
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { font-size: 12px; }
.page-cue { font-size: 15px; background: #fff3cd; border-left: 4px solid #e6a700;
    padding: 6px 10px; margin-top: 10px; }
.page-overview { font-size: 1em; line-height: 1.45; }
.page-overview h3 { font-size: 1.3em; font-weight: 500; margin: 0 0 6px 0; }
.page-overview p { margin: 0 0 4px 0; }
.page-overview code { font-size: 0.95em !important; background: #f3f3f3; padding: 1px 4px;
    display: inline !important; white-space: normal;
    overflow-wrap: anywhere; }
.page-figure { display: block; margin: 0 auto; max-width: 100%; width: auto; height: auto; }
.page-legend { font-size: 1em; line-height: 1.4; margin-top: 6px; }
.page-legend .dot { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%;
    margin-right: 0.3em; vertical-align: baseline; }
.page-legend span.item { margin-right: 1.2em; white-space: nowrap; }
.page-note { font-size: 0.9em; color: #444; margin: 4px 0 8px 0; }
.page-root.projector .page-note { font-size: 20px; }
.page-event-log { max-height: 1200px; overflow-y: auto; font-size: 1em; line-height: 1.35; }
.page-root.projector .page-event-log { font-size: 20px; }
.page-event-log table { border-collapse: collapse; }
.page-event-log td { vertical-align: top; padding: 4px 5px; border-bottom: 1px solid #e6e6e6; }
.page-event-log td.year { color: #444; padding-right: 8px; }
.page-event-log .also { color: #444; font-style: italic; }
.page-main .v-card__title { word-break: normal; }
"""


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
    """Bold "yes" or plain "no"."""
    return "<b>yes</b>" if flag else "no"


def _html(text: object) -> str:
    """``text`` escaped for HTML."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def overview_html(model: ClassroomModel) -> str:
    """Year, scenario, outcomes so far, the settings in use and the equivalent command.

    The headline's 'Asian NATO' is the run's own flag (the recorder's, with the predicate of
    the run's config, :func:`sim.page.model.world_predicates`), stated beside the blocs it is
    read from. (Plain HTML: solara's Markdown would fetch a maths renderer that the local
    assets lack.)
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
    return f"""
<h3 class="page-year">Year {model.state.year} <small>({progress})</small></h3>
<p class="page-scenario"><b>Scenario {_html(model.scenario_name)}</b>:
 {_html(model.scenario_sentence())} <b>World {_html(model.world.name)}</b>:
 {model.world.n} states.</p>
<p class="page-headline"><b>Asian NATO now:</b> <span class="page-asian-nato">
 {_yes_no(model.recorder.asian_nato_now)}</span> ({_html(model.asian_nato_rule())}) ·
 <b>NATO-Asia link:</b> {_yes_no(model.recorder.nato_asia_link_now)} ·
 <b>Formal blocs outside the treaties:</b>
 <span class="page-blocs">{_html("; ".join(blocs) if blocs else "none")}</span></p>
<p class="page-settings"><b>Settings in use:</b> {_html(settings)}</p>
<p>Same run on the command line: <code>{_html(model.command)}</code>. Change the settings,
 then press <b>Reset</b> to rebuild the model with them.</p>
"""


@solara.component
def overview_card(model: ClassroomModel, shown: tuple):
    """The overview card."""
    with solara.Card(margin=0, classes=["page-overview-card"]):
        solara.HTML(tag="div", unsafe_innerHTML=overview_html(model), classes=["page-overview"])


@solara.component
def network_view(model: ClassroomModel, shown: tuple):
    """The alignment network this year (:func:`sim.page.figures.network_figure`), and what its
    colours and lines mean in HTML (the page's type size applies to it)."""
    png, legend = model.network()
    nodes = "".join(
        f"<span class='item'><span class='dot' style='background:{colour}'></span>"
        f"{_html(label)}</span> "
        for colour, label in legend.nodes
    )
    lines = " · ".join(_html(line) for line in legend.lines)
    with solara.Card(
        f"Alignment network in {model.state.year}", margin=0, classes=["page-network"]
    ):
        solara.Image(png, classes=["page-figure", "page-network-image"])
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<div>{nodes}</div><div>{lines}</div>",
            classes=["page-legend"],
        )


@solara.component
def budget_view(model: ClassroomModel, shown: tuple):
    """The key states' defence spending over the years (:func:`sim.page.figures`)."""
    with solara.Card("Defence budgets so far (% of GDP)", margin=0, classes=["page-budgets"]):
        solara.Image(model.budgets_png(), classes=["page-figure", "page-budgets-image"])


def log_html(rows: list[dict]) -> str:
    """The event log's rows as an HTML table, a repeated event with the years it recurred."""
    body = []
    for r in rows:
        also = f" <span class='also'>(also in {r['also']})</span>" if r["also"] else ""
        body.append(
            f"<tr><td class='year'>{r['year']}</td><td><b>{_html(r['head'])}</b>{also}"
            f"{_html(r['rest'])}</td></tr>"
        )
    return f"<table>{''.join(body)}</table>"


@solara.component
def event_log(model: ClassroomModel, shown: tuple):
    """The decisions and events of the run, newest first, with their reasons in plain words.

    ``shown`` (year and step) changes with every step, so the log is redrawn (the model object
    itself stays the same).
    """
    key_only, set_key_only = solara.use_state(True)
    rows = model.event_rows(focus_only=key_only)
    with solara.Card("Event log", margin=0, classes=["page-log-card"]):
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
            solara.HTML(tag="div", unsafe_innerHTML=log_html(rows), classes=["page-event-log"])


@solara.component
def run_views(model: ClassroomModel):
    """The main area; redrawn after every step (Mesa's controller bumps ``update_counter``).

    What did not change costs little and is not sent again: the model keeps its figures and
    returns the same network PNG and event rows while the ties and events stay the same
    (:meth:`sim.page.model.ClassroomModel.network`), and solara sends a widget's value only
    when it changed."""
    update_counter.get()
    shown = (model.state.year, model.steps)  # a child is redrawn when its arguments change
    with solara.Div(classes=["page-main"]):
        overview_card(model, shown)
        network_view(model, shown)
        event_log(model, shown)
        budget_view(model, shown)


@solara.component
def reset_cue(model: ClassroomModel, controls: dict):
    """A note beside the Reset button while a control differs from the running model's
    settings."""
    changed = model.changed_settings(controls)
    if changed:
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<b>Press Reset</b> to run with the changed settings: "
            + _html("; ".join(changed)),
            classes=["page-cue"],
        )


@solara.component
def page():
    """One model per browser tab, built from the configs as they stand."""
    defaults = solara.use_memo(default_settings, [])
    params = solara.use_memo(lambda: model_params(defaults), [])
    first = solara.use_memo(lambda: ClassroomModel(**asdict(defaults)), [])
    model = solara.use_reactive(first)
    controls = solara.use_reactive({})
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    projector = solara.use_reactive(os.environ.get(PROJECTOR_ENV) == "1")
    controls_open = solara.use_reactive(False)
    solara.Title("alliance-sim classroom")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    classes = ["page-root"]
    classes += ["projector"] if projector.value else []
    classes += ["controls-open"] if controls_open.value else []
    with solara.Div(classes=classes):
        with solara.Div(classes=["page-bar"]):
            solara.Button(
                "Hide controls" if controls_open.value else "Controls",
                on_click=lambda: controls_open.set(not controls_open.value),
                color="primary",
                outlined=True,
                classes=["page-controls-toggle"],
            )
            solara.Switch(label="Projector (large type, controls folded)", value=projector)
        with solara.Div(classes=["page-grid"]):
            with solara.Div(classes=["page-controls"]):
                with solara.Card("Run", margin=0):
                    ModelController(
                        model,
                        model_parameters=controls,
                        play_interval=play_interval,
                        render_interval=render_interval,
                        use_threads=use_threads,
                    )
                    reset_cue(model.value, controls.value)
                with solara.Card("Settings (take effect on Reset)", margin=0):
                    ModelCreator(model, params, model_parameters=controls)
            run_views(model.value)


Page = page  # the component solara serves
