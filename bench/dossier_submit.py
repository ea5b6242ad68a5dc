"""Dossier submissions per second over HTTP against the same transaction in pure SQL (pgbench),
and the p95 of the form-with-prefill API and of the portal's dossier page.

PostgreSQL only: with DATABASE_URL set, a throwaway database on that server (dropped at the
end); without it, the script runs itself again under bin/with-postgres (a throwaway cluster).
Prepares drafts in-process through `dossiers.services.create_draft`, counts the queries of
one submission in-process, then serves the database with gunicorn (production settings,
throwaway secrets) and submits the drafts from concurrent clients, each draft once, with
an `Idempotency-Key`; then runs pgbench with the same writes at the same concurrency.

    .venv/bin/python bench/dossier_submit.py [--concurrency 8] [--workers 4] [--seconds 30]
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import logging
import os
import pstats
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from _common import (
    PROJECT_DIR,
    format_ms,
    free_port,
    git_revision,
    load_average,
    stop_process_group,
    summarize_ms,
    tail,
    warn_if_busy,
    write_result,
)
from catalog_search import (
    database_info,
    server_env,
    start_gunicorn,
    throwaway_database,
    wait_ready,
)

NAME = "dossier_submit"
# "Xác nhận thông tin về cư trú": the form is the only component to fill in, the ID card is
# replaced by the population registry, no fee, no other party, no sensitive data.
SUBMIT_PROCEDURE = "1.010041"
# "Đăng ký khai sinh": the form prefilled from four registry reads, one of them sensitive.
FORM_PROCEDURE = "1.001193"
CLIENT_ID = "bench-dossiers"
HOME_COMMUNE = "00070"
FORM_CENTRE = f"01.{HOME_COMMUNE}.tthcc"
SRC = PROJECT_DIR / "src"
AUDIT_LOCK_KEY = 7_460_001  # motcua.audit.services._PG_LOCK_KEY


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=2000, help="drafts prepared to submit")
    parser.add_argument("--citizens", type=int, default=400, help="distinct applicants")
    parser.add_argument(
        "--units", type=int, default=50, help="receiving units (commune centres) drafts go to"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP clients, pgbench -c")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit of the submit loop")
    parser.add_argument("--warmup", type=int, default=16, help="submissions before timing")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument(
        "--pgbench-rows", type=int, default=20000, help="drafts pgbench submits (in turn)"
    )
    parser.add_argument("--pgbench-threads", type=int, default=2, help="pgbench -j")
    parser.add_argument("--pgbench", default="", help="pgbench executable (default: found)")
    parser.add_argument(
        "--profile-submits", type=int, default=60, help="in-process: timed, then profiled"
    )
    parser.add_argument("--page-requests", type=int, default=300, help="per page measured")
    parser.add_argument("--page-seconds", type=float, default=120.0, help="time limit per page")
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE", help="for gunicorn"
    )
    parser.add_argument("--output", type=Path, default=None, help="result file (JSON)")
    args = parser.parse_args(argv)
    args.database_as_is = False
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes KEY=VALUE")
    if min(args.concurrency, args.workers, args.citizens, args.units) < 1:
        parser.error("--concurrency, --workers, --citizens and --units must be ≥ 1")
    if args.drafts < args.warmup + args.concurrency:
        parser.error("--drafts must exceed --warmup + --concurrency")
    return args


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Where initdb and pgbench are: pg_config's bindir, else the newest /usr/lib/postgresql."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)],
        reverse=True,
    )
    return next((c for c in candidates if (c / "pgbench").exists()), None)


def reexec_with_postgres(argv: list[str]) -> int:
    """No DATABASE_URL: run this script again under bin/with-postgres (throwaway cluster)."""
    if postgres_bindir() is None:
        print("This benchmark needs PostgreSQL (initdb, pg_ctl, pgbench): none found.")
        return 2
    wrapper = PROJECT_DIR / "bin" / "with-postgres"
    print(f"DATABASE_URL is not set: running under {wrapper.relative_to(PROJECT_DIR)}", flush=True)
    os.execv(str(wrapper), [str(wrapper), sys.executable, str(Path(__file__).resolve()), *argv])
    return 2  # not reached


# --- CPU accounting (Linux /proc) ---------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / _TICK, sum(fields) / _TICK


def process_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes."""
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def backends_of(dbname: str) -> list[int]:
    """The PostgreSQL backends serving `dbname` now (their process title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {dbname} " in title:
            found.append(int(entry.name))
    return found


@contextmanager
def cpu_meter(
    server_pids: list[int] | None = None, db_pids: list[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Measures the CPU used while the block runs: by the machine (every process, other
    sessions' work included), this process (the clients), the gunicorn workers and the
    PostgreSQL backends serving them."""
    out: dict[str, Any] = {}
    busy0, total0 = machine_cpu()
    own0 = time.process_time()
    server0 = process_cpu(server_pids or [])
    db0 = process_cpu(db_pids or [])
    wall0 = time.perf_counter()
    try:
        yield out
    finally:
        wall = time.perf_counter() - wall0
        busy1, total1 = machine_cpu()
        out["wall_seconds"] = round(wall, 2)
        if total1 > total0:
            out["machine_busy_percent"] = round(100 * (busy1 - busy0) / (total1 - total0), 1)
        out["bench_process_cpu_seconds"] = round(time.process_time() - own0, 2)
        if server_pids:
            out["gunicorn_workers_cpu_seconds"] = round(process_cpu(server_pids) - server0, 2)
        if db_pids:
            out["postgres_backends_cpu_seconds"] = round(process_cpu(db_pids) - db0, 2)


