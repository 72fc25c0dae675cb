"""What every demo returns: its explanation in plain words, its key numbers and its figures."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WIDTH = 96
"""Width of the printed explanation, in characters."""


def _paragraphs(body: str) -> list[str]:
    """Split text into paragraphs (blank line) and items (lines starting '- '), unwrapped."""
    out: list[str] = []
    current: list[str] = []
    for line in [*body.splitlines(), ""]:
        stripped = line.strip()
        if not stripped or stripped.startswith("- "):
            if current:
                out.append(" ".join(current))
            current = [stripped] if stripped else []
        else:
            current.append(stripped)
    return out


@dataclass
class DemoResult:
    """The outcome of one demo run.

    Attributes:
        name: the demo's name (as given to ``alliance-sim-demo``).
        title: one line saying what the demo is about.
        sections: (heading, text) pairs: what the game is, its equilibria, what to ask the class.
            Text is re-wrapped when printed; a blank line starts a new paragraph, a line
            starting with '- ' a new item.
        numbers: the key numbers by name (equilibria, thresholds, correlations), for tests and
            notebooks.
        figures: the PNG files written.
        drawn: the matplotlib figures the demo drew itself, in the order of ``figures`` (a
            figure drawn by ``sim.plots`` is written but not kept), for checks of their text.
    """

    name: str
    title: str
    sections: list[tuple[str, str]]
    numbers: dict[str, Any] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    drawn: list[Any] = field(default_factory=list, repr=False)

    def text(self) -> str:
        """The explanation as printed by the command line, figure paths last."""
        lines = [self.title, "=" * len(self.title)]
        for heading, body in self.sections:
            lines += ["", f"{heading}:"]
            for paragraph in _paragraphs(body):
                indent = "    " if paragraph.startswith("- ") else "  "
                lines.append(
                    textwrap.fill(
                        paragraph,
                        WIDTH,
                        initial_indent="  ",
                        subsequent_indent=indent,
                        break_on_hyphens=False,
                    )
                )
        lines += ["", "Figures:", *(f"  {path}" for path in self.figures)]
        return "\n".join(lines)
