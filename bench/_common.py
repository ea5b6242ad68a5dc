"""Helpers shared by the benchmark scripts: percentiles, free ports, result files and
stopping the servers they start. Standard library only, so it imports before Django."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


def summarize_ms(samples_s: list[float]) -> dict[str, float | int]:
    """p50/p95/p99/max (and min, mean) in milliseconds of durations given in seconds."""
    if not samples_s:
        return {"count": 0}
    ms = sorted(s * 1000 for s in samples_s)
    if len(ms) >= 2:
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    else:
        p50 = p95 = p99 = ms[0]
    return {
        "count": len(ms),
        "min_ms": round(ms[0], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(ms[-1], 3),
    }


def format_ms(stats: dict[str, float | int]) -> str:
    if not stats.get("count"):
        return "no samples"
    return (
        f"p50 {stats['p50_ms']:.2f} ms · p95 {stats['p95_ms']:.2f} ms · "
        f"p99 {stats['p99_ms']:.2f} ms · max {stats['max_ms']:.2f} ms  (n={stats['count']})"
    )


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def warn_if_busy() -> float | None:
    """The 1-minute load average, with a warning when other work shares the CPUs."""
    load = load_average()
    if load is not None and load > 0.5:
        print(
            f"Note: load average {load} before starting: other work is running and the "
            "figures will be noisier and slower than on an idle machine."
        )
    return load


def git_revision(path: Path = PROJECT_DIR) -> dict[str, Any]:
    """The commit checked out at `path` and whether tracked files differ from it (read-only)."""

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", "-C", str(path), *args], capture_output=True, text=True, check=False
        )
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit or None, "tracked_files_modified": bool(changed)}


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m_at_end": load_average(),
    }


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_result(name: str, data: dict[str, Any], path: Path | None = None) -> Path:
    """Write `data` as bench/results/<name>.json (or `path`) and return where."""
    target = path or RESULTS_DIR / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    body = {"benchmark": name, "measured_at": now_iso(), "machine": machine(), **data}
    target.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def stop_process_group(proc: subprocess.Popen[Any], grace_s: float = 15.0) -> int | None:
    """SIGTERM the process group led by `proc` (started with start_new_session=True), then
    SIGKILL whatever is left after `grace_s` seconds. Returns the leader's exit code."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = proc.pid
    if pgid != proc.pid:  # not a group of its own: never signal ours
        proc.terminate()
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace_s)
    if pgid == proc.pid:
        # Children (runserver's reloader, gunicorn's workers) may outlive the leader.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    return proc.returncode


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def venv_bin(name: str) -> str:
    """An executable next to the running interpreter (the project's .venv/bin)."""
    return str(Path(sys.executable).parent / name)