# --- the world ----------------------------------------------------------------------------


def personal_id(i: int) -> str:
    """Men born in 1990 in Hà Nội (001), numbered from 500000: valid, not the tests' IDs."""
    return f"001090{500000 + i:06d}"


def seed_world(args: argparse.Namespace) -> dict[str, Any]:
    """Units, the demo catalog and forms, registry people (married pairs, living in one ward),
    their accounts, consents for the family data, the drafts; timed."""
    import datetime as dt

    from django.apps import apps
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    from motcua.catalog import services as catalog
    from motcua.eforms import services as eforms
    from motcua.exchange import services as exchange
    from motcua.identity import services as identity
    from motcua.registries.population.models import Person
    from motcua.units import services as units
    from motcua.units.models import Agency

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    timings["migrate"] = time.perf_counter() - started

    started = time.perf_counter()
    units.load_units()
    units.generate_agencies()
    catalog.import_file(
        (SRC / "motcua/catalog/fixtures/demo_procedures.json").read_text(encoding="utf-8"),
        "demo_procedures.json",
        actor="bench",
    )
    eforms.import_forms(SRC / "motcua/eforms/fixtures/demo_forms.json", actor="bench")
    from motcua.exchange import services as exchange_services

    exchange_services.load_grants(actor="bench")  # the data owners' declared grants
    if apps.is_installed("motcua.workflow"):
        # The demo processes: a submission opens the first step of its procedure's process.
        from motcua.workflow import demo as workflow_demo
        from motcua.workflow import services as workflow

        workflow.import_processes(
            workflow_demo.DEMO_PROCESSES.read_text(encoding="utf-8"), actor="bench"
        )
    timings["units_catalog_forms"] = time.perf_counter() - started

    started = time.perf_counter()
    ids = [personal_id(i) for i in range(args.citizens)]
    with transaction.atomic():
        people = Person.objects.bulk_create(
            Person(
                personal_id=pid,
                full_name=f"Nguyễn Văn Bench {i}",
                birth_date=dt.date(1990, 1 + i % 12, 1 + i % 28),
                sex="M",
                province_code="01",
                permanent_commune_code=HOME_COMMUNE,
                permanent_address=f"Số {i + 1} phố Tràng Tiền",
                marital_status="married",
            )
            for i, pid in enumerate(ids)
        )
        for a, b in zip(people[0::2], people[1::2], strict=False):
            a.spouse, b.spouse = b, a
        Person.objects.bulk_update(people, ["spouse"])
    # Passwords are never used (bearer tokens, sessions): a fast hasher keeps seeding short.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        accounts = [
            identity.enrol_person(
                personal_id=pid,
                full_name=f"Nguyễn Văn Bench {i}",
                password=secrets.token_urlsafe(16),
                permanent_address=f"Số {i + 1} phố Tràng Tiền",
                actor="bench",
            )
            for i, pid in enumerate(ids)
        ]
    for pid in ids:
        exchange.grant_consent(
            pid, f"thu-tuc:{FORM_PROCEDURE}", consumer=eforms.CONSUMER, service=None
        )
    timings["citizens"] = time.perf_counter() - started

    centres = list(
        Agency.objects.filter(is_service_center=True, level="commune")
        .order_by("code")
        .values_list("code", flat=True)[: args.units]
    )
    started = time.perf_counter()
    drafts = make_drafts(ids, centres, args.drafts + args.profile_submits)
    timings["drafts"] = time.perf_counter() - started
    started = time.perf_counter()
    form_drafts = make_form_drafts(ids[: min(len(ids), 100)])
    timings["form_drafts"] = time.perf_counter() - started
    return {
        "accounts": {a.username: a for a in accounts},
        "drafts": drafts,
        "form_drafts": form_drafts,
        "units": centres,
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }


def applicant(pid: str) -> Any:
    from motcua.dossiers.services import Applicant

    return Applicant(subject_id=pid, actor_id=pid, name=f"Bench {pid}")


def make_drafts(ids: list[str], centres: list[str], count: int) -> list[tuple[str, str]]:
    """`count` drafts of SUBMIT_PROCEDURE, round-robin over citizens and units: (pid, ref)."""
    from motcua.dossiers import services as dossiers
    from motcua.dossiers.tests.helpers import example_data
    from motcua.eforms import services as eforms

    data = example_data(eforms.json_schema(eforms.form_for(SUBMIT_PROCEDURE)))
    drafts = []
    for i in range(count):
        pid = ids[i % len(ids)]
        dossier = dossiers.create_draft(
            applicant(pid), SUBMIT_PROCEDURE, centres[i % len(centres)], data
        )
        drafts.append((pid, dossier.draft_ref))
        if (i + 1) % 500 == 0:
            print(f"  {i + 1:,} drafts", flush=True)
    return drafts


