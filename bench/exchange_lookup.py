"""Person lookups through the data exchange (policy check + signed log write included), and
the data-quality report for one province, on PostgreSQL with N generated people.

    bin/with-postgres .venv/bin/python bench/exchange_lookup.py --people 1000000
    DATABASE_URL=postgres://... .venv/bin/python bench/exchange_lookup.py   # 10,000,000

Generation is resumable: against a kept database, a second run reuses the data. Measures
`exchange.services.call` in-process from `--workers` processes, each with its own persistent
database connection, bounded by time (`--seconds`) and count (`--calls` per process):
p50/p95/p99/max and calls/s, repeated `--repeat` times. With `--http`, the same lookups over
HTTP (gunicorn, production settings, a fresh signed client assertion per request). Then the
seconds `registries.quality.report(province)` takes, cold and warm, and `exchange_verify`.
`uptime` is recorded before and after every measurement. Django runs with production
settings (DEBUG off) and throwaway secrets."""

from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import (
    format_ms,
    free_port,
    stop_process_group,
    summarize_ms,
    write_result,
)

CONSUMER = "bench-consumer"
SERVICE = "population.person.basic"
PURPOSE = "1.001193"
AUDIENCE = "https://bench.invalid/api/v1/exchange"


def uptime() -> str:
    """`uptime` as printed (load averages over 1, 5 and 15 minutes)."""
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


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


def _production_env() -> dict[str, str]:
    """Production settings with throwaway secrets, as catalog_search.py starts gunicorn."""
    from catalog_search import throwaway_rsa_pem

    env = {
        "DJANGO_SETTINGS_MODULE": "motcua.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MOTCUA_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Required by production settings (https only); no link is followed in a bench.
        "MOTCUA_PUBLIC_URL": "https://127.0.0.1",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "MOTCUA_EXCHANGE_AUDIENCE": AUDIENCE,
    }
    if not os.environ.get("OIDC_RSA_PRIVATE_KEY") and (pem := throwaway_rsa_pem()):
        env["OIDC_RSA_PRIVATE_KEY"] = pem
    return env


def _django() -> None:
    import django

    django.setup()


def _prepare(
    people: int, batch: int, seed: int, defects: float, public_jwk: dict[str, Any]
) -> list[str]:
    from django.core.management import call_command

    from motcua.exchange import services
    from motcua.exchange.models import Grant
    from motcua.registries import generator
    from motcua.registries.models import Person

    call_command("migrate", verbosity=0)
    generator.generate(people, seed=seed, defect_rate=defects, batch_size=batch, progress=True)
    services.sync_services()
    consumer = services.register_consumer(
        CONSUMER, "Hệ thống đo hiệu năng", public_jwk, actor="bench"
    )
    if not Grant.objects.filter(consumer=consumer, service__code=SERVICE).exists():
        services.grant_access(consumer, SERVICE, [PURPOSE], actor="bench")
    rng = random.Random(seed)
    ids = [rng.randint(1, people) for _ in range(20_000)]
    return list(Person.objects.filter(pk__in=ids).values_list("personal_id", flat=True))


def _in_process_worker(args: tuple[int, list[str], float, float, int]) -> dict[str, Any]:
    worker_id, subjects, start_at, seconds, max_calls = args
    from django.db import connections

    from motcua.exchange import services

    connections.close_all()  # never share the parent's connection: open this process's own
    rng = random.Random(worker_id)
    for subject in subjects[:50]:  # connect, warm the policy cache and the chain head
        services.call(CONSUMER, SERVICE, PURPOSE, subject)
    while time.time() < start_at:
        time.sleep(0.001)
    samples: list[float] = []
    errors = 0
    first_error = ""
    deadline = start_at + seconds
    while len(samples) < max_calls and time.time() < deadline:
        subject = rng.choice(subjects)
        t0 = time.perf_counter()
        try:
            services.call(CONSUMER, SERVICE, PURPOSE, subject)
        except Exception as exc:
            errors += 1
            first_error = first_error or repr(exc)
        samples.append(time.perf_counter() - t0)
    ended = time.time()
    connections.close_all()
    return {"samples": samples, "errors": errors, "first_error": first_error, "ended": ended}


