# ruff: noqa: E501 - the SQL that generates the data reads better unwrapped
"""The monitoring centre on PostgreSQL with N generated dossiers over two years across all
3,321 communes: the national dashboard's and a province page's server time, the full
recomputation's duration and the incremental update's cost per event.

    bin/with-postgres .venv/bin/python bench/monitoring.py                 # 100,000 dossiers
    bin/with-postgres .venv/bin/python bench/monitoring.py --dossiers 10000000

The dossiers, their history, registry records, files, e-results and ratings are written
straight into the dossiers' and results' tables with SQL (`generate_series`), not through the
services: the figures are about the monitoring job and pages, which read those tables.
Each dossier: `created` and `submitted` (channel online 70%, counter 20%, post 5%, assisted
5%), then refused (4%) or received; of the received, 92% get a result and are returned,
some late (finished up to 8 days after receipt, due 5 days after), 80% of those with an
e-result; 30% of the returned are rated; fees paid online on 60% of the fee-bearing ones;
75% of the counter dossiers have a component digitized at the counter before submission.
Event ids follow event time, as in production. Then:

1. `monitoring.services.recompute()`: seconds, rows/s (the job's counting SQL of
   `monitoring/counting.py` over every id at once), ending with the judged reports
   (`UnitReport`) of every unit, month, quarter and year rebuilt from the months, then
   those reports rebuilt once more alone, timed apart;
2. incremental: `--fresh` more dossiers' events at the current time, counted by
   `catch_up()` with the production batch size (the same SQL over windows of ids), judging again the units and periods each
   batch touches: ms per event;
3. pages with Django's test client (in-process, so server time: URL routing, the view, the
   queries, the template), logged in as a national monitor: `/giam-sat/?ky=<last full
   year>` and `/giam-sat/don-vi/01/?ky=<same>`, `--requests` each after a warm-up: p50/p95.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))

from _common import format_ms, machine, now_iso, summarize_ms, write_result  # noqa: E402

MONITOR_ID = "001080999001"


def _ensure_database(url: str) -> None:
    """Create the database the URL names when the server does not have it yet."""
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _django() -> None:
    _ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings.test")
    import django

    django.setup()


def _prepare() -> dict[str, float]:
    from django.core.management import call_command

    from motcua.catalog import services as catalog
    from motcua.units import services as units
    from motcua.units.models import Commune

    timings = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not Commune.objects.exists():
        units.load_units()
        units.generate_agencies()
    catalog.import_file(
        (SRC / "motcua/catalog/fixtures/demo_procedures.json").read_text(encoding="utf-8"),
        "demo_procedures.json",
        actor="bench",
    )
    timings["setup_s"] = round(time.perf_counter() - started, 2)
    return timings


GENERATE = """
CREATE TEMP TABLE bench_units AS
  SELECT row_number() OVER (ORDER BY c.code) - 1 AS n, c.province_id || '.' || c.code || '.tthcc' AS agency
  FROM units_commune c;
CREATE TEMP TABLE bench_d AS
SELECT i,
  md5('bench-dossier-' || i)::uuid AS id,
  'BENCH-' || i AS code,
  (i * 7919) %% %(units)s AS un,
  (i * 31) %% %(procs)s AS pn,
  %(start)s::timestamptz + ((i::bigint * 104729) %% %(span)s) * interval '1 second' AS at,
  CASE WHEN i %% 20 < 14 THEN 'online' WHEN i %% 20 < 18 THEN 'counter' WHEN i %% 20 = 18 THEN 'post' ELSE 'assisted' END AS channel,
  (i * 13) %% 100 AS r1, (i * 17) %% 100 AS r2, (i * 23) %% 9 AS took, (i * 29) %% 5 + 1 AS score
FROM generate_series(%(offset)s::bigint + 1, %(offset)s::bigint + %(n)s) AS i;
CREATE TEMP TABLE bench_dd AS
SELECT d.*, u.agency AS unit, p.code AS procedure_code, p.version AS procedure_version,
  p.name AS procedure_name, p.fee
FROM bench_d d JOIN bench_units u ON u.n = d.un JOIN bench_procs p ON p.n = d.pn;
"""

FILL = r"""
INSERT INTO dossiers_dossier (id, code, draft_ref, procedure_code, procedure_version, procedure_name,
  applicant_id, applicant_kind, applicant_name, created_by, acting_basis, receiving_unit,
  receiving_unit_name, channel, assisted_by, status, data, prefill, fee_amount, payment_status,
  lookup_secret, created_at, updated_at, submitted_at, received_at, due_date, finished_at)
