"""Catalog search over 5,000 generated procedures: p95 latency in-process and over HTTP.

Runs on a throwaway database: a temporary SQLite file by default or, when DATABASE_URL is
set, a temporary database created on that PostgreSQL server (dropped at the end). Seeds it
with `factories.generated_procedures`, times `selectors.search` in-process, then serves the
same database with gunicorn on 127.0.0.1 and times GET /api/v1/procedures over HTTP.

    .venv/bin/python bench/catalog_search.py [--procedures 5000] [--iterations 500]
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _common import (
    PROJECT_DIR,
    format_ms,
    free_port,
    git_revision,
    stop_process_group,
    summarize_ms,
    tail,
    venv_bin,
    warn_if_busy,
    write_result,
)

NAME = "catalog_search"


@dataclass(frozen=True)
class Query:
    q: str
    sector: str | None = None
    level: str | None = None

    def label(self) -> str:
        parts = [repr(self.q)]
        if self.sector:
            parts.append(f"sector={self.sector}")
        if self.level:
            parts.append(f"level={self.level}")
        return " ".join(parts)

    def params(self) -> dict[str, str]:
        params = {"q": self.q}
        if self.sector:
            params["sector"] = self.sector
        if self.level:
            params["level"] = self.level
        return params


# A fixed mix: with and without diacritics, one word to a long phrase, codes, filters alone
# and combined, broad queries that match thousands, an empty query and one with no hits.
QUERIES: list[Query] = [
    Query("khai sinh"),
    Query("Đăng ký khai sinh"),
    Query("dang ky khai sinh"),
    Query("cap lai giay phep lai xe"),
    Query("Cấp lại giấy phép lái xe"),
    Query("9.000123"),
    Query("9.004321"),
    Query(""),
    Query("", sector="ho-tich"),
    Query("", level="commune"),
    Query("", sector="dat-dai", level="province"),
    Query("ket hon co yeu to nuoc ngoai"),
    Query("kết hôn", sector="ho-tich"),
    Query("thường trú", sector="cu-tru", level="commune"),
    Query("giay chung nhan quyen su dung dat", sector="dat-dai"),
    Query("giấy phép xây dựng", sector="xay-dung", level="province"),
    Query("cap"),
    Query("dang ky"),
    Query("tam tru", level="central"),
    Query("ly lich tu phap"),
    Query("THẺ BẢO HIỂM Y TẾ"),
    Query("hộ kinh doanh điện tử"),
    Query("chung chi hanh nghe", sector="xay-dung"),
    Query("bien so xe", level="province"),
    Query("khai tu luu dong", sector="ho-tich", level="commune"),
    Query("xyzzy khong ton tai"),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=5000, help="procedures to generate")
    parser.add_argument(
        "--iterations", type=int, default=500, help="timed search calls, in-process and HTTP"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--http-time-limit", type=float, default=300.0, help="stop the HTTP loop after this (s)"
    )
    parser.add_argument(
        "--startup-timeout", type=float, default=60.0, help="wait this long for /readyz (s)"
    )
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP part")
    parser.add_argument(
        "--database-as-is",
        action="store_true",
        help="with DATABASE_URL: use that database itself (it must hold no procedures) "
        "instead of creating and dropping a temporary one on the same server",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for gunicorn (repeatable), e.g. a setting production requires",
    )
    parser.add_argument("--output", type=Path, default=None, help="result file (JSON)")
    args = parser.parse_args(argv)
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes KEY=VALUE")
    if args.procedures < 1 or args.iterations < 2 or args.workers < 1:
        parser.error("--procedures ≥ 1, --iterations ≥ 2 and --workers ≥ 1")
    return args


# --- the throwaway database ---------------------------------------------------------------


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@contextmanager
def throwaway_postgres(url: str) -> Iterator[str]:
    """A new database on the server `url` points to; yields its URL, drops it afterwards."""
    import psycopg
    from psycopg import sql

    base = urlsplit(url).path.lstrip("/") or "motcua"
    dbname = f"{base}_bench_{secrets.token_hex(4)}"
    admin_url = _with_dbname(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    try:
        yield _with_dbname(url, dbname)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )


@contextmanager
def throwaway_database(args: argparse.Namespace, workdir: Path) -> Iterator[dict[str, str]]:
    """Sets the environment Django reads (before it is imported) and yields what gunicorn
    needs to reach the same database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings.dev"
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.environ["MOTCUA_VAR_DIR"] = str(workdir)
        sqlite_path = workdir / "motcua.sqlite3"
        yield {"DATABASE_URL": f"sqlite:///{sqlite_path}", "MOTCUA_VAR_DIR": str(workdir)}
        return
    if args.database_as_is:
        yield {"DATABASE_URL": url}
        return
    with throwaway_postgres(url) as bench_url:
        os.environ["DATABASE_URL"] = bench_url
        try:
            yield {"DATABASE_URL": bench_url}
        finally:
            from django.db import connections

            connections.close_all()