def _http_worker(args: tuple[int, list[str], float, float, int, str, str]) -> dict[str, Any]:
    worker_id, subjects, start_at, seconds, max_calls, base_url, private_pem = args
    import httpx
    from joserfc import jwt
    from joserfc.jwk import ECKey

    key = ECKey.import_key(private_pem)
    rng = random.Random(1000 + worker_id)
    url = f"{base_url}/api/v1/exchange/services/{SERVICE}"

    def once(client: httpx.Client, subject: str) -> int:
        now = int(time.time())
        claims = {
            "iss": CONSUMER,
            "sub": CONSUMER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode({"alg": "ES256"}, claims, key, algorithms=["ES256"])
        response = client.post(
            url,
            json={"subject": subject, "purpose": PURPOSE},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code

    samples: list[float] = []
    errors = 0
    first_error = ""
    with httpx.Client(timeout=30) as client:
        for subject in subjects[:20]:
            once(client, subject)
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = start_at + seconds
        while len(samples) < max_calls and time.time() < deadline:
            subject = rng.choice(subjects)
            t0 = time.perf_counter()
            try:
                status = once(client, subject)
                if status != 200:
                    errors += 1
                    first_error = first_error or f"HTTP {status}"
            except httpx.HTTPError as exc:
                errors += 1
                first_error = first_error or repr(exc)
            samples.append(time.perf_counter() - t0)
    return {"samples": samples, "errors": errors, "first_error": first_error, "ended": time.time()}


def _measure(worker: Any, args: list[tuple[Any, ...]], start_at: float) -> dict[str, Any]:
    before = uptime()
    load_before = load()
    with mp.get_context("fork").Pool(len(args)) as pool:
        results = pool.map(worker, args)
    samples = [s for r in results for s in r["samples"]]
    elapsed = max(r["ended"] for r in results) - start_at
    stats = summarize_ms(samples)
    return {
        "processes": len(args),
        "latency": stats,
        "calls": len(samples),
        "elapsed_seconds": round(elapsed, 2),
        "calls_per_second": round(len(samples) / elapsed, 1) if elapsed > 0 else 0.0,
        "errors": sum(r["errors"] for r in results),
        "first_error": next((r["first_error"] for r in results if r["first_error"]), ""),
        "uptime_before": before,
        "uptime_after": uptime(),
        "load_before": load_before,
        "load_after": load(),
    }


def _print(label: str, run: dict[str, Any]) -> None:
    print(f"{label}, {run['processes']} processes: {format_ms(run['latency'])}")
    print(
        f"  {run['calls_per_second']:,.0f} calls/s over {run['elapsed_seconds']} s, "
        f"{run['errors']} errors {run['first_error']}"
    )
    print(f"  before: {run['uptime_before']}\n  after:  {run['uptime_after']}")


def _http(options: argparse.Namespace, env: dict[str, str], subjects: list[str], pem: str) -> Any:
    import httpx

    from catalog_search import start_gunicorn, wait_ready

    port = free_port()
    log = Path(f"/tmp/exchange-bench-gunicorn-{port}.log")
    proc = start_gunicorn(port, options.http_server_workers, {**os.environ, **env}, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, proc, 60, log)
        httpx.get(f"{base_url}/readyz", timeout=5)
        runs = []
        for i in range(options.repeat):
            start_at = time.time() + 3
            args = [
                (w, subjects, start_at, options.seconds, options.calls, base_url, pem)
                for w in range(options.http_clients)
            ]
            run = _measure(_http_worker, args, start_at)
            _print(f"HTTP lookup #{i + 1} (gunicorn {options.http_server_workers} workers)", run)
            runs.append(run)
        return runs
    finally:
        stop_process_group(proc)
        log.unlink(missing_ok=True)


def _quality(options: argparse.Namespace, report: dict[str, Any]) -> None:
    from motcua.registries import quality

    t0 = time.perf_counter()
    quality.snapshot(refresh=True)  # the national pass: per province, one query per rule
    report["national_pass_seconds"] = round(time.perf_counter() - t0, 2)
    report["uptime_after_national_pass"] = uptime()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        quality.report(options.province)
        times.append(time.perf_counter() - t0)
    report["province_report_seconds"] = [round(t, 4) for t in times]
    report["uptime_after"] = uptime()
    report["province"] = options.province
    print(
        f"quality: national pass {report['national_pass_seconds']} s; report for province "
        f"{options.province} from it: {[round(t, 4) for t in times]} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--defects", type=float, default=0.01, help="injected defect rate")
    parser.add_argument("--workers", type=int, default=4, help="in-process caller processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound per run")
    parser.add_argument("--calls", type=int, default=200_000, help="count bound per process")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each path")
    parser.add_argument("--http", action="store_true", help="also measure over HTTP")
    parser.add_argument("--http-server-workers", type=int, default=2)
    parser.add_argument("--http-clients", type=int, default=4)
    parser.add_argument("--province", default="01")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality report")
    parser.add_argument("--result", default="exchange_lookup")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL database (or use bin/with-postgres)")
        return 2

    _ensure_database(os.environ["DATABASE_URL"])
    env = _production_env()
    os.environ.update(env)
    _django()
    from django.db import connection, connections
    from joserfc.jwk import ECKey

    from motcua.exchange import log
    from motcua.exchange.models import MessageLogEntry

    log.signing_key()  # create the key before the workers fork
    key = ECKey.generate_key("P-256")
    pem = key.as_pem(private=True).decode()
    started = time.perf_counter()
    subjects = _prepare(
        options.people, options.batch, options.seed, options.defects, key.as_dict(private=False)
    )
    print(f"{options.people:,} people ready; {len(subjects)} subjects sampled")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    prepare_s = time.perf_counter() - started
    connections.close_all()

    in_process = []
    for i in range(options.repeat):
        start_at = time.time() + 3
        args = [
            (w, subjects, start_at, options.seconds, options.calls) for w in range(options.workers)
        ]
        run = _measure(_in_process_worker, args, start_at)
        _print(f"in-process lookup #{i + 1}", run)
        in_process.append(run)
    http_runs = _http(options, env, subjects, pem) if options.http else []

    report: dict[str, Any] = {"uptime_before": uptime()}
    if not options.no_quality:
        _quality(options, report)

    from io import StringIO

    from django.core.management import call_command

    verify_started = time.perf_counter()
    out = StringIO()
    call_command("exchange_verify", stdout=out)
    verify_s = time.perf_counter() - verify_started
    print(f"exchange_verify: {out.getvalue().strip()} in {verify_s:.1f} s")

    best = min(in_process, key=lambda r: r["latency"].get("p99_ms", 1e9))
    path = write_result(
        options.result,
        {
            "people": options.people,
            "prepare_seconds": round(prepare_s, 1),
            "options": vars(options),
            "in_process": in_process,
            "http": http_runs,
            "quality_report": report,
            "log_entries": MessageLogEntry.objects.count(),
            "verify_seconds": round(verify_s, 1),
            "targets": {"p99_ms_under": 20, "calls_per_second_at_least": 1000},
            "targets_met_in_process_best_run": bool(
                best["latency"].get("p99_ms", 1e9) < 20 and best["calls_per_second"] >= 1000
            ),
        },
    )
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
