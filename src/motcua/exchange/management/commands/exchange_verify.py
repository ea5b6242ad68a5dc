from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.exchange import log


class Command(BaseCommand):
    help = (
        "Kiểm tra nhật ký trao đổi dữ liệu: băm, liên kết và chữ ký, chỉ cần khóa công khai. "
        "Verify the exchange message log offline (hashes, links, Ed25519 signatures)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            help="PEM public key(s); default: the key beside EXCHANGE_SIGNING_KEY_FILE",
        )
        parser.add_argument(
            "--file", help="verify an export (JSON lines from exchange_export) instead of the DB"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["public_key"]
        if paths:
            keys = [log.load_public_key(p) for p in paths]
            public_keys = {log.key_id(k): k for k in keys}
        else:
            default = Path(settings.EXCHANGE_SIGNING_KEY_FILE)
            default = default.with_name(default.stem + ".pub.pem")
            public_keys = (
                {log.key_id(k): k for k in [log.load_public_key(default)]}
                if default.exists() and not settings.EXCHANGE_SIGNING_KEY
                else log.default_public_keys()
            )
        entries: Iterator[dict[str, Any]] = (
            _read(Path(options["file"])) if options["file"] else log.stored_entries()
        )
        checked, broken = log.verify_entries(entries, public_keys)
        if broken:
            raise CommandError(
                f"Nhật ký trao đổi bị phá vỡ tại chuỗi {broken.chain} mục #{broken.seq}: "
                f"{broken.reason} (exchange log broken at chain {broken.chain} entry "
                f"#{broken.seq}; {checked} entries verified before it)"
            )
        self.stdout.write(f"OK: {checked} mục nhật ký trao đổi hợp lệ (exchange log intact)")


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