SELECT id, code, 'BD' || i, procedure_code, procedure_version, left(procedure_name, 500),
  '00109' || lpad(((i * 7) %% 9999999)::text, 7, '0'), 'person', '', 'bench', '', unit, unit, channel, '',
  CASE WHEN r1 < 4 THEN 'refused' WHEN r1 < 11 THEN 'processing' ELSE 'returned' END,
  '{}', '{}', fee, CASE WHEN fee > 0 THEN 'paid' ELSE 'not_required' END, 'BENCH',
  at - interval '5 minutes', at, at,
  CASE WHEN r1 >= 4 THEN at + interval '3 hours' END,
  CASE WHEN r1 >= 4 THEN ((at + interval '3 hours') AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 5 END,
  CASE WHEN r1 < 4 THEN at + interval '3 hours' WHEN r1 >= 11 THEN at + interval '3 hours' + took * interval '1 day' END
FROM bench_dd;
CREATE TEMP TABLE bench_ev AS
  SELECT id AS dossier_id, 1 AS seq, 'created' AS action, '' AS from_status, 'draft' AS to_status, at - interval '5 minutes' AS at FROM bench_dd
  UNION ALL SELECT id, 2, 'submitted', 'draft', 'submitted', at FROM bench_dd
  UNION ALL SELECT id, 3, 'refused', 'submitted', 'refused', at + interval '3 hours' FROM bench_dd WHERE r1 < 4
  UNION ALL SELECT id, 3, 'received', 'submitted', 'received', at + interval '3 hours' FROM bench_dd WHERE r1 >= 4
  UNION ALL SELECT id, 4, 'paid', 'received', 'received', at + interval '4 hours' FROM bench_dd WHERE r1 >= 4 AND fee > 0
  UNION ALL SELECT id, 5, 'processing', 'received', 'processing', at + interval '5 hours' FROM bench_dd WHERE r1 >= 4
  UNION ALL SELECT id, 6, 'result_ready', 'processing', 'result_ready', at + interval '3 hours' + took * interval '1 day' FROM bench_dd WHERE r1 >= 11
  UNION ALL SELECT id, 7, 'returned', 'result_ready', 'returned', at + interval '3 hours' + took * interval '1 day' + interval '1 hour' FROM bench_dd WHERE r1 >= 11;
INSERT INTO dossiers_dossierevent (dossier_id, seq, action, from_status, to_status, actor, acting_for, at, note, data)
SELECT e.dossier_id, e.seq, e.action, e.from_status, e.to_status,
  CASE WHEN e.action = 'paid' AND d.r2 < 60 THEN 'system:payments' ELSE 'bench' END, '', e.at, '', '{}'
FROM bench_ev e JOIN bench_dd d ON d.id = e.dossier_id ORDER BY e.at, e.dossier_id, e.seq;
INSERT INTO dossiers_componentrecord (dossier_id, component_position, component_name, registry, service, subject, record_version)
SELECT id, 2, 'Căn cước', 'population', 'population.person.basic', '001090000001', '1' FROM bench_dd WHERE channel IN ('online', 'assisted');
INSERT INTO dossiers_dossierfile (id, dossier_id, component_position, name, mime, size, sha256, file, uploaded_by, uploaded_at)
SELECT md5('bench-file-' || i)::uuid, id, 1, 'a.pdf', 'application/pdf', 1000, md5(id::text) || md5(id::text), 'bench/a.pdf', 'bench', at - interval '2 minutes' FROM bench_dd;
INSERT INTO dossiers_digitization (id, kind, owner_id, owner_name, dossier_id, component_position, title, unit,
  digitized_by, digitized_at, pages, page_hashes, certified, certified_by, certified_at, copy, copy_sha256, wallet_document, data)
SELECT md5('bench-scan-' || i)::uuid, 'component', '', '', id, 1, 'Tờ khai', unit, 'bench',
  at - interval '3 minutes', 2, '[]', r2 %% 2 = 0, '', NULL, '', '', '', '{}'
FROM bench_dd WHERE channel = 'counter' AND r2 < 75;
INSERT INTO results_resultdocument (id, dossier_code, procedure_code, template_code, template_version, title, owner_id,
  owner_name, issuer_code, issuer, signer_personal_id, signer_name, signing_provider, issued_at, sha256, file, data, status, status_reason)
SELECT md5('bench-result-' || i)::uuid, code, procedure_code, 't', 1, 'Kết quả', '', '', '', 'UBND', '', '', 'local',
  at + interval '3 hours' + took * interval '1 day' - interval '10 minutes', md5(code) || md5(code || 'x'), 'bench/r.pdf', '{}', 'valid', ''
FROM bench_dd WHERE r1 >= 11 AND r2 < 80;
INSERT INTO dossiers_rating (dossier_id, score, comment, rated_by, rated_at)
SELECT id, score, '', 'bench', at + took * interval '1 day' + interval '1 day' FROM bench_dd WHERE r1 >= 11 AND r2 %% 10 < 3
ORDER BY at + took * interval '1 day';
DROP TABLE bench_d;
DROP TABLE bench_dd;
DROP TABLE bench_ev;
DROP TABLE bench_units;
DROP TABLE bench_procs;
"""


def generate(n: int, offset: int, start: dt.datetime, span_s: int) -> float:
    from django.db import connection, transaction

    from motcua.catalog import selectors as catalog
    from motcua.units.models import Commune

    procs = [
        (n, v.procedure.code, v.version, v.name[:500], int(v.total_fee))
        for n, v in enumerate(catalog.published().select_related("procedure").order_by("id"))
    ]
    started = time.perf_counter()
    params = {
        "n": n,
        "offset": offset,
        "start": start,
        "span": max(span_s, 1),
        "units": Commune.objects.count(),
        "procs": len(procs),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_procs (n int, code text, version int, name text, fee int)"
        )
        cursor.executemany("INSERT INTO bench_procs VALUES (%s, %s, %s, %s, %s)", procs)
        for sql in (GENERATE, FILL):
            for statement in [s for s in sql.split(";\n") if s.strip()]:
                cursor.execute(statement, params)
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def _client() -> Any:
    from django.test import Client

    from motcua.identity import services as identity
    from motcua.identity.testing import make_person

    make_person(MONITOR_ID, full_name="Giám Sát Quốc Gia")
    identity.appoint_official(
        personal_id=MONITOR_ID, agency_code="01.ubnd", roles=["monitor"], unit_codes=["VN"]
    )
    client = Client(HTTP_HOST="127.0.0.1")
    session = client.session
    session["backoffice_official"] = {
        "personal_id": MONITOR_ID,
        "agency_code": "01.ubnd",
        "roles": ["monitor"],
    }
    session.save()
    return client


def _time_page(client: Any, url: str, requests: int) -> dict[str, Any]:
    first = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - first
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    return {"url": url, "first_ms": round(cold * 1000, 1), **summarize_ms(samples)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--fresh", type=int, default=5_000, help="dossiers for the incremental run")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="stop after the data (a later run against the same DATABASE_URL reuses it)",
    )
    parser.add_argument(
        "--chunk", type=int, default=500_000, help="dossiers generated per transaction"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("needs PostgreSQL: bin/with-postgres .venv/bin/python bench/monitoring.py")
        return 2
    _django()
    from django.utils import timezone

    from motcua.monitoring import services
    from motcua.monitoring.models import DayStat, MonthStat, UnitReport

    figures: dict[str, Any] = {"options": vars(args) | {"output": str(args.output or "")}}
    figures["load_start"] = os.getloadavg()[0]
    figures.update(_prepare())
    now = timezone.now()
    start = now - dt.timedelta(days=730)
    span = int((now - dt.timedelta(days=12) - start).total_seconds())
    have = _count("dossiers_dossier")
    print(f"Generating {max(args.dossiers - have, 0):,} dossiers over two years…", flush=True)
    took = 0.0
    for offset in range(have, args.dossiers, args.chunk):
        took += generate(min(args.chunk, args.dossiers - offset), offset, start, span)
        done = min(offset + args.chunk, args.dossiers)
        print(f"  {done:,} dossiers ({took:.0f} s)", flush=True)
    figures["generate_s"] = round(took, 1)
    figures["dossiers_before"] = have
    if args.generate_only:
        return 0
    events, ratings = _count("dossiers_dossierevent"), _count("dossiers_rating")
    figures.update({"events": events, "ratings": ratings})
    print(f"  {figures['generate_s']} s: {events:,} events, {ratings:,} ratings", flush=True)

    started = time.perf_counter()
    report = services.recompute()
    took = time.perf_counter() - started
    figures["recompute"] = {
        "seconds": round(took, 1),
        "events": report.events,
        "ratings": report.ratings,
        "rows_per_s": round((report.events + report.ratings) / took),
        "day_rows": DayStat.objects.count(),
        "month_rows": MonthStat.objects.count(),
        "unit_report_rows": UnitReport.objects.count(),
    }
    print(f"Recompute: {figures['recompute']}", flush=True)
    started = time.perf_counter()
    services.rebuild_reports()
    figures["recompute"]["reports_alone_s"] = round(time.perf_counter() - started, 1)
    print(
        f"  of which the judged reports (run again alone): {figures['recompute']['reports_alone_s']} s",
        flush=True,
    )

    generate(args.fresh, _count("dossiers_dossier"), now - dt.timedelta(hours=6), 6 * 3600 - 120)
    started = time.perf_counter()
    fresh = services.catch_up(now=timezone.now() + dt.timedelta(hours=12))
    took = time.perf_counter() - started
    rows = fresh.events + fresh.ratings
    figures["incremental"] = {
        "seconds": round(took, 2),
        "events": fresh.events,
        "ratings": fresh.ratings,
        "ms_per_event": round(1000 * took / max(rows, 1), 3),
    }
    print(f"Incremental: {figures['incremental']}", flush=True)

    year = str((now - dt.timedelta(days=365)).year)
    client = _client()
    pages = {}
    for name, url in (
        ("national", f"/giam-sat/?ky={year}"),
        ("province", f"/giam-sat/don-vi/01/?ky={year}"),
        ("commune", f"/giam-sat/don-vi/00070/?ky={year}"),
        ("open_data_commune_json", f"/api/v1/open-data/indexes.json?level=commune&period={year}"),
    ):
        pages[name] = _time_page(client, url, args.requests)
        print(f"{name}: {format_ms(pages[name])} (first {pages[name]['first_ms']} ms)", flush=True)
    figures["pages"] = pages
    figures["load_end"] = os.getloadavg()[0]
    figures["machine"] = machine()
    figures["measured_at"] = now_iso()
    path = write_result("monitoring", figures, args.output)
    print(f"Written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
