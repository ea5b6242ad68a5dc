"""The monitoring modules import each other in one direction only (services → counting →
rules → sources), so the counting rules have one home and no module reaches back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """The sibling modules `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif (node.module or "").startswith("motcua.monitoring."):
                found.add((node.module or "").split(".")[2])
            elif node.module == "motcua.monitoring":
                found.update(alias.name for alias in node.names)
    return found


def test_no_monitoring_module_imports_back_into_one_that_imports_it():
    graph = {path.stem: _imports(path) for path in PACKAGE.glob("*.py")}
    graph = {name: {m for m in uses if m in graph and m != name} for name, uses in graph.items()}
    cycles = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        for nxt in sorted(graph[name]):
            if nxt in trail:
                cycles.append((*trail[trail.index(nxt) :], nxt))
            else:
                visit(nxt, (*trail, nxt))

    for name in sorted(graph):
        visit(name, (name,))
    assert cycles == []
    assert "services" not in graph["counting"] | graph["rules"] | graph["sources"]
