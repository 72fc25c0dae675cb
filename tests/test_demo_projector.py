"""The demos' projector mode, checked from the figures' own text boxes.

Every text matplotlib actually draws (titles, axis and tick labels, legend entries,
annotations, notes) is recorded while the figure is drawn, with its rendered box
(``Text.get_window_extent`` at the figures' save resolution, :data:`DPI` dots per inch). In
projector mode every such text must be at least 16 pt, no two boxes may overlap by more than
:data:`TOLERANCE_PX` pixels (about 1 pt) in either direction, every box must lie inside the
figure, no legend may cover a data point or line of its own axes, and no text may cover the
centre of a scatter point (a label printed over another point). The same finder is shown
to catch the overprinted labels of the ordinary burden-sharing figure as it was drawn before
the projector work, and a deliberately overlapping synthetic figure.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from sim.demos import figures
from sim.demos.registry import DEMOS, load
from sim.plots._common import DPI

TOLERANCE_PX = 2.0
"""Overlap allowed between two text boxes, in pixels at :data:`DPI` (2 px = 0.96 pt)."""


def drawn_texts(fig, monkeypatch) -> list[tuple[Text, Bbox]]:
    """Every visible, non-empty text drawn when ``fig`` is rendered, with its box in pixels."""
    seen: list[Text] = []
    original = Text.draw

    def recording(self, renderer):
        if self.get_visible() and self.get_text().strip():
            seen.append(self)
        return original(self, renderer)

    fig.set_dpi(DPI)
    with monkeypatch.context() as patch:
        patch.setattr(Text, "draw", recording)
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    unique = list(dict.fromkeys(seen))
    # the text's own box: an annotation's leader line is not part of its label
    return [(t, Text.get_window_extent(t, renderer)) for t in unique]


def overlaps(boxes: list[tuple[Text, Bbox]], tolerance: float = TOLERANCE_PX) -> list[tuple]:
    """Pairs of texts whose boxes share more than ``tolerance`` pixels both across and down."""
    found = []
    for (t1, b1), (t2, b2) in itertools.combinations(boxes, 2):
        width = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
        height = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
        if width > tolerance and height > tolerance:
            found.append((t1.get_text(), t2.get_text()))
    return found


def texts_on_points(fig, boxes, tolerance: float = TOLERANCE_PX) -> list[tuple[str, int]]:
    """(text, index of the point) for every scatter point whose centre a text box covers
    (shrunk by ``tolerance``): a label printed over another member's marker."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        clip = ax.get_window_extent(renderer)
        for points in [c for c in ax.collections if isinstance(c, PathCollection)]:
            centres = points.get_offset_transform().transform(points.get_offsets())
            for k, (x, y) in enumerate(centres):
                if not clip.contains(x, y):
                    continue
                for text, box in boxes:
                    inner = box.padded(-tolerance)
                    if inner.x0 < x < inner.x1 and inner.y0 < y < inner.y1:
                        found.append((text.get_text(), k))
    return found


def small_texts(boxes, minimum: float) -> list[tuple[str, float]]:
    """Texts set in under ``minimum`` points, with their size."""
    return [(t.get_text(), t.get_fontsize()) for t, _ in boxes if t.get_fontsize() < minimum]


def outside_figure(fig, boxes, tolerance: float = TOLERANCE_PX) -> list[str]:
    """Texts that stick out of the figure (cut off in the PNG)."""
    width, height = fig.bbox.width, fig.bbox.height
    return [
        t.get_text()
        for t, b in boxes
        if b.x0 < -tolerance
        or b.y0 < -tolerance
        or b.x1 > width + tolerance
        or b.y1 > height + tolerance
    ]


