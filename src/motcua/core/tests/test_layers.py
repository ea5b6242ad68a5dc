"""The layers of CONVENTIONS.md hold: import-linter checks the contracts of `.importlinter`
(also run by `make lint`), so a module importing a layer above it fails the suite too."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[4]


def test_no_module_imports_a_layer_above_it_nor_closes_a_cycle() -> None:
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 0
