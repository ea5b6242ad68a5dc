"""Run every benchmark in turn (`make bench`) and print the headline figures.

    .venv/bin/python bench/run_all.py [--only catalog_search] [--skip make_run]

Each script writes bench/results/<name>.json; this one reads them back for the summary.
Exits non-zero if any benchmark failed or timed out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, PROJECT_DIR, RESULTS_DIR


def _search_summary(r: dict[str, Any]) -> list[str]:
    rows = [
        f"seeding {r['procedures']:,} procedures ({r['database']['vendor']}): "
        f"{r['seed_seconds']:.1f} s",
        f"search in-process p95: {r['in_process']['p95_ms']:.1f} ms",
    ]
    if http := r.get("http"):
        rows.append(
            f"search over HTTP p95: {http['p95_ms']:.1f} ms, "
            f"{http['requests_per_second']} requests/s, {http['errors']} errors"
        )
    return rows


def _make_run_summary(r: dict[str, Any]) -> list[str]:
    def fmt(attempt: dict[str, Any] | None) -> str:
        if not attempt:
            return "not run"
        return f"{attempt['seconds']:.1f} s" if attempt["status"] == "ok" else attempt["status"]

    return [f"make run, fresh clone: {fmt(r['cold'])}; same clone again: {fmt(r['warm'])}"]


def _tokens_summary(r: dict[str, Any]) -> list[str]:
    return [
        f"{name}: {stats['requests_per_second']} requests/s, p95 {stats.get('p95_ms', '?')} ms"
        for name, stats in r["http"].items()
    ]


def _dossier_summary(r: dict[str, Any]) -> list[str]:
    http = r["http"]
    submit = http["submit"]
    rows = [
        f"dossier submissions over HTTP: {submit['per_second']}/s "
        f"({http['concurrency']} clients, gunicorn ×{http['workers']}), {submit['errors']} errors"
    ]
    if pgbench := r.get("pgbench"):
        same = pgbench["runs"][str(http["concurrency"])]
        rows.append(
            f"same writes in pgbench: {same['transactions_per_second']} transactions/s; "
            f"app/pgbench {r['ratio_app_to_pgbench']} (target ≥ 0.4)"
        )
    rows.append(
        f"form with prefill p95: {http['form_prefill'].get('p95_ms', '?')} ms; "
        f"dossier page p95: {http['dossier_page'].get('p95_ms', '?')} ms"
    )
    return rows


def _process_summary(r: dict[str, Any]) -> list[str]:
    rows = [
        f"dossiers through a whole process (in-process, {r['database']['vendor']}): "
        f"{r['dossiers_per_second']}/s ({r['dossiers']} dossiers, "
        f"{r['statements_per_dossier']} statements each)"
    ]
    if r.get("dossiers_per_second_without_pdf") is not None:
        rows.append(
            f"result PDF: rendering {r['pdf_rendering']['share']:.0%}, PAdES signing "
            f"{r['pades_signing']['share']:.0%} of the time; without both "
            f"{r['dossiers_per_second_without_pdf']}/s"
        )
    return rows


# name -> (time limit in seconds, summary of its result file)
BENCHMARKS: dict[str, tuple[float, Callable[[dict[str, Any]], list[str]]]] = {
    "catalog_search": (1800.0, _search_summary),
    "make_run": (2400.0, _make_run_summary),
    "identity_tokens": (900.0, _tokens_summary),
    "dossier_submit": (1800.0, _dossier_summary),
    "dossier_process": (1200.0, _process_summary),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every MotCua benchmark in turn.")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only these")
    parser.add_argument("--skip", action="append", choices=BENCHMARKS, default=[])
    args = parser.parse_args(argv)
    names = [n for n in (args.only or BENCHMARKS) if n not in args.skip]

    outcomes: dict[str, str] = {}
    for name in names:
        limit, _ = BENCHMARKS[name]
        script = BENCH_DIR / f"{name}.py"
        print(f"=== {name} ({script.relative_to(PROJECT_DIR)}) ===", flush=True)
        started = time.perf_counter()
        try:
            code = subprocess.run(
                [sys.executable, str(script)], cwd=PROJECT_DIR, timeout=limit
            ).returncode
            outcomes[name] = "ok" if code == 0 else f"failed (exit {code})"
        except subprocess.TimeoutExpired:
            outcomes[name] = f"timed out after {limit:.0f} s"
        print(f"=== {name}: {outcomes[name]} in {time.perf_counter() - started:.0f} s ===\n")

    print("Summary")
    for name in names:
        print(f"  {name}: {outcomes[name]}")
        result_file = RESULTS_DIR / f"{name}.json"
        if outcomes[name] == "ok" and result_file.exists():
            for row in BENCHMARKS[name][1](_load(result_file)):
                print(f"    {row}")
    return 0 if all(o == "ok" for o in outcomes.values()) else 1


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


if __name__ == "__main__":
    sys.exit(main())
