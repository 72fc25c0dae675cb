"""Docstrings of the numerical core: their examples run, and their references exist.

* Every module of the package passes its doctests (the ``Examples:`` sections), ``sim.core``
  with at least 20.
* Every ``References`` section in ``sim/core``, ``sim/rules`` and ``sim/world/events`` cites only
  works in the bibliography of ``docs/ODD.md`` ("## References"): each cited key, such as
  ``Olson & Zeckhauser (1966)``, ``Tomita et al. (2006)`` or ``Crawford, T. W. (2011)``, must name
  an entry with the same first author's surname and year (and, for two authors, the same second
  author; for "et al.", an entry with three or more authors).
* Enough of the core's functions and classes carry a References section.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
CORE = ROOT / "sim" / "core"
CORE_MODULES = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
CITING_DIRS = [CORE, ROOT / "sim" / "rules", ROOT / "sim" / "world" / "events"]

# A cited work: the first author's surname (a particle such as "de" allowed inside it), optional
# initials ("Crawford, T. W."), then a second author ("& Bennett", ", & Bennett, D. S.") or
# "et al.", and the year in parentheses.
SURNAME = r"[A-Z][\w'\-]+(?: (?:de|van|von|der|du|la) [A-Z][\w'\-]+)*"
CITATION = re.compile(
    rf"(?P<first>{SURNAME})"
    r"(?:, (?:[A-Z]\.[ -]?)+)?"
    rf"(?:,? & (?P<second>{SURNAME})(?:, (?:[A-Z]\.[ -]?)+)?|(?P<etal> et al\.))?"
    r"\s*\((?P<year>\d{4})\)"
)
HEADER = re.compile(r"^(?P<indent>\s*)References\b[^:\n]*:\s*$")


def bibliography() -> list[dict]:
    """The entries of the ODD's "## References": authors (surnames, in order) and year."""
    text = ODD.read_text(encoding="utf-8")
    section = text.split("\n## References", 1)[1]
    section = re.split(r"\n#{1,2} ", section, maxsplit=1)[0]
    entries = []
    for block in re.split(r"\n\* ", "\n" + section.strip()):
        block = " ".join(block.split())
        match = re.match(r"\*?\s*(?P<authors>.+?)\s*\((?P<year>\d{4})\)", block)
        if not match:
            continue
        # "Olson, M., & Zeckhauser, R." -> ["Olson", "Zeckhauser"]: a surname is what precedes
        # the initials of each author.
        authors = re.findall(rf"(?:^|&\s*|\.,\s*)({SURNAME}),", match["authors"])
        entries.append({"authors": authors, "year": match["year"], "text": block})
    return entries


def docstrings(folder: Path):
    """(where, docstring) for every module, class and function docstring under ``folder``."""
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc:
                    name = getattr(node, "name", "<module>")
                    yield f"{rel}:{name}", node, doc


def references_sections(doc: str) -> list[str]:
    """The body of every Google-style ``References:`` section of a (cleaned) docstring.

    A section runs from its header line to the next non-blank line indented no deeper than the
    header.
    """
    lines = doc.splitlines()
    sections = []
    for i, line in enumerate(lines):
        header = HEADER.match(line)
        if not header:
            continue
        depth = len(header["indent"])
        body = []
        for nxt in lines[i + 1 :]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= depth:
                break
            body.append(nxt)
        sections.append("\n".join(body))
    return sections


def all_references():
    """(where, section body) for every References section in the citing packages."""
    for folder in CITING_DIRS:
        for where, _node, doc in docstrings(folder):
            for body in references_sections(doc):
                yield where, body


def matches(citation: re.Match, entry: dict) -> bool:
    """Whether a cited key names a bibliography entry."""
    authors = entry["authors"]
    if not authors or authors[0] != citation["first"] or entry["year"] != citation["year"]:
        return False
    if citation["second"]:
        return len(authors) >= 2 and authors[1] == citation["second"]
    if citation["etal"]:
        return len(authors) >= 3
    return True


# --------------------------------------------------------------------------------------------
# Doctests
# --------------------------------------------------------------------------------------------


