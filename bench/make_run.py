"""`make run` from a fresh clone to a served home page: seconds.

Clones the committed `main` of this repository into a temporary directory, runs
`make run PORT=<free port>` there in its own process group and polls
http://127.0.0.1:<port>/ every 0.25 s until it answers 200 ("cold": tool venv, uv sync,
messages, migrate, load_demo, runserver). Then stops it and runs `make run` again in the
same clone ("warm": everything already built, only migrate/load_demo/runserver). The
temporary directory is removed at the end.

    .venv/bin/python bench/make_run.py [--timeout 900] [--no-reuse-uv-cache]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, free_port, stop_process_group, tail, warn_if_busy, write_result

NAME = "make_run"
POLL_INTERVAL_S = 0.25
# The recipe lines make echoes (the steps of `make run`), as opposed to their output.
STEP_LINE = re.compile(r"^(?:\S*python\S* -m venv |\.tools/bin/|\.venv/bin/|touch )")

# Variables of the calling shell (or of `make bench`) that a newcomer's fresh shell would not
# have and that would change what `make run` does.
SCRUBBED_ENV = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "MOTCUA_VAR_DIR",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON_DOWNLOADS",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
    "MAKEOVERRIDES",
    "PORT",
)


@dataclass
class Attempt:
    label: str
    seconds: float | None
    status: str  # "ok", "timeout" or "exited"
    exit_code: int | None
    log_tail: str
    failed_after: float | None = None
    steps: list[tuple[float, str]] = field(default_factory=list)

    def step_durations(self) -> list[dict[str, Any]]:
        """Each echoed recipe line with the seconds until the next one (or the first 200)."""
        end = self.seconds if self.seconds is not None else self.failed_after
        rows = []
        for i, (at, command) in enumerate(self.steps):
            until = self.steps[i + 1][0] if i + 1 < len(self.steps) else end
            took = round(until - at, 2) if until is not None else None
            rows.append({"command": command, "at_seconds": round(at, 2), "seconds": took})
        return rows

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "seconds": round(self.seconds, 2) if self.seconds is not None else None,
            "status": self.status,
        }
        body["steps"] = self.step_durations()
        if self.status != "ok":
            body.update(
                exit_code=self.exit_code,
                failed_after_seconds=round(self.failed_after or 0, 2),
                log_tail=self.log_tail,
            )
        return body


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repo", type=Path, default=None, help="repository to clone (default: this one)"
    )
    parser.add_argument("--branch", default="main", help="branch to clone (default: main)")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="give up on a run after this many seconds"
    )
    parser.add_argument(
        "--reuse-uv-cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reuse uv's and pip's caches in ~/.cache (default); --no-reuse-uv-cache gives the "
        "clone empty caches of its own, so every package is downloaded again",
    )
    parser.add_argument(
        "--write-bytecode",
        action="store_true",
        help="drop PYTHONDONTWRITEBYTECODE from the environment, so Python caches compiled "
        "modules (.pyc) as on a machine without that variable; by default the caller's "
        "environment decides",
    )
    parser.add_argument("--no-warm", action="store_true", help="skip the second (warm) run")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary clone (its path is printed)"
    )
    parser.add_argument("--output", type=Path, default=None, help="result file (JSON)")
    return parser.parse_args(argv)


def repo_root(start: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def clone(repo: Path, branch: str, target: Path) -> str:
    """Clone `branch` of `repo` into `target`; returns the commit cloned."""
    result = subprocess.run(
        ["git", "clone", "--quiet", "--branch", branch, str(repo), str(target)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"git clone --branch {branch} {repo} failed (is `{branch}` committed?):\n"
            f"{result.stderr.strip()}"
        )
    head = subprocess.run(
        ["git", "-C", str(target), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    )
    return head.stdout.strip()


def clean_env(workdir: Path, reuse_cache: bool, write_bytecode: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    # Drop the bench interpreter's venv from PATH so `python3` is the machine's, as for a
    # newcomer.
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    if not reuse_cache:
        env["UV_CACHE_DIR"] = str(workdir / "uv-cache")
        env["PIP_CACHE_DIR"] = str(workdir / "pip-cache")
    return env


def answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
            return int(response.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _drain(
    stream: Any, log: Path, started: float, steps: list[tuple[float, str]]
) -> threading.Thread:
    """Copy `stream` to `log`, noting when each recipe line is echoed."""

    def copy() -> None:
        with log.open("w", encoding="utf-8") as out:
            for line in stream:
                at = time.perf_counter() - started
                out.write(f"[{at:7.2f}] {line}")
                out.flush()
                if STEP_LINE.match(line):
                    steps.append((at, line.strip()))

    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    return thread


def time_make_run(label: str, project: Path, env: dict[str, str], timeout: float) -> Attempt:
    """Seconds from starting `make run` to the first 200 on `/`; always stops it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = project.parent / f"make-run-{label}.log"
    steps: list[tuple[float, str]] = []
    print(f"[{label}] make run PORT={port} in {project}", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    drain = _drain(proc.stdout, log, started, steps)
    try:
        while (elapsed := time.perf_counter() - started) < timeout:
            if answers_200(url):
                print(f"[{label}] {url} answered 200 after {elapsed:.1f} s", flush=True)
                return Attempt(label, elapsed, "ok", None, "", steps=steps)
            if proc.poll() is not None:
                drain.join(timeout=5)
                print(f"[{label}] make run exited with {proc.returncode} after {elapsed:.1f} s:")
                print(tail(log))
                return Attempt(
                    label, None, "exited", proc.returncode, tail(log), elapsed, steps=steps
                )
            time.sleep(POLL_INTERVAL_S)
        print(f"[{label}] no 200 from {url} within {timeout:.0f} s:\n{tail(log)}")
        return Attempt(label, None, "timeout", proc.poll(), tail(log), timeout, steps=steps)
    finally:
        stop_process_group(proc)
        drain.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_at_start = warn_if_busy()
    repo = repo_root(args.repo or BENCH_DIR)
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-make-run-"))
    project = workdir / "project"
    try:
        commit = clone(repo, args.branch, project)
        print(f"Cloned {repo} ({args.branch} @ {commit[:12]}) into {project}")
        cache = "reused (~/.cache/uv, ~/.cache/pip)" if args.reuse_uv_cache else "empty"
        print(f"uv/pip cache: {cache}", flush=True)
        env = clean_env(workdir, args.reuse_uv_cache, args.write_bytecode)
        no_pyc = bool(env.get("PYTHONDONTWRITEBYTECODE"))
        print(f"PYTHONDONTWRITEBYTECODE: {'set: no .pyc cache' if no_pyc else 'unset'}")
        cold = time_make_run("cold", project, env, args.timeout)
        warm = None
        if cold.status == "ok" and not args.no_warm:
            warm = time_make_run("warm", project, env, args.timeout)
    finally:
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    result: dict[str, Any] = {
        "repository": str(repo),
        "branch": args.branch,
        "commit": commit,
        "uv_cache_reused": args.reuse_uv_cache,
        "pythondontwritebytecode": no_pyc,
        "timeout_seconds": args.timeout,
        "load_average_1m_at_start": load_at_start,
        "cold": cold.as_json(),
        "warm": warm.as_json() if warm else None,
    }
    path = write_result(NAME, result, args.output)
    print()
    print(f"`make run` from a fresh clone to a served home page (uv cache {cache})")
    print(f"  cold (fresh clone)     {_seconds(cold)}")
    _print_steps(cold)
    if warm:
        print(f"  warm (same clone)      {_seconds(warm)}")
        _print_steps(warm)
    print(f"Result: {path}")
    return 0 if cold.status == "ok" and (warm is None or warm.status == "ok") else 1


def _print_steps(attempt: Attempt) -> None:
    for step in attempt.step_durations():
        took = f"{step['seconds']:6.1f} s" if step["seconds"] is not None else "      ?"
        print(f"    {took}  {step['command'][:70]}")


def _seconds(attempt: Attempt) -> str:
    return f"{attempt.seconds:.1f} s" if attempt.seconds is not None else attempt.status


if __name__ == "__main__":
    sys.exit(main())
