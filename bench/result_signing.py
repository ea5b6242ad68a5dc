"""Milliseconds to sign one result PDF (PAdES, the local key store) and to verify it
(signature, trust chain, hash of an issued result, status), in-process on a throwaway SQLite
database; also a whole issue (render, sign, store, e-wallet, audit, outbox) for reference.

    .venv/bin/python bench/result_signing.py [--runs 30] [--issues 10] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _common import (
    PROJECT_DIR,
    format_ms,
    git_revision,
    load_average,
    summarize_ms,
    warn_if_busy,
    write_result,
)

NAME = "result_signing"
LEADER_ID = "001078000001"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed signings and verifications")
    parser.add_argument("--issues", type=int, default=10, help="timed whole issues")
    parser.add_argument("--output", type=Path, default=None, help="result JSON file")
    return parser.parse_args(argv)


def _setup(var_dir: str) -> None:
    os.environ["MOTCUA_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings.dev"
    sys.path.insert(0, str(PROJECT_DIR / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _timed(fn: Any, runs: int) -> tuple[list[float], Any]:
    samples, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - start)
    return samples, value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_start = warn_if_busy()
    var_dir = tempfile.mkdtemp(prefix="motcua-bench-results-")
    try:
        _setup(var_dir)
        import datetime

        from motcua.core.pdf import render_document
        from motcua.identity import services as identity
        from motcua.results import services
        from motcua.results.management.commands.demo_result import DEMO_DATA
        from motcua.units import services as units

        seed_start = time.perf_counter()
        units.load_units()
        units.generate_agencies()
        identity.enrol_person(
            personal_id=LEADER_ID,
            full_name="Trần Văn Quyết",
            birth_date=datetime.date(1978, 5, 5),
            sex="male",
            password="bench-only-password-1",
            actor="bench",
        )
        identity.appoint_official(
            personal_id=LEADER_ID, agency_code="01.00070.ubnd", roles=["leader"], actor="bench"
        )
        services.ensure_demo_ca()
        seed_s = time.perf_counter() - seed_start

        def record(n: int) -> SimpleNamespace:
            return SimpleNamespace(
                code=f"BENCH-{n:06d}",
                procedure_code="1.001193",
                procedure_name="Đăng ký khai sinh",
                applicant_id="001085012345",
                applicant_name="Nguyễn Văn An",
                receiving_unit_name="Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm",
                data=DEMO_DATA,
            )

        # Warm-up: issues the official's certificate, loads fonts and the CA.
        issued = services.issue_for_record(record(0), signer_personal_id=LEADER_ID)
        with issued.file.open("rb") as handle:
            signed_pdf = handle.read()
        unsigned = render_document(
            title="TRÍCH LỤC KHAI SINH",
            issuer="Thành phố Hà Nội\nỦy ban nhân dân Phường Hoàn Kiếm",
            rows=[("Họ, chữ đệm, tên", "Nguyễn Minh Khôi"), ("Ngày sinh", "02/03/2025")],
            qr_payload=services.public_url(issued.pk),
        )
        assert services.verify_pdf(signed_pdf).valid

        sign_s, _ = _timed(
            lambda: services.sign_pdf(unsigned, signer_personal_id=LEADER_ID), args.runs
        )
        verify_s, last = _timed(lambda: services.verify_pdf(signed_pdf), args.runs)
        assert last.valid, last.reasons
        counter = iter(range(1, args.issues + 1))
        issue_s, _ = _timed(
            lambda: services.issue_for_record(record(next(counter)), signer_personal_id=LEADER_ID),
            args.issues,
        )
        figures = {
            "sign": summarize_ms(sign_s),
            "verify": summarize_ms(verify_s),
            "issue": summarize_ms(issue_s),
        }
        for key in figures:
            samples = {"sign": sign_s, "verify": verify_s, "issue": issue_s}[key]
            figures[key]["median_ms"] = round(statistics.median(samples) * 1000, 3)
        print(f"sign one result PDF (PAdES, local key): {format_ms(figures['sign'])}")
        print(f"verify one result PDF:                  {format_ms(figures['verify'])}")
        print(f"issue one result end to end:            {format_ms(figures['issue'])}")
        path = write_result(
            NAME,
            {
                "options": {"runs": args.runs, "issues": args.issues, "database": "sqlite"},
                "pdf_bytes": {"unsigned": len(unsigned), "issued_signed": len(signed_pdf)},
                "signing": {"provider": "local", "key": "ECDSA P-256", "ca": "RSA 3072"},
                "seed_seconds": round(seed_s, 2),
                "figures": figures,
                "git": git_revision(),
                "load_average_1m_at_start": load_start or load_average(),
            },
            args.output,
        )
        print(f"written: {path}")
        return 0
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