def make_form_drafts(ids: list[str]) -> list[tuple[str, str]]:
    """One birth-registration draft per citizen (the portal page is measured on them)."""
    from motcua.dossiers import services as dossiers
    from motcua.dossiers.tests.helpers import example_data
    from motcua.eforms import services as eforms

    data = example_data(eforms.json_schema(eforms.form_for(FORM_PROCEDURE)))
    return [
        (pid, dossiers.create_draft(applicant(pid), FORM_PROCEDURE, FORM_CENTRE, data).draft_ref)
        for pid in ids
    ]


def mint_tokens(accounts: dict[str, Any]) -> dict[str, str]:
    """A bearer access token per citizen, valid for two hours."""
    import datetime as dt

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    from motcua.identity.testing import bearer

    tokens = {pid: bearer(account, client_id=CLIENT_ID) for pid, account in accounts.items()}
    get_access_token_model().objects.filter(application__client_id=CLIENT_ID).update(
        expires=timezone.now() + dt.timedelta(hours=2)
    )
    return tokens


def portal_sessions(accounts: dict[str, Any], pids: list[str]) -> dict[str, str]:
    """A logged-in portal session per citizen (as the OIDC login leaves it): session keys."""
    from django.contrib.sessions.backends.db import SessionStore

    from motcua.portal.oidc import SESSION_CITIZEN

    keys = {}
    for pid in pids:
        account = accounts[pid]
        session = SessionStore()
        session[SESSION_CITIZEN] = {
            "sub": str(account.sub),
            "name": account.full_name,
            "personal_id": account.username,
            "subject_kind": account.kind,
            "acr": f"urn:motcua:loa:{account.assurance_level}",
        }
        session.save()
        keys[pid] = str(session.session_key)
    return keys


# --- in-process: what one submission does ---------------------------------------------------

_TABLE = re.compile(r'(?:FROM|INTO|UPDATE|JOIN)\s+"?([a-z_0-9]+)"?', re.IGNORECASE)


def classify(sql: str) -> str:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    if verb in {"BEGIN", "COMMIT"}:
        return verb
    if verb in {"SAVEPOINT", "RELEASE", "ROLLBACK"}:
        return f"{verb} (savepoint)"
    if "pg_advisory_xact_lock" in sql:
        return "SELECT pg_advisory_xact_lock"
    match = _TABLE.search(sql)
    lock = " FOR UPDATE" if "FOR UPDATE" in sql.upper() else ""
    return f"{verb} {match.group(1) if match else '?'}{lock}"


class QueryClock:
    """A connection execute wrapper: when each statement ran, and how long the audit chain's
    advisory lock was held (from the lock statement to the end of COMMIT)."""

    def __init__(self) -> None:
        self.db_seconds = 0.0
        self.statements = 0
        self.lock_at: float | None = None
        self.lock_held: list[float] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        from django.db import transaction

        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.db_seconds += time.perf_counter() - started
            self.statements += 1
            if "pg_advisory_xact_lock" in sql and self.lock_at is None:
                self.lock_at = started
                transaction.on_commit(self._released)

    def _released(self) -> None:  # runs right after COMMIT returned
        if self.lock_at is not None:
            self.lock_held.append(time.perf_counter() - self.lock_at)
            self.lock_at = None


