"""The package's layout: one folder per pipeline stage, imports pointing one way, no import circle.

Stages, lowest first (docs/README.md draws them): what every stage reads (codes, errors, limits,
profile), then read, map, checks, report, write, and the entry points on top (validate, convert,
diff, cli and the package's ``__init__``). A module may import from its own stage or a lower one,
never a higher one; and no chain of imports, function-level imports included, comes back to where
it started.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "feedcheck"
LOW = {"codes", "errors", "limits", "profile"}
STAGES = ("read", "map", "checks", "report", "write")
TOP = {"__init__", "validate", "convert", "diff", "cli"}


def module_name(path: Path) -> str:
    parts = ["feedcheck", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return len(STAGES) + 1  # the package's __init__: the public API, on top
    head = parts[1]
    if head in LOW:
        return 0
    if head in STAGES:
        return STAGES.index(head) + 1
    assert head in TOP, f"{module} is neither low, a stage nor an entry point"
    return len(STAGES) + 1


def imports_of(module: str) -> set[str]:
    """The feedcheck modules ``module`` imports, anywhere in its body."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from feedcheck.checks import price" imports the module feedcheck.checks.price
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names
            ]
        found.update(n for n in names if n.split(".")[0] == "feedcheck" and n in MODULES)
    found.discard(module)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_the_top_of_the_package_holds_at_most_ten_modules() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 10, loose
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted(STAGES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_pipeline(module: str) -> None:
    upward = {other for other in GRAPH[module] if rank(other) > rank(module)}
    assert not upward, f"{module} imports from a later stage: {sorted(upward)}"


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one node: the import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    assert circles(GRAPH) == []


def test_the_circle_finder_finds_circles() -> None:
    """What the layout had before stages had folders: report.py and render.py imported each other."""
    before = {"report": {"codes"}, "render": {"report"}, "codes": set()}
    assert circles(before) == []
    before["report"].add("render")
    assert circles(before) == [["render", "report"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_text_view_depends_on_the_model_never_the_reverse() -> None:
    assert "feedcheck.report.model" in GRAPH["feedcheck.report.text"]
    assert "feedcheck.report.text" not in GRAPH["feedcheck.report.model"]


def test_the_command_is_a_thin_layer() -> None:
    def lines(path: Path) -> int:
        return len(path.read_text(encoding="utf-8").splitlines())

    total = sum(lines(p) for p in MODULES.values())
    assert lines(PACKAGE / "cli.py") < 0.15 * total
