"""The exchange is the only door to the registries: nothing else writes them, and no code
path grants itself access (grants come from the data owners' declared file)."""

from __future__ import annotations

import ast
from pathlib import Path

import motcua

ROOT = Path(motcua.__file__).parent


def _sources(*skip: str) -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.parts
        and "migrations" not in p.parts
        and p.parts[-2] not in skip
        and not any(part in skip for part in p.relative_to(ROOT).parts[:1])
    ]


def _imports_registry_writes(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.module == "motcua.registries.services":
                return True
            if node.module == "motcua.registries" and any(a.name == "services" for a in node.names):
                return True
        if isinstance(node, ast.Import) and any(
            a.name == "motcua.registries.services" for a in node.names
        ):
            return True
    return False


def test_only_the_exchange_reaches_the_registries_write_functions():
    offenders = [
        str(p.relative_to(ROOT))
        for p in _sources("registries", "exchange")
        if _imports_registry_writes(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert offenders == []


def test_no_code_outside_the_exchange_grants_access():
    offenders = []
    for path in _sources("exchange"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "grant_access":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