def profile_in_process(
    drafts: list[tuple[str, str]], tokens: dict[str, str], count: int
) -> dict[str, Any]:
    """Submit drafts through the API in-process (django.test.Client, DEBUG off, sequential):
    queries per request and by kind; wall, CPU and database time per request and how long
    the global audit lock is held (first half); where the time goes (cProfile, second half)."""
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from motcua.dossiers import services as dossiers
    from motcua.dossiers.models import Dossier

    if count < 4:
        return {}
    client = Client(HTTP_HOST="127.0.0.1")

    def post(pid: str, ref: str) -> None:
        response = client.post(
            f"/api/v1/dossiers/{ref}/submit",
            HTTP_AUTHORIZATION=f"Bearer {tokens[pid]}",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        if response.status_code != 200:
            raise RuntimeError(f"in-process submit: {response.status_code} {response.content!r}")

    row = Dossier.objects.get(draft_ref=drafts[0][1])
    json_bytes = len(json.dumps(row.data, ensure_ascii=False)) + len(
        json.dumps(row.prefill, ensure_ascii=False)
    )
    # The service alone, once: the queries of services.submit without auth and serialisation.
    pid, ref = drafts[0]
    reset_queries()  # the log is a bounded deque: full after seeding, it would capture nothing
    with CaptureQueriesContext(connection) as service_queries:
        dossiers.submit(applicant(pid), ref, idempotency_key=str(uuid.uuid4()))
    service_sql = [q["sql"] for q in service_queries.captured_queries]  # a view of the log
    post(*drafts[1])  # warm-up: the URLconf, the API and its schemas are imported lazily

    timed, profiled = drafts[2 : 2 + (count - 2) // 2], drafts[2 + (count - 2) // 2 : count]
    per_request: list[int] = []
    kinds: Counter[str] = Counter()
    example: list[str] = []
    walls: list[float] = []
    cpus: list[float] = []
    dbs: list[float] = []
    clock = QueryClock()
    with override_settings(DEBUG=False):
        for pid, ref in timed:
            reset_queries()
            with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(clock):
                db0, cpu0, wall0 = clock.db_seconds, time.process_time(), time.perf_counter()
                post(pid, ref)
                walls.append(time.perf_counter() - wall0)
                cpus.append(time.process_time() - cpu0)
                dbs.append(clock.db_seconds - db0)
            per_request.append(len(queries))
            kinds.update(classify(q["sql"]) for q in queries.captured_queries)
            example = example or [q["sql"][:160] for q in queries.captured_queries]
        # The floor of any citizen API call on this stack: bearer authentication and a tiny
        # JSON answer (GET /api/v1/identity/me), same measurements.
        base: dict[str, list[float]] = {"wall": [], "cpu": [], "queries": []}
        for pid, _ref in timed:
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                cpu0, wall0 = time.process_time(), time.perf_counter()
                response = client.get(
                    "/api/v1/identity/me", HTTP_AUTHORIZATION=f"Bearer {tokens[pid]}"
                )
                base["wall"].append(time.perf_counter() - wall0)
                base["cpu"].append(time.process_time() - cpu0)
            base["queries"].append(len(queries))
            if response.status_code != 200:
                raise RuntimeError(f"identity/me: {response.status_code}")
        profiler = cProfile.Profile()
        for pid, ref in profiled:
            profiler.enable()
            post(pid, ref)
            profiler.disable()
    n = len(per_request)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"src/motcua|ninja/operation", 40)
    top_own = io.StringIO()
    pstats.Stats(profiler, stream=top_own).sort_stats("tottime").print_stats(15)
    return {
        "submissions_timed": n,
        "submissions_profiled": len(profiled),
        "draft_data_and_prefill_json_bytes": json_bytes,
        "queries_per_request": round(sum(per_request) / n, 1),
        "queries_per_request_min_max": [min(per_request), max(per_request)],
        "queries_in_service_submit": len(service_sql),
        "service_queries": [classify(sql) for sql in service_sql],
        "queries_by_kind_per_request": {
            k: round(v / n, 2) for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])
        },
        "example_request_queries": example,
        "wall_per_request": summarize_ms(walls),
        "cpu_per_request": summarize_ms(cpus),
        "database_time_per_request": summarize_ms(dbs),
        "audit_lock_held": summarize_ms(clock.lock_held),
        "baseline_identity_me": {
            "wall": summarize_ms(base["wall"]),
            "cpu": summarize_ms(base["cpu"]),
            "queries": round(sum(base["queries"]) / len(base["queries"]), 1),
        },
        "cprofile_cumulative": _trim_profile(stream.getvalue(), 45),
        "cprofile_own_time": _trim_profile(top_own.getvalue(), 30),
    }


def _trim_profile(text: str, lines: int) -> list[str]:
    rows = [line.rstrip() for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(rows) if line.lstrip().startswith("ncalls")), 0)
    return [re.sub(r"\s+", " ", row).replace(str(PROJECT_DIR), ".") for row in rows[start:]][:lines]


# --- over HTTP ------------------------------------------------------------------------------


