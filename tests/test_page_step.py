"""A step of the classroom page redraws only what changed, and what it shows is what a page
drawn from scratch shows.

The page keeps its two figures alive (:class:`sim.page.figures.NetworkCanvas`,
:class:`sim.page.figures.BudgetsCanvas`) and reads a light copy of the run's tables
(:meth:`sim.page.model.ClassroomModel.page_tables`). These tests pin that: a year whose ties and
alliances are those already shown redraws no network and gives the same PNG bytes (which the
page does not send again); a year without new events gives the same event rows; and every
year's network and budgets PNGs have the pixels of the figures drawn from scratch from the
recorder's full tables (:func:`sim.page.figures.network_figure`, ``budgets_figure``, saved by
``savefig`` as before). Speed is measured by ``benchmarks/page_step.py``, not here.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow


def pixels(png: bytes) -> np.ndarray:
    """The RGB pixels of a PNG."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def from_scratch(model) -> tuple[np.ndarray, object, np.ndarray]:
    """This year's network (pixels, legend) and budgets (pixels), drawn on new figures from the
    recorder's full tables and saved by savefig, as the page drew them before it kept them."""
    from sim.page import figures
    from sim.plots._common import key_state_colours
    from sim.plots.camps import GREAT_POWERS
    from sim.runner.run import spending_targets

    def saved(fig) -> np.ndarray:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=figures.DPI, facecolor="white")
        return pixels(buffer.getvalue())

    tables = model.recorder.tables(seed=model.run_seed)
    fig, legend = figures.network_figure(tables, model.state.year, model.focus_states, GREAT_POWERS)
    budgets = figures.budgets_figure(
        tables,
        model.key_states,
        spending_targets(model.prepared),
        key_state_colours(model.key_states),
    )
    return saved(fig), legend, saved(budgets)


@pytest.mark.parametrize("world", ["default", "classroom5"])
def test_kept_figures_show_what_new_figures_show(world):
    """Year after year (ties changing in some years, not in others), the page's PNGs have the
    pixels of figures drawn from scratch, and the same legend."""
    from sim.page.model import ClassroomModel

    model = ClassroomModel(world_config=world, temperature_pct_gdp=0.1)
    for year in range(8):
        if year:
            model.step()
        png, legend = model.network()
        network, expected_legend, budgets = from_scratch(model)
        assert np.array_equal(pixels(png), network), model.state.year
        assert legend == expected_legend, model.state.year
        assert np.array_equal(pixels(model.budgets_png()), budgets), model.state.year
    assert model.page_cache[("network", "canvas")].redraws > 1  # some years changed ties


def test_a_year_with_the_same_ties_redraws_no_network():
    """The network is redrawn (and its PNG made) only in the years its ties or alliances
    change; otherwise the page gets the very same bytes. The event rows are rebuilt only when
    there are new events."""
    from sim.page.figures import year_key
    from sim.page.model import ClassroomModel

    model = ClassroomModel(world_config="classroom5", temperature_pct_gdp=0.1)
    png, _ = model.network()
    canvas = model.page_cache[("network", "canvas")]
    same = changed = 0
    while model.running:
        key = year_key(model.page_tables(), model.state.year)
        redraws, events = canvas.redraws, len(model.recorder.events)
        rows = model.event_rows()
        model.step()
        new_png, _ = model.network()
        assert model.page_cache[("network", "canvas")] is canvas  # the layout stayed
        if year_key(model.page_tables(), model.state.year) == key:
            assert canvas.redraws == redraws and new_png is png, model.state.year
            same += 1
        else:
            assert canvas.redraws == redraws + 1 and new_png != png, model.state.year
            changed += 1
        if len(model.recorder.events) == events:
            assert model.event_rows() is rows
        png = new_png
    assert same and changed, (same, changed)  # the run must show both cases


def test_the_page_tables_are_the_recorders():
    """What the page's figures read of the run's tables equals the recorder's own tables."""
    from sim.page.model import ALLIANCE_COLUMNS, ClassroomModel

    model = ClassroomModel()
    for _ in range(3):
        model.step()
    page = model.page_tables()
    full = model.recorder.tables(seed=model.run_seed)
    columns = {"states": ["year", "iso3", "defence_pct_gdp"], "alliances": ALLIANCE_COLUMNS}
    for name, cols in columns.items():
        expected = full[name][cols].reset_index(drop=True)
        assert page[name][cols].equals(expected) or np.array_equal(
            page[name][cols].to_numpy(), expected.to_numpy()
        ), name
    ties = full["ties"][full["ties"]["year"] == model.state.year].reset_index(drop=True)
    for col in ("year", "a", "b", "level", "source"):
        assert page["ties"][col].tolist() == ties[col].tolist(), col
    assert page["actors"].equals(full["actors"])


def test_the_page_runs_the_compiled_engine_and_says_so():
    from sim.page.model import PAGE_ENGINE, ClassroomModel
    from sim.runner.config import compose

    model = ClassroomModel(world_config="classroom5")
    assert model.params.engine == PAGE_ENGINE == "compiled"
    # the command the page shows runs the same engine: the default, or an override
    assert compose(model.command.split()[1:]).model.engine == "compiled"


def test_a_page_step_in_solara_sends_the_network_only_when_it_changed():
    """The page's main area rendered as solara renders it: after a step with the same ties the
    network image widget's value is not set again (nothing to send), the budgets image's is."""
    pytest.importorskip("solara")
    import reacton
    from mesa.visualization.utils import force_update

    from sim.page.app import run_views
    from sim.page.figures import year_key
    from sim.page.model import ClassroomModel

    model = ClassroomModel(world_config="classroom5", temperature_pct_gdp=0)
    box, rc = reacton.render(run_views(model), handle_error=False)
    try:
        widgets = image_widgets(box)
        sent = {name: [] for name in widgets}
        for name, widget in widgets.items():
            widget.observe(lambda change, name=name: sent[name].append(change), "value")
        key = year_key(model.page_tables(), model.state.year)
        model.step()
        force_update()
        assert image_widgets(box) == widgets  # the same widgets, updated in place
        assert year_key(model.page_tables(), model.state.year) == key  # no tie changed
        assert not sent["network"]
        assert len(sent["budgets"]) == 1
        assert bytes(widgets["budgets"].value) == model.budgets_png()
    finally:
        rc.close()


def image_widgets(widget) -> dict[str, object]:
    """The page's two image widgets under ``widget``, by figure."""
    found, stack = {}, [widget]
    while stack:
        w = stack.pop()
        classes = " ".join(getattr(w, "_dom_classes", ()) or ())
        for name in ("network", "budgets"):
            if f"page-{name}-image" in classes:
                found[name] = w
        stack.extend(c for c in getattr(w, "children", ()) or () if hasattr(c, "keys"))
    assert set(found) == {"network", "budgets"}, found
    return found