# --- the benchmark ------------------------------------------------------------------------


def seed(count: int) -> float:
    from django.core.management import call_command
    from django.db import transaction

    from motcua.catalog import factories, services
    from motcua.catalog.models import Procedure

    call_command("migrate", interactive=False, verbosity=0)
    if Procedure.objects.exists():
        raise SystemExit("The benchmark database already holds procedures; use an empty one.")
    started = time.perf_counter()
    with transaction.atomic():
        for sector in factories.SECTORS:
            services.upsert_sector(sector)
        for record in factories.generated_procedures(count):
            services.publish(record, actor="bench")
    return time.perf_counter() - started


def database_info() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = str(cursor.fetchone()[0])
    return {"vendor": connection.vendor, "version": version}


def schedule(iterations: int) -> list[Query]:
    """`iterations` queries: the fixed list, round-robin."""
    return [QUERIES[i % len(QUERIES)] for i in range(iterations)]


def bench_in_process(iterations: int) -> tuple[dict[str, Any], dict[Query, int]]:
    from motcua.catalog import selectors

    hits = {
        query: selectors.search(query.q, query.sector, query.level, limit=20).total
        for query in QUERIES
    }  # also the warm-up
    samples: list[float] = []
    per_query: dict[Query, list[float]] = {query: [] for query in QUERIES}
    for query in schedule(iterations):
        started = time.perf_counter()
        selectors.search(query.q, query.sector, query.level, limit=20)
        elapsed = time.perf_counter() - started
        samples.append(elapsed)
        per_query[query].append(elapsed)
    stats: dict[str, Any] = summarize_ms(samples)
    stats["per_query"] = []
    for query in QUERIES:
        q_stats = summarize_ms(per_query[query])
        stats["per_query"].append(
            {
                **query.params(),
                "hits": hits[query],
                "calls": q_stats["count"],
                "p50_ms": q_stats.get("p50_ms"),
                "max_ms": q_stats.get("max_ms"),
            }
        )
    return stats, hits


def throwaway_rsa_pem() -> str | None:
    """A fresh RSA key (PEM) for settings that need one in production, e.g. the OIDC
    provider's signing key; None when `cryptography` is not installed."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        return None
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def server_env(db_env: dict[str, str], extra: list[str]) -> dict[str, str]:
    """Production settings with throwaway secrets, on loopback, plain HTTP."""
    env = {
        **os.environ,
        **db_env,
        "DJANGO_SETTINGS_MODULE": "motcua.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MOTCUA_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Required by production settings (https only); no link is followed in a bench.
        "MOTCUA_PUBLIC_URL": "https://127.0.0.1",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    if not env.get("OIDC_RSA_PRIVATE_KEY") and (pem := throwaway_rsa_pem()):
        env["OIDC_RSA_PRIVATE_KEY"] = pem
    for item in extra:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def start_gunicorn(
    port: int, workers: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    command = [
        venv_bin("gunicorn"),
        "motcua.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--graceful-timeout",
        "5",
        "--no-control-socket",
        # This checkout's code, even when the venv's editable install points elsewhere.
        "--chdir",
        str(PROJECT_DIR),
        "--pythonpath",
        str(PROJECT_DIR / "src"),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def log_errors(log: Path, lines: int = 15) -> str:
    """The last lines of gunicorn's log that are not traceback frames: the errors."""
    kept = [
        line
        for line in tail(log, 500).splitlines()
        if line.strip() and not line.startswith((" ", "\t", "Traceback", "During handling"))
    ]
    return "\n".join(kept[-lines:])


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> float:
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log_errors(log)}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"/readyz did not answer 200 within {timeout:.0f} s:\n{log_errors(log)}")