def parallel(
    base_url: str,
    concurrency: int,
    jobs: list[Any],
    work: Callable[[Any, Any], str | None],
    time_limit: float,
) -> dict[str, Any]:
    """Runs `work(client, job)` over `jobs` from `concurrency` threads, each job once, until
    the jobs run out or `time_limit` passes; latency samples, throughput and errors."""
    import httpx

    lock = threading.Lock()
    position = [0]
    samples: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + time_limit

    def run() -> None:
        local: list[float] = []
        with httpx.Client(base_url=base_url, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    if position[0] >= len(jobs):
                        break
                    job = jobs[position[0]]
                    position[0] += 1
                started = time.perf_counter()
                try:
                    problem = work(client, job)
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                local.append(time.perf_counter() - started)
                if problem:
                    with lock:
                        errors.append(problem)
        with lock:
            samples.extend(local)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(time_limit + 120)
    wall = time.perf_counter() - started
    stats: dict[str, Any] = summarize_ms(samples)
    stats.update(
        wall_seconds=round(wall, 2),
        per_second=round(len(samples) / wall, 1) if wall else 0.0,
        stopped_by="time limit" if len(samples) < len(jobs) else "jobs done",
        errors=len(errors),
        error_examples=errors[:5],
    )
    return stats


def submit_work(tokens: dict[str, str]) -> Callable[[Any, Any], str | None]:
    def work(client: Any, job: tuple[str, str]) -> str | None:
        pid, ref = job
        response = client.post(
            f"/api/v1/dossiers/{ref}/submit",
            headers={
                "Authorization": f"Bearer {tokens[pid]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        if response.status_code != 200:
            return f"submit {ref}: HTTP {response.status_code} {response.text[:200]}"
        body = response.json()
        if body.get("status") != "submitted" or not body.get("code"):
            return f"submit {ref}: status {body.get('status')}, code {body.get('code')}"
        return None

    return work


def form_work(tokens: dict[str, str]) -> Callable[[Any, Any], str | None]:
    """The form with the caller's and the spouse's data prefilled (the spouse is read
    through the sensitive family service, consented to)."""
    spouses = {personal_id(i): personal_id(i ^ 1) for i in range(len(tokens) // 2 * 2)}

    def work(client: Any, pid: str) -> str | None:
        response = client.get(
            f"/api/v1/procedures/{FORM_PROCEDURE}/form",
            headers={"Authorization": f"Bearer {tokens[pid]}"},
        )
        if response.status_code != 200:
            return f"form: HTTP {response.status_code} {response.text[:200]}"
        body = response.json()
        values = {v["value"] for v in body["prefill"].values()}
        if pid not in values or (pid in spouses and spouses[pid] not in values):
            return f"form: prefill incomplete (problems {body.get('problems')})"
        return None

    return work


def page_work(sessions: dict[str, str]) -> Callable[[Any, Any], str | None]:
    def work(client: Any, job: tuple[str, str]) -> str | None:
        pid, ref = job
        response = client.get(f"/ho-so/{ref}/", headers={"Cookie": f"sessionid={sessions[pid]}"})
        if response.status_code != 200:
            return f"page {ref}: HTTP {response.status_code} {response.headers.get('location')}"
        if ref not in response.text:
            return f"page {ref}: not the dossier's page"
        return None

    return work


def collectstatic(env: dict[str, str], log: Path) -> None:
    """The production storage needs the manifest (the portal page uses {% static %})."""
    command = [sys.executable, "-m", "motcua.manage", "collectstatic", "--noinput", "-v", "0"]
    with log.open("wb") as out:
        code = subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env={**env, "PYTHONPATH": str(SRC)},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        ).returncode
    if code:
        raise RuntimeError(f"collectstatic failed ({code}):\n{tail(log)}")


def bench_http(
    args: argparse.Namespace,
    db_env: dict[str, str],
    workdir: Path,
    seeded: dict[str, Any],
    tokens: dict[str, str],
    sessions: dict[str, str],
) -> dict[str, Any]:
    env = server_env(
        db_env,
        [
            f"DJANGO_SECRET_KEY={os.environ['DJANGO_SECRET_KEY']}",
            f"MOTCUA_FIELD_ENCRYPTION_KEYS={os.environ['MOTCUA_FIELD_ENCRYPTION_KEYS']}",
        ],
    )
    env["MOTCUA_VAR_DIR"] = str(workdir)
    # A worker's first request imports the whole site (no bytecode written here, on a shared
    # machine): more than gunicorn's default 30 s when the CPUs are busy.
    env.setdefault("GUNICORN_CMD_ARGS", "--timeout 120")
    for item in args.server_env:
        key, _, value = item.partition("=")
        env[key] = value
    collectstatic(env, workdir / "collectstatic.log")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    print(f"HTTP: gunicorn, {args.workers} sync workers, {args.concurrency} clients…", flush=True)
    proc = start_gunicorn(port, args.workers, env, log)
    result: dict[str, Any] = {"workers": args.workers, "concurrency": args.concurrency}
    try:
        result["ready_seconds"] = round(wait_ready(base_url, proc, args.startup_timeout, log), 2)
        workers = children_of(proc.pid)
        drafts = seeded["drafts"][args.profile_submits :]
        warm, timed = drafts[: args.warmup], drafts[args.warmup :]
        warmup = parallel(base_url, args.concurrency, warm, submit_work(tokens), 120)
        result["warmup"] = {"submissions": warmup["count"], "errors": warmup["errors"]}
        load_before = load_average()
        dbname = urlsplit(db_env["DATABASE_URL"]).path.lstrip("/")
        with cpu_meter(workers, backends_of(dbname)) as cpu:
            submit = parallel(base_url, args.concurrency, timed, submit_work(tokens), args.seconds)
        submit.update(cpu=cpu, load_average_1m_before=load_before)
        if submit["count"]:
            submit["cpu_ms_per_submission"] = {
                key.removesuffix("_cpu_seconds"): round(1000 * cpu[key] / submit["count"], 1)
                for key in cpu
                if key.endswith("cpu_seconds")
            }
        result["submit"] = submit
        print(f"  submit: {submit['per_second']} submissions/s · {format_ms(submit)}")
        print(f"          {submit['errors']} errors; CPU: {cpu}")
        print(f"          CPU ms per submission: {submit.get('cpu_ms_per_submission')}")

        pids = list(tokens)
        form_jobs = [pids[i % len(pids)] for i in range(args.page_requests)]
        parallel(base_url, 1, pids[:10], form_work(tokens), 60)  # warm-up
        with cpu_meter(workers) as cpu:
            form = parallel(base_url, 1, form_jobs, form_work(tokens), args.page_seconds)
        form.update(cpu=cpu)
        result["form_prefill"] = form
        print(f"  GET /api/v1/procedures/{FORM_PROCEDURE}/form: {format_ms(form)}")
        print(f"          {form['errors']} errors")

        pages = seeded["form_drafts"]
        page_jobs = [pages[i % len(pages)] for i in range(args.page_requests)]
        parallel(base_url, 1, pages[:10], page_work(sessions), 60)  # warm-up
        with cpu_meter(workers) as cpu:
            page = parallel(base_url, 1, page_jobs, page_work(sessions), args.page_seconds)
        page.update(cpu=cpu)
        result["dossier_page"] = page
        print(f"  GET /ho-so/<draft>/: {format_ms(page)}")
        print(f"          {page['errors']} errors")
    finally:
        print(f"  gunicorn stopped (exit {stop_process_group(proc)})")
    errors = [line for line in tail(log, 200).splitlines() if "Error" in line]
    result["server_log_errors"] = errors[-5:]
    return result


# --- pgbench: the same transaction in SQL ---------------------------------------------------

# The workflow's part (motcua.workflow, dossiers.signals.dossier_event): the process's first
# step is opened as a task, with its outbox event, still inside the audit lock.
WORKFLOW_TEMPLATE = """\
SELECT count(*) AS open_tasks FROM workflow_task WHERE dossier_id = ':did' \\gset
SELECT 1 AS tseq \\gset
SELECT gen_random_uuid() AS tid \\gset
{task}
  ON CONFLICT DO NOTHING;  -- one open task per dossier: only when --pgbench-rows wrapped
{task_outbox}
  ON CONFLICT (key) DO NOTHING;
"""

# The statements of one submission, in the order services.submit sends them; pgbench
# substitutes :name textually (-M simple), so string values are written ':name'. The INSERTs'
# columns are filled in from the models (insert()), so that a column added later gets its
# model default instead of failing.
PGBENCH_TEMPLATE = """\
-- One dossier submission's writes (motcua.dossiers.services.submit), in SQL.
BEGIN;
SELECT nextval('bench_submit_pick') % :rows + 1 AS n \\gset
SELECT id AS did, applicant_id AS applicant, receiving_unit AS unit,
       procedure_code AS proc, draft_ref AS ref
  FROM dossiers_dossier WHERE draft_ref = 'P' || lpad(:n::text, 11, '0') FOR UPDATE \\gset
{submit_key};
INSERT INTO dossiers_codesequence (unit, day, last) VALUES (':unit', current_date, 1)
  ON CONFLICT (unit, day) DO UPDATE SET last = dossiers_codesequence.last + 1
  RETURNING last AS number \\gset
{component_record};
SELECT coalesce(max(seq), 0) + 1 AS seq FROM dossiers_dossierevent
  WHERE dossier_id = ':did' \\gset
{event};
{outbox}
  ON CONFLICT (key) DO NOTHING;
{workflow}UPDATE dossiers_dossier SET status = 'submitted',
    code = upper(':unit') || '-' || to_char(now(), 'YYMMDD') || '-' || lpad(':number', 4, '0'),
    lookup_secret = upper(substr(md5(random()::text), 1, 8)), submitted_at = now(),
    appointment_date = current_date + 3, updated_at = now()
  WHERE id = ':did';
-- The audit entries last (motcua.audit.deferred): the chain's lock is held to the commit.
SELECT pg_advisory_xact_lock({lock_key});
SELECT seq AS last_seq, hash AS last_hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1 \\gset
{audit};
COMMIT;
"""
CODE_SQL = "upper(':unit') || '-' || to_char(now(), 'YYMMDD') || '-' || lpad(':number', 4, '0')"


def insert(model: Any, values: dict[str, str]) -> str:
    """INSERT INTO the model's table: `values` (column -> SQL expression) and, for the other
    columns, the model's default as a literal (NULL where nullable)."""
    from django.db import connection

    columns, exprs = [], []
    with connection.cursor() as cursor:
        for field in model._meta.concrete_fields:
            if field.primary_key and field.column not in values:
                continue  # serial / identity
            columns.append(field.column)
            if field.column in values:
                exprs.append(values[field.column])
                continue
            default = field.get_default()
            if default is None and not field.null:
                raise RuntimeError(f"pgbench script: no value for {model.__name__}.{field.name}")
            prepared = field.get_db_prep_save(default, connection)
            exprs.append(cursor.cursor.mogrify("%s", [prepared]))
    return (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)})\n  VALUES ({', '.join(exprs)})"
    )


def pgbench_script() -> str:
    from django.apps import apps

    from motcua.audit.models import AuditEntry
    from motcua.dossiers.models import ComponentRecord, DossierEvent, SubmitKey
    from motcua.notify.models import OutboxEvent

    workflow = ""
    if apps.is_installed("motcua.workflow"):
        from motcua.workflow.models import Task

        workflow = WORKFLOW_TEMPLATE.format(
            task=insert(
                Task,
                {
                    "id": "':tid'",
                    "dossier_id": "':did'",
                    "dossier_code": CODE_SQL,
                    "procedure_code": "':proc'",
                    "process_code": "'xa-cu-tru'",
                    "process_version": "1",
                    "seq": ":tseq",
                    "step": "'receive'",
                    "label": "'Tiếp nhận, kiểm tra hồ sơ'",
                    "unit": "':unit'",
                    "role": "'one_stop_officer'",
                    "opened_at": "now()",
                    "due_at": "now() + interval '8 hours'",
                },
            ),
            task_outbox=insert(
                OutboxEvent,
                {
                    "topic": "'workflow.task.opened'",
                    "key": "'workflow.task.opened:' || ':tid'",
                    "payload": f"jsonb_build_object('task', ':tid', 'dossier', {CODE_SQL}, "
                    "'unit', ':unit', 'role', 'one_stop_officer', 'assignee', '', "
                    "'due_at', (now() + interval '8 hours')::text)",
                    "created_at": "now()",
                },
            ),
        )
    return PGBENCH_TEMPLATE.format(
        workflow=workflow,
        lock_key=AUDIT_LOCK_KEY,
        submit_key=insert(
            SubmitKey,
            {
                "applicant_id": "':applicant'",
                "key": "md5(random()::text || clock_timestamp()::text)",
                "dossier_id": "':did'",
                "created_at": "now()",
            },
        ),
        component_record=insert(
            ComponentRecord,
            {
                "dossier_id": "':did'",
                "component_position": "1",
                "component_name": "'Căn cước/Căn cước công dân hoặc giấy tờ tùy thân có ảnh "
                "của người yêu cầu'",
                "registry": "'population'",
                "service": "'population.person.basic'",
                "subject": "':applicant'",
                "record_version": "'1'",
            },
        ),
        event=insert(
            DossierEvent,
            {
                "dossier_id": "':did'",
                "seq": ":seq",
                "action": "'submitted'",
                "from_status": "'draft'",
                "to_status": "'submitted'",
                "actor": "':applicant'",
                "at": "now()",
                "data": f"jsonb_build_object('code', {CODE_SQL}, "
                "'appointment', (current_date + 3)::text)",
            },
        ),
        audit=insert(
            AuditEntry,
            {
                "seq": ":last_seq + 1",
                "occurred_at": "now()",
                "actor": "':applicant'",
                "action": "'dossier.submitted'",
                "target_type": "'dossier'",
                "target_id": "':did'",
                "purpose": "'thu-tuc:' || ':proc'",
                "data": "jsonb_build_object('reference', ':ref', 'from', 'draft', "
                "'to', 'submitted')",
                "prev_hash": "':last_hash'",
                "hash": "encode(sha256(convert_to(':last_hash' || ':did' || "
                "clock_timestamp()::text, 'UTF8')), 'hex')",
            },
        ),
        outbox=insert(
            OutboxEvent,
            {
                "topic": "'dossier.submitted'",
                "key": "'dossier.submitted:' || ':did' || ':' || :seq",
                "payload": "jsonb_build_object('dossier', ':did', 'reference', ':ref', "
                "'status', 'submitted')",
                "created_at": "now()",
            },
        ),
    )


def prepare_pgbench_rows(rows: int) -> None:
    """`rows` drafts numbered P00000000001…, copies of a real draft (same data and prefill)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dossiers_dossier (id, code, draft_ref, procedure_code, procedure_version,
                procedure_name, applicant_id, applicant_kind, applicant_name, created_by,
                acting_basis, receiving_unit, receiving_unit_name, channel, assisted_by, status,
                data, prefill, fee_amount, payment_status, lookup_secret, created_at, updated_at)
            SELECT gen_random_uuid(), NULL, 'P' || lpad(n::text, 11, '0'), d.procedure_code,
                d.procedure_version, d.procedure_name, d.applicant_id, d.applicant_kind,
                d.applicant_name, d.created_by, d.acting_basis,
                u.codes[1 + n %% cardinality(u.codes)], d.receiving_unit_name, d.channel,
                d.assisted_by, 'draft', d.data, d.prefill, d.fee_amount, d.payment_status, '',
                now(), now()
            FROM generate_series(1, %s) AS n,
                 (SELECT * FROM dossiers_dossier WHERE procedure_code = %s LIMIT 1) AS d,
                 (SELECT array_agg(DISTINCT receiving_unit) AS codes FROM dossiers_dossier
                   WHERE procedure_code = %s) AS u
            """,
            [rows, SUBMIT_PROCEDURE, SUBMIT_PROCEDURE],
        )
        cursor.execute("CREATE SEQUENCE bench_submit_pick")  # each transaction its own draft
        cursor.execute("ANALYZE")


