from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core import signed_log
from motcua.exchange import log


class Command(BaseCommand):
    help = (
        "Kiểm tra nhật ký trao đổi dữ liệu: băm, liên kết và chữ ký, chỉ cần khóa công khai. "
        "Verify the exchange message log offline (hashes, links, Ed25519 signatures)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        signed_log.add_verify_arguments(parser)
        parser.add_argument(
            "--file", help="verify an export (JSON lines from exchange_export) instead of the DB"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        public_keys = signed_log.trusted_public_keys(options["public_key"])
        path = Path(options["file"]) if options["file"] else None
        anchors = list(_read(path, anchors=True)) if path else log.stored_anchors()
        entries: Iterator[dict[str, Any]] = _read(path) if path else log.stored_entries()
        seen = log.anchored_positions(anchors)
        checked, broken = log.verify_entries(entries, public_keys, seen)
        if broken is None:
            broken = log.verify_anchors(anchors, seen, public_keys)
        if broken:
            raise CommandError(
                f"Nhật ký trao đổi bị phá vỡ tại chuỗi {broken.chain} mục #{broken.seq}: "
                f"{broken.reason} (exchange log broken at chain {broken.chain} entry "
                f"#{broken.seq}; {checked} entries verified before it)"
            )
        age, fails = signed_log.anchor_age_check(options, anchors)
        if fails:
            raise CommandError(f"{age} ({checked} entries verified)")
        self.stdout.write(
            f"OK: {checked} mục nhật ký trao đổi hợp lệ, {len(anchors)} mốc neo; {age} "
            f"(exchange log intact, {len(anchors)} anchors hold)"
        )


def _read(path: Path, anchors: bool = False) -> Iterator[dict[str, Any]]:
    """The entries (or, with anchors=True, the anchors) of an export."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                if (item.get("type") == "anchor") == anchors:
                    yield item
