"""The shape of the code: floors that import only downwards, no import cycles, short functions,
short experiment scripts (the layout README.md describes)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = [
    {"sim", "sim.errors", "sim.schema"},
    {"sim.files", "sim.stats", "sim.validate", "sim.outcomes"},
    {"sim.core"},
    {"sim.world"},
    {"sim.rules"},
    {"sim.abm"},
    {"sim.plots"},
    {"sim.runner"},
    {"sim.study"},
    {"sim.cli"},
    {"sim.demos"},
    {"sim.page"},
    {"sim.classroom"},
]
"""Each floor may import from its own package and from the floors before it, never after."""
MAX_FUNCTION_LINES = 80
MAX_SCRIPT_LINES = 200


def modules() -> dict[str, Path]:
    out = {}
    for path in (ROOT / "sim").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(path: Path) -> set[str]:
    """The sim modules a file imports at run time (``if TYPE_CHECKING`` blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    out = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("sim"))
    return out


def package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def floor(name: str) -> int:
    top = package(name)
    return next(i for i, f in enumerate(FLOORS) if top in f)


def test_every_package_has_a_floor():
    assert [m for m in modules() if not any(package(m) in f for f in FLOORS)] == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_go_only_downwards(name):
    known = modules()
    upward = [
        dep
        for dep in imports(known[name])
        if dep in known and package(dep) != package(name) and floor(dep) > floor(name)
    ]
    assert upward == [], f"{name} imports from a floor above it: {upward}"


def test_no_import_cycles():
    known = modules()
    graph = nx.DiGraph()
    for name, path in known.items():
        graph.add_node(name)
        for dep in imports(path):
            if dep in known and dep != name:
                graph.add_edge(name, dep)
    assert list(nx.simple_cycles(graph)) == []


def test_no_function_in_sim_is_longer_than_80_lines():
    """Counted from ``def`` to the last line, the docstring (with its examples) aside."""
    long = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    lines -= first.end_lineno - first.lineno + 1  # the docstring does not count
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines}")
    assert long == []


def test_each_experiment_script_is_config_call_and_report():
    scripts = sorted((ROOT / "experiments").glob("*/run.py"))
    assert scripts
    sizes = {p.parent.name: len(p.read_text(encoding="utf-8").splitlines()) for p in scripts}
    assert {k: n for k, n in sizes.items() if n >= MAX_SCRIPT_LINES} == {}