def run_pgbench(
    pgbench: str, url: str, script: Path, clients: int, threads: int, seconds: int, rows: int
) -> dict[str, Any]:
    parts = urlsplit(url)
    env = {**os.environ, "PGPASSWORD": unquote(parts.password or "")}
    command = [
        pgbench,
        "-n",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        unquote(parts.username or "postgres"),
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(min(threads, clients)),
        "-T",
        str(seconds),
        "-D",
        f"rows={rows}",
        parts.path.lstrip("/"),
    ]
    load_before = load_average()
    backend_window: dict[str, float] = {}
    with cpu_meter() as cpu:
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            # The backends' CPU over the middle of the run (they exit with pgbench).
            if seconds >= 6:
                time.sleep(2)
                backends = backends_of(parts.path.lstrip("/"))
                cpu0, wall0 = process_cpu(backends), time.perf_counter()
                time.sleep(seconds - 4)
                backend_window = {
                    "cpu_seconds": process_cpu(backends) - cpu0,
                    "wall_seconds": time.perf_counter() - wall0,
                }
            text, _ = proc.communicate(timeout=seconds + 120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    out = subprocess.CompletedProcess(command, proc.returncode, text)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    latency = re.search(r"latency average = ([\d.]+) ms", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    done = re.search(r"number of transactions actually processed: (\d+)", text)
    if out.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench failed ({out.returncode}):\n{text[-2000:]}")
    return {
        "clients": clients,
        "threads": min(threads, clients),
        "seconds": seconds,
        "transactions_per_second": round(float(tps.group(1)), 1),
        "latency_average_ms": float(latency.group(1)) if latency else None,
        "transactions": int(done.group(1)) if done else None,
        "failed": int(failed.group(1)) if failed else 0,
        "command": " ".join(command),
        "cpu": cpu,
        "postgres_backends_cpu_ms_per_transaction": round(
            1000
            * backend_window["cpu_seconds"]
            / (float(tps.group(1)) * backend_window["wall_seconds"]),
            2,
        )
        if backend_window
        else None,
        "load_average_1m_before": load_before,
    }


def bench_pgbench(args: argparse.Namespace, url: str, workdir: Path) -> dict[str, Any]:
    pgbench = args.pgbench or str((postgres_bindir() or Path("/usr/bin")) / "pgbench")
    from django.db import connections

    prepare_pgbench_rows(args.pgbench_rows)
    script = workdir / "submit.sql"
    text = pgbench_script()
    script.write_text(text, encoding="utf-8")
    connections.close_all()
    runs = {}
    for clients in dict.fromkeys([args.concurrency, args.workers]):
        print(f"pgbench: {clients} clients, {args.pgbench_seconds} s…", flush=True)
        run = run_pgbench(
            pgbench,
            url,
            script,
            clients,
            args.pgbench_threads,
            args.pgbench_seconds,
            args.pgbench_rows,
        )
        print(
            f"  {run['transactions_per_second']} transactions/s, {run['failed']} failed; "
            f"backends' CPU {run['postgres_backends_cpu_ms_per_transaction']} ms/transaction"
        )
        runs[str(clients)] = run
    return {"script": text, "runs": runs}


# --- main -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-dossiers-"))
    # Before Django is imported: this run's files (exchange key, static) and secret, shared
    # with gunicorn, so that the sessions made here are valid there.
    os.environ["MOTCUA_VAR_DIR"] = str(workdir)
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["MOTCUA_FIELD_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(
        secrets.token_bytes(32)
    ).decode()
    try:
        with throwaway_database(args, workdir) as db_env:
            sys.path.insert(0, str(SRC))
            import django

            django.setup()
            logging.getLogger("httpx").setLevel(logging.WARNING)
            from django.db import connections

            db = database_info()
            print(f"Database: {db['vendor']} {db['version']} (throwaway)")
            print(
                f"Seeding: units, catalog, forms, {args.citizens} citizens, "
                f"{args.drafts + args.profile_submits:,} drafts…",
                flush=True,
            )
            seeded = seed_world(args)
            print(f"  {seeded['timings']}")
            tokens = mint_tokens(seeded["accounts"])
            sessions = portal_sessions(seeded["accounts"], [p for p, _ in seeded["form_drafts"]])
            print(f"In-process: {args.profile_submits} submissions profiled…", flush=True)
            profile = profile_in_process(
                seeded["drafts"][: args.profile_submits], tokens, args.profile_submits
            )
            if profile:
                print(
                    f"  {profile['queries_per_request']} queries per request "
                    f"({profile['queries_in_service_submit']} in services.submit)"
                )
                for key in ("wall", "cpu", "database_time"):
                    print(f"  {key:14} {format_ms(profile[f'{key}_per_request'])}")
                print(f"  audit lock held {format_ms(profile['audit_lock_held'])}")
                base = profile["baseline_identity_me"]
                print(
                    f"  GET /api/v1/identity/me: {base['queries']} queries, CPU p50 "
                    f"{base['cpu']['p50_ms']} ms, wall p50 {base['wall']['p50_ms']} ms"
                )
            connections.close_all()
            result: dict[str, Any] = {
                "code": git_revision(),
                "database": db,
                "procedure": SUBMIT_PROCEDURE,
                "drafts": args.drafts,
                "citizens": args.citizens,
                "units": len(seeded["units"]),
                "seed_seconds": seeded["timings"],
                "in_process": profile,
            }
            result["http"] = bench_http(args, db_env, workdir, seeded, tokens, sessions)
            if not args.no_pgbench:
                result["pgbench"] = bench_pgbench(args, db_env["DATABASE_URL"], workdir)
                connections.close_all()
            return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return reexec_with_postgres(argv)
    load = warn_if_busy()
    result = run(args)
    result["load_average_1m_at_start"] = load
    submit = result["http"]["submit"]
    if "pgbench" in result:
        same = result["pgbench"]["runs"][str(args.concurrency)]
        result["ratio_app_to_pgbench"] = round(
            submit["per_second"] / same["transactions_per_second"], 3
        )
    path = write_result(NAME, result, args.output)
    print()
    print(f"Dossier submission ({SUBMIT_PROCEDURE}), PostgreSQL, {args.concurrency} clients")
    print(f"  app over HTTP (gunicorn ×{args.workers})  {submit['per_second']} submissions/s")
    if "pgbench" in result:
        for clients, pg in result["pgbench"]["runs"].items():
            print(f"  pgbench, {clients} clients          {pg['transactions_per_second']} tps")
        print(f"  ratio app / pgbench (same clients)  {result['ratio_app_to_pgbench']}")
    for key in ("form_prefill", "dossier_page"):
        print(f"  {key:14} p95 {result['http'][key].get('p95_ms', '?')} ms")
    print(f"Result: {path}")
    http = result["http"]
    failed = sum(http[k]["errors"] for k in ("submit", "form_prefill", "dossier_page"))
    failed += sum(r["failed"] for r in result.get("pgbench", {}).get("runs", {}).values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