def bench_http(
    base_url: str, iterations: int, time_limit: float, expected: dict[Query, int]
) -> dict[str, Any]:
    import httpx

    errors: list[str] = []

    def call(client: httpx.Client, query: Query) -> None:
        try:
            response = client.get("/api/v1/procedures", params=query.params())
        except httpx.HTTPError as exc:
            errors.append(f"{query.label()}: {type(exc).__name__}: {exc}")
            return
        if response.status_code != 200:
            errors.append(f"{query.label()}: HTTP {response.status_code} {response.text[:200]}")
            return
        if not response.headers.get("content-type", "").startswith("application/json"):
            errors.append(f"{query.label()}: content-type {response.headers.get('content-type')}")
            return
        try:
            total = response.json()["total"]
        except (ValueError, KeyError) as exc:
            errors.append(f"{query.label()}: not the expected JSON ({exc})")
            return
        if total != expected[query]:
            errors.append(f"{query.label()}: total {total}, in-process {expected[query]}")

    samples: list[float] = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for query in QUERIES:  # warm-up: both workers, every query once
            call(client, query)
        warmup_errors = len(errors)
        loop_started = time.perf_counter()
        for query in schedule(iterations):
            if time.perf_counter() - loop_started > time_limit:
                break
            started = time.perf_counter()
            call(client, query)
            samples.append(time.perf_counter() - started)
        wall = time.perf_counter() - loop_started
    stats: dict[str, Any] = summarize_ms(samples)
    stats.update(
        wall_seconds=round(wall, 3),
        requests_per_second=round(len(samples) / wall, 1) if wall else 0.0,
        stopped_by_time_limit=len(samples) < iterations,
        warmup_errors=warmup_errors,
        errors=len(errors) - warmup_errors,
        error_examples=errors[:10],
    )
    return stats


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-search-"))
    try:
        with throwaway_database(args, workdir) as db_env:
            sys.path.insert(0, str(PROJECT_DIR / "src"))
            import django

            django.setup()
            logging.getLogger("httpx").setLevel(logging.WARNING)
            from django.db import connections

            db = database_info()
            print(f"Database: {db['vendor']} {db['version']} (throwaway)")
            print(f"Seeding {args.procedures:,} procedures…", flush=True)
            seed_s = seed(args.procedures)
            print(f"  seeded in {seed_s:.1f} s ({args.procedures / seed_s:,.0f} procedures/s)")

            print(f"In-process: {len(QUERIES)} queries × {args.iterations} calls…", flush=True)
            in_process, hits = bench_in_process(args.iterations)
            print(f"  {format_ms(in_process)}")
            connections.close_all()

            result: dict[str, Any] = {
                "code": git_revision(),
                "database": db,
                "procedures": args.procedures,
                "queries": len(QUERIES),
                "iterations": args.iterations,
                "seed_seconds": round(seed_s, 2),
                "in_process": in_process,
            }
            if not args.no_http:
                result["http"] = run_http(args, db_env, workdir, hits)
            return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_http(
    args: argparse.Namespace, db_env: dict[str, str], workdir: Path, hits: dict[Query, int]
) -> dict[str, Any]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    print(f"HTTP: gunicorn, {args.workers} workers, on {base_url}…", flush=True)
    proc = start_gunicorn(port, args.workers, server_env(db_env, args.server_env), log)
    try:
        ready_s = wait_ready(base_url, proc, args.startup_timeout, log)
        stats = bench_http(base_url, args.iterations, args.http_time_limit, hits)
        stats.update(
            workers=args.workers, server="gunicorn (sync)", ready_seconds=round(ready_s, 2)
        )
    finally:
        code = stop_process_group(proc)
        print(f"  gunicorn stopped (exit {code})")
    print(f"  {format_ms(stats)}")
    print(f"  {stats['requests_per_second']} requests/s sequential, {stats['errors']} errors")
    for example in stats["error_examples"]:
        print(f"    ! {example}")
    if stats["stopped_by_time_limit"]:
        print(f"  (stopped after {args.http_time_limit:.0f} s: {stats['count']} requests)")
    return stats


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_at_start = warn_if_busy()
    result = run(args)
    result["load_average_1m_at_start"] = load_at_start
    path = write_result(NAME, result, args.output)
    timed = [row for row in result["in_process"]["per_query"] if row["calls"]]
    slowest = sorted(timed, key=lambda row: -row["p50_ms"])[:5]
    print("Slowest queries in-process (p50):")
    for row in slowest:
        label = " ".join(f"{k}={v!r}" for k, v in row.items() if k in ("q", "sector", "level"))
        print(f"  {row['p50_ms']:8.2f} ms  {row['hits']:5d} hits  {label}")
    print()
    vendor = result["database"]["vendor"]
    print(f"Catalog search over {result['procedures']:,} procedures ({vendor})")
    print(f"  seeding                      {result['seed_seconds']:.1f} s")
    print(f"  in-process p95               {result['in_process']['p95_ms']:.2f} ms")
    if "http" in result:
        http = result["http"]
        print(f"  HTTP p95                     {http['p95_ms']:.2f} ms")
        print(f"  HTTP requests/s (sequential) {http['requests_per_second']}")
        print(f"  HTTP errors                  {http['errors']}")
    print(f"Result: {path}")
    failed = "http" in result and (result["http"]["errors"] or result["http"]["warmup_errors"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
