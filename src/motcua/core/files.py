"""Files under var/ that hold secrets or personal data (the SQLite database, keys, demo
passwords) are readable by their owner only: created 0600 from the start, not chmod-ed after
a window in which others could open them."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) as 0700 when missing; an existing directory is left alone."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_DIR, exist_ok=True)
    return path


def write_private(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `data` to `path`, the file created or truncated with mode 0600."""
    private_dir(path.parent)
    raw = data.encode(encoding) if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE)  # an older file may have had a wider mode
        handle.write(raw)
    return path


def touch_private(path: Path) -> Path:
    """Create an empty 0600 file at `path` if missing (before SQLite opens it), and narrow
    the mode of an existing one."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    os.close(fd)
    return path
