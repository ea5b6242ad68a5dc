"""Official documents between agencies, in-process on a throwaway SQLite database: packages
sent per second (number, render, PAdES, package, Ed25519 signature, store, local delivery with
full verification) and received per second (import: signature, hashes, PAdES, store); and the
milliseconds to encrypt+sign and to verify+decrypt a confidential 5 MB document.

    .venv/bin/python bench/edocs.py [--docs 30] [--runs 5] [--size-mb 5] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
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

NAME = "edocs"
SENDER, RECIPIENT = "01.so-tp", "79.so-tp"
CLERK, LEADER, RECIPIENT_CLERK = "001080009001", "001080009002", "079080009003"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=30, help="documents sent and received")
    parser.add_argument("--runs", type=int, default=5, help="timed 5 MB encrypt/decrypt runs")
    parser.add_argument("--size-mb", type=float, default=5.0, help="size of the large document")
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


def _seed() -> None:
    import datetime

    from motcua.identity import services as identity
    from motcua.results import services as results
    from motcua.units import services as units

    units.load_units()
    units.generate_agencies()
    for pid, agency, role in [
        (CLERK, SENDER, "clerk"),
        (LEADER, SENDER, "leader"),
        (RECIPIENT_CLERK, RECIPIENT, "clerk"),
    ]:
        identity.enrol_person(
            personal_id=pid,
            full_name=f"Cán bộ {role}",
            birth_date=datetime.date(1980, 1, 1),
            sex="male",
            password="bench-only-password-1",
            actor="bench",
        )
        identity.appoint_official(personal_id=pid, agency_code=agency, roles=[role], actor="bench")
    results.ensure_demo_ca()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_start = warn_if_busy()
    var_dir = tempfile.mkdtemp(prefix="motcua-bench-edocs-")
    try:
        _setup(var_dir)
        from motcua.edocs import package, services
        from motcua.edocs.models import Document

        seed_start = time.perf_counter()
        _seed()
        seed_s = time.perf_counter() - seed_start
        leader = services.official(LEADER)  # a signature is its signer's own act

        def draft(**extra: Any) -> Any:
            return services.Draft(
                doc_type="cong-van",
                summary="V/v phối hợp xác minh thông tin",
                recipients=[RECIPIENT],
                signer_personal_id=LEADER,
                signer_position="Giám đốc",
                body="Đề nghị Quý cơ quan phối hợp.",
                **extra,
            )

        services.send(leader, draft())  # warm-up: keys, the signer's certificate, fonts

        start = time.perf_counter()
        sent = [services.send(leader, draft()) for _ in range(args.docs)]
        send_s = time.perf_counter() - start
        assert all(d.deliveries.get().state == "delivered" for d in sent)

        blobs = [bytes(d.package) for d in sent]
        Document.objects.filter(owner_agency=RECIPIENT).delete()
        start = time.perf_counter()
        for blob in blobs:
            services.import_package(blob, agency_code=RECIPIENT)
        receive_s = time.perf_counter() - start

        size = int(args.size_mb * 1024 * 1024)
        big = package.File("ban-do.tif", "image/tiff", os.urandom(size))
        secret = services.send(leader, draft(confidentiality="secret", attachments=[big]))
        opened = services.verify_package(bytes(secret.package), agency_code=RECIPIENT)
        meta = {**opened.document}
        files = [
            package.File(f["name"], f["media_type"], opened.data[f["path"]], f["role"], f["pades"])
            for f in opened.files
        ]
        sender_key = services.current_key(SENDER)
        keys = [sender_key, services.current_key(RECIPIENT)]
        encrypt_s, decrypt_s, blob = [], [], b""
        for _ in range(args.runs):
            t0 = time.perf_counter()
            blob = services._build_package(meta, files, sender_key, keys)
            encrypt_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            check = services.verify_package(blob, agency_code=RECIPIENT)
            decrypt_s.append(time.perf_counter() - t0)
            assert check.data[opened.files[1]["path"]] == big.data
        full_s = []
        for _ in range(max(1, args.runs // 2)):
            t0 = time.perf_counter()
            services.send(leader, draft(confidentiality="secret", attachments=[big]))
            full_s.append(time.perf_counter() - t0)

        figures = {
            "sent_per_second": round(args.docs / send_s, 2),
            "received_per_second": round(args.docs / receive_s, 2),
            "encrypt_sign_5mb": summarize_ms(encrypt_s),
            "verify_decrypt_5mb": summarize_ms(decrypt_s),
            "send_5mb_confidential_end_to_end": summarize_ms(full_s),
        }
        print(f"packages sent/s (incl. local delivery): {figures['sent_per_second']}")
        print(f"packages received/s (import, verify):   {figures['received_per_second']}")
        print(f"encrypt+sign {args.size_mb:g} MB:  {format_ms(figures['encrypt_sign_5mb'])}")
        print(f"verify+decrypt {args.size_mb:g} MB: {format_ms(figures['verify_decrypt_5mb'])}")
        print(
            f"send {args.size_mb:g} MB confidential end to end: "
            f"{format_ms(figures['send_5mb_confidential_end_to_end'])}"
        )
        path = write_result(
            NAME,
            {
                "options": {
                    "docs": args.docs,
                    "runs": args.runs,
                    "size_mb": args.size_mb,
                    "database": "sqlite",
                },
                "package_bytes": {"small": len(blobs[0]), "large": len(blob)},
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