def covered_by_legends(fig) -> list[str]:
    """Data covered by a legend: (legend, artist) for every line point (sampled every 2 px
    along each segment) or scatter point of the legend's axes that lies inside it."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None:
            continue
        box = leg.get_window_extent(renderer)
        clip = ax.get_window_extent(renderer)
        for artist in ax.get_children():
            if isinstance(artist, Line2D) and artist.get_visible():
                xy = artist.get_transform().transform(artist.get_xydata())
                xy = xy[np.all(np.isfinite(xy), axis=1)]
                if len(xy) > 1:
                    steps = np.maximum(np.hypot(*np.diff(xy, axis=0).T) / 2, 1).astype(int)
                    xy = np.vstack(
                        [
                            np.linspace(a, b, n + 1)
                            for a, b, n in zip(xy[:-1], xy[1:], steps, strict=True)
                        ]
                    )
            elif isinstance(artist, PathCollection) and artist.get_visible():
                xy = artist.get_offset_transform().transform(artist.get_offsets())
            else:
                continue
            visible = xy[[clip.contains(x, y) for x, y in xy]] if len(xy) else xy
            if any(box.contains(x, y) for x, y in visible):
                found.append(f"{leg.get_texts()[0].get_text()!r} covers {artist.get_label()!r}")
    return found


# --- every demo in projector mode -----------------------------------------------------------


@pytest.fixture(scope="module")
def projector_results(tmp_path_factory):
    """Every demo run once in projector mode (asian_nato with 3 seeds)."""
    results = {}
    for name in DEMOS:
        folder = tmp_path_factory.mktemp(name)
        kwargs = {"seeds": 3} if name == "asian_nato" else {}
        results[name] = (folder, load(name).run(folder, projector=True, **kwargs))
    return results


@pytest.mark.parametrize("name", list(DEMOS))
def test_projector_figures_are_16_9_one_panel_each(projector_results, name):
    folder, result = projector_results[name]
    assert len(result.drawn) == len(result.figures) >= 2
    for k, (fig, path) in enumerate(zip(result.drawn, result.figures, strict=True)):
        assert path == folder / f"{name}_{'abcdefgh'[k]}.png"
        width, height = fig.get_size_inches()
        assert width / height == pytest.approx(16 / 9, rel=0.01)
        assert len([ax for ax in fig.axes if ax.get_visible()]) == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in result.figures)


@pytest.mark.parametrize("name", list(DEMOS))
def test_projector_text_is_large_and_never_overprinted(projector_results, monkeypatch, name):
    _, result = projector_results[name]
    for fig, path in zip(result.drawn, result.figures, strict=True):
        boxes = drawn_texts(fig, monkeypatch)
        assert len(boxes) >= 5, f"{path.name}: too few texts found to check"
        assert small_texts(boxes, figures.MIN_PROJECTOR_PT) == [], path.name
        assert overlaps(boxes) == [], path.name
        assert outside_figure(fig, boxes) == [], path.name
        assert covered_by_legends(fig) == [], path.name
        assert texts_on_points(fig, boxes) == [], path.name


# --- the checks can fail --------------------------------------------------------------------


def test_finder_catches_a_deliberately_overprinted_figure(monkeypatch):
    fig = figures.new_figure(6, 4)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.text(0.1, 0.2, "LUX", fontsize=10)
    ax.text(0.11, 0.2, "SVN", fontsize=10)  # a few pixels to the right: overprinted
    ax.text(0.1, 0.9, "far away", fontsize=10)
    ax.legend(loc="center")  # on top of the line
    ax.text(1.3, 0.5, "cut off at the right edge", fontsize=10)
    boxes = drawn_texts(fig, monkeypatch)
    assert overlaps(boxes) == [("LUX", "SVN")]
    assert ("LUX", 10.0) in small_texts(boxes, 16)
    assert outside_figure(fig, boxes) == ["cut off at the right edge"]
    assert covered_by_legends(fig) == ["'a line' covers 'a line'"]


def _old_burden_labels(ax, xs, ys, labels, highlight):
    """How the burden-sharing demo labelled its points before: 3 pt up and right of each,
    7 pt (8.5 pt bold for the highlighted members)."""
    for x, y, label in zip(xs, ys, labels, strict=True):
        big = label in highlight
        ax.annotate(
            label,
            (x, y),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=8.5 if big else 7,
            fontweight="bold" if big else "normal",
        )


def test_finder_catches_the_old_burden_sharing_overprints_and_the_fix_removes_them(monkeypatch):
    from sim.demos import burden_sharing

    data = burden_sharing.nato_table().dropna(subset=["defence_pct_gdp"])
    xs, ys = data["gdp_usd_bn"].to_numpy(), data["defence_pct_gdp"].to_numpy()
    old = figures.new_figure(7, 6)
    ax = old.add_subplot()
    ax.scatter(xs, ys, s=40)
    ax.set_xscale("log")
    _old_burden_labels(ax, xs, ys, list(data.index), burden_sharing.HIGHLIGHT)
    boxes = drawn_texts(old, monkeypatch)
    assert ("LUX", "SVN") in overlaps(boxes)
    deu = list(data.index).index("DEU")
    assert ("FRA", deu) in texts_on_points(old, boxes)  # FRA printed over Germany's point

    new = figures.new_figure(7, 6)
    ax = new.add_subplot()
    ax.scatter(xs, ys, s=40)
    ax.set_xscale("log")
    new.canvas.draw()
    bold = [c in burden_sharing.HIGHLIGHT for c in data.index]
    figures.place_labels(ax, xs, ys, list(data.index), fontsize=8.5, bold=bold)
    boxes = drawn_texts(new, monkeypatch)
    assert overlaps(boxes) == [] and texts_on_points(new, boxes) == []


def test_ordinary_richardson_legends_cover_no_curve(tmp_path, monkeypatch):
    from sim.demos import richardson

    result = richardson.run(tmp_path)
    (fig,) = result.drawn
    drawn_texts(fig, monkeypatch)  # draws it
    assert covered_by_legends(fig) == []
