"""The layers of CONVENTIONS.md hold: import-linter checks the contracts of `.importlinter`
(also run by `make lint`), so a module importing a layer above it fails the suite too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
# In a process of its own: import-linter reconfigures logging, which would silence the
# loggers later tests of this process assert on.
CHECK = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))"
)


def test_no_module_imports_a_layer_above_it_nor_closes_a_cycle() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(ROOT / ".importlinter")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:]