def test_every_modules_examples_pass():
    """Every module of the package that gives examples passes them: each of ``sim.core``
    (at least 20 examples in all) and those elsewhere."""
    import pkgutil

    import sim

    attempted = {}
    for info in pkgutil.walk_packages(sim.__path__, "sim."):
        module = importlib.import_module(info.name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
        assert result.failed == 0, f"{info.name}: {result.failed} doctest(s) failed"
        attempted[info.name] = result.attempted
    core = sum(attempted.get(f"sim.core.{name}", 0) for name in CORE_MODULES)
    assert core >= 20, f"only {core} doctest examples in sim.core"
    elsewhere = {m for m, count in attempted.items() if count and not m.startswith("sim.core")}
    assert {"sim.schema", "sim.study.sensitivity", "sim.files"} <= elsewhere, elsewhere


@pytest.mark.parametrize("name", CORE_MODULES)
def test_every_core_module_has_examples(name):
    module = importlib.import_module(f"sim.core.{name}")
    tests = doctest.DocTestFinder().find(module)
    assert sum(len(t.examples) for t in tests) > 0, f"sim.core.{name} has no doctest examples"


# --------------------------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------------------------


def test_bibliography_parses():
    entries = bibliography()
    assert len(entries) >= 15
    keys = {(e["authors"][0], e["year"]) for e in entries if e["authors"]}
    assert ("Axelrod", "1993") in keys  # the first entry
    assert ("Wayman", "1984") in keys  # the last
    assert ("Olson", "1966") in keys
    assert ("Bueno de Mesquita", "1981") in keys
    tomita = next(e for e in entries if e["authors"][:1] == ["Tomita"])
    assert tomita["authors"] == ["Tomita", "Tanaka", "Takahashi"]


def test_citation_pattern():
    def keys(text):
        return [
            (m["first"], m["second"], bool(m["etal"]), m["year"]) for m in CITATION.finditer(text)
        ]

    assert keys("Olson & Zeckhauser (1966): free riding") == [
        ("Olson", "Zeckhauser", False, "1966")
    ]
    assert keys("Tullock (1980); Hirshleifer (1989): ratio") == [
        ("Tullock", None, False, "1980"),
        ("Hirshleifer", None, False, "1989"),
    ]
    assert keys("Tomita et al. (2006): pivoting") == [("Tomita", None, True, "2006")]
    assert keys("Crawford, T. W. (2011). Preventing enemy coalitions") == [
        ("Crawford", None, False, "2011")
    ]
    assert keys("Axelrod, R., & Bennett, D. S. (1993). A landscape") == [
        ("Axelrod", "Bennett", False, "1993")
    ]
    assert keys("cf. Bueno de Mesquita (1981)") == [("Bueno de Mesquita", None, False, "1981")]
    entries = bibliography()
    good = next(CITATION.finditer("Morrow (1991)"))
    wrong_year = next(CITATION.finditer("Morrow (1992)"))
    wrong_second = next(CITATION.finditer("Olson & Sandler (1966)"))
    assert any(matches(good, e) for e in entries)
    assert not any(matches(wrong_year, e) for e in entries)
    assert not any(matches(wrong_second, e) for e in entries)


def test_references_sections_are_found():
    doc = "Summary.\n\nReferences:\n    Walt (1987): threat.\n        more.\n\nExamples:\n    x"
    assert references_sections(doc) == ["    Walt (1987): threat.\n        more.\n"]


def test_every_cited_work_is_in_the_odd_bibliography():
    entries = bibliography()
    problems = []
    sections = 0
    for where, body in all_references():
        sections += 1
        cited = list(CITATION.finditer(body))
        if not cited:
            problems.append(f"{where}: a References section that cites no 'Author (Year)'")
        for citation in cited:
            if not any(matches(citation, e) for e in entries):
                problems.append(f"{where}: {citation[0]!r} is not in docs/ODD.md's bibliography")
    assert sections > 0
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["expected_utility", "landscape", "balance_of_threat"])
def test_each_built_in_rule_carries_references(name):
    """Each rule cites its sources (whether they are in the bibliography is checked above)."""
    from sim.rules import get_rule

    doc = inspect.getdoc(get_rule(name)) or ""
    assert any(CITATION.search(body) for body in references_sections(doc)), name


def test_core_functions_carry_references():
    cited = set()
    for where, node, doc in docstrings(CORE):
        if isinstance(node, ast.Module):
            continue
        if references_sections(doc):
            cited.add(where)
    assert len(cited) >= 10, sorted(cited)
    # the submodels of the ODD's section 7 and their sources
    for where in (
        "sim/core/geography.py:projection_weights",
        "sim/core/payoffs.py:security",
        "sim/core/payoffs.py:entrapment_exposure",
        "sim/core/payoffs.py:dependence",
        "sim/core/payoffs.py:coercion_exposure",
        "sim/core/payoffs.py:security_lottery",
        "sim/core/payoffs.py:credibility_factor",
        "sim/core/payoffs.py:containment_reach",
        "sim/core/alignment.py:logit_probabilities",
        "sim/core/coalitions.py:maximal_cliques",
        "sim/core/landscape.py:energy",
        "sim/core/richardson.py:fixed_point",
        "sim/core/budget.py:best_response_scalar",
    ):
        assert where in cited, f"{where} has no References section"
