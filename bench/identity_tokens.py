"""The identity provider's token endpoint and userinfo over HTTP: requests/s and p95.

Runs on a throwaway database (a temporary SQLite file, or with DATABASE_URL a temporary
database on that PostgreSQL server), served by gunicorn with production settings. Measures,
with `--concurrency` clients in parallel:

- `POST /o/token/` grant_type=refresh_token (each client follows its own rotating chain of
  refresh tokens, as a real relying party does; client_secret_basic authentication);
- `GET /o/userinfo/` with a bearer access token;
- `GET /api/v1/identity/me`: a resource server validating a bearer token (CitizenAuth).

    .venv/bin/python bench/identity_tokens.py [--requests 400] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import logging
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import (
    PROJECT_DIR,
    format_ms,
    free_port,
    git_revision,
    stop_process_group,
    summarize_ms,
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

NAME = "identity_tokens"
CLIENT_ID = "bench-rp"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="per endpoint")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--startup-timeout", type=float, default=60)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    args.database_as_is = False
    if args.requests < args.concurrency or args.concurrency < 1:
        parser.error("--requests ≥ --concurrency ≥ 1")
    return args


def seed(concurrency: int) -> dict[str, Any]:
    """A person, a confidential client, and per client thread a live access token and a
    refresh token (as the authorization code flow would have left them)."""
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import (
        get_access_token_model,
        get_refresh_token_model,
        set_token_value,
    )

    from motcua.identity import services
    from motcua.identity.models import Account

    call_command("migrate", interactive=False, verbosity=0)
    secret = secrets.token_urlsafe(32)
    services.register_client(
        services.ClientSpec(
            client_id=CLIENT_ID,
            name="Bench RP",
            redirect_uris=["https://rp.example.vn/cb"],
            post_logout_redirect_uris=[],
        ),
        secret,
        actor="bench",
    )
    from oauth2_provider.models import get_application_model

    application = get_application_model().objects.get(client_id=CLIENT_ID)
    account = Account.objects.filter(username="001085012345").first() or services.enrol_person(
        personal_id="001085012345",
        full_name="Nguyễn Văn An",
        password=secrets.token_urlsafe(16),
        birth_date=dt.date(1985, 3, 12),
        sex="male",
        permanent_address="Số 1 phố Tràng Tiền, Hà Nội",
        actor="bench",
    )
    chains = []
    for _ in range(concurrency):
        access = get_access_token_model()(
            user=account,
            application=application,
            scope="openid profile birthdate personal_id address",
            expires=timezone.now() + dt.timedelta(hours=2),
        )
        raw_access = secrets.token_urlsafe(30)
        set_token_value(access, raw_access)
        access.save()
        services.record_token_issued(access, grant_type="bench", level=2)
        refresh = get_refresh_token_model()(
            user=account, application=application, access_token=access
        )
        raw_refresh = secrets.token_urlsafe(30)
        set_token_value(refresh, raw_refresh)
        refresh.save()
        chains.append({"access": raw_access, "refresh": raw_refresh})
    return {"secret": secret, "chains": chains}


def _parallel(concurrency: int, per_thread: int, work: Any) -> tuple[list[float], float, list[str]]:
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        local: list[float] = []
        for _ in range(per_thread):
            started = time.perf_counter()
            problem = work(index)
            local.append(time.perf_counter() - started)
            if problem:
                with lock:
                    errors.append(problem)
        with lock:
            samples.extend(local)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - started, errors


def bench_http(base_url: str, seeded: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    basic = base64.b64encode(f"{CLIENT_ID}:{seeded['secret']}".encode()).decode()
    chains = seeded["chains"]
    clients = [httpx.Client(base_url=base_url, timeout=30) for _ in chains]

    def refresh(i: int) -> str | None:
        response = clients[i].post(
            "/o/token/",
            data={"grant_type": "refresh_token", "refresh_token": chains[i]["refresh"]},
            headers={"Authorization": f"Basic {basic}"},
        )
        if response.status_code != 200:
            return f"token: HTTP {response.status_code} {response.text[:200]}"
        body = response.json()
        chains[i]["refresh"] = body["refresh_token"]
        chains[i]["fresh_access"] = body["access_token"]
        return None

    def userinfo(i: int) -> str | None:
        response = clients[i].get(
            "/o/userinfo/", headers={"Authorization": f"Bearer {chains[i]['access']}"}
        )
        if response.status_code != 200 or "sub" not in response.json():
            return f"userinfo: HTTP {response.status_code} {response.text[:200]}"
        return None

    def me(i: int) -> str | None:
        response = clients[i].get(
            "/api/v1/identity/me", headers={"Authorization": f"Bearer {chains[i]['access']}"}
        )
        if response.status_code != 200:
            return f"identity/me: HTTP {response.status_code} {response.text[:200]}"
        return None

    results: dict[str, Any] = {}
    per_thread = args.requests // args.concurrency
    try:
        for name, work in (("token_refresh", refresh), ("userinfo", userinfo), ("api_me", me)):
            for i in range(len(chains)):  # warm-up: every client once
                work(i)
            samples, wall, errors = _parallel(args.concurrency, per_thread, work)
            stats: dict[str, Any] = summarize_ms(samples)
            stats.update(
                requests_per_second=round(len(samples) / wall, 1),
                wall_seconds=round(wall, 2),
                errors=len(errors),
                error_examples=errors[:5],
            )
            results[name] = stats
            print(f"  {name:14} {stats['requests_per_second']:7.1f} req/s · {format_ms(stats)}")
    finally:
        for client in clients:
            client.close()
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-identity-"))
    try:
        with throwaway_database(args, workdir) as db_env:
            sys.path.insert(0, str(PROJECT_DIR / "src"))
            import django

            django.setup()
            logging.getLogger("httpx").setLevel(logging.WARNING)
            from django.db import connections

            db = database_info()
            print(f"Database: {db['vendor']} {db['version']} (throwaway)")
            seeded = seed(args.concurrency)
            connections.close_all()
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            log = workdir / "gunicorn.log"
            print(f"HTTP: gunicorn, {args.workers} workers, {args.concurrency} clients…")
            proc = start_gunicorn(port, args.workers, server_env(db_env, []), log)
            try:
                ready = wait_ready(base_url, proc, args.startup_timeout, log)
                http = bench_http(base_url, seeded, args)
            finally:
                print(f"  gunicorn stopped (exit {stop_process_group(proc)})")
            return {
                "code": git_revision(),
                "database": db,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "requests_per_endpoint": args.requests,
                "ready_seconds": round(ready, 2),
                "http": http,
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = warn_if_busy()
    result = run(args)
    result["load_average_1m_at_start"] = load
    vendor = result["database"]["vendor"]
    name = NAME if vendor == "sqlite" else f"{NAME}_{vendor}"
    path = write_result(name, result, args.output)
    print(
        f"Written to {path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path}"
    )
    failed = sum(stats.get("errors", 0) for stats in result["http"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
