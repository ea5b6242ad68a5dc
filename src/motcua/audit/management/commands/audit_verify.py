from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.audit import services
from motcua.core import signed_log


class Command(BaseCommand):
    help = (
        "Kiểm tra chuỗi nhật ký kiểm toán: băm, liên kết, chữ ký và các mốc neo; cho biết mốc "
        "neo mới nhất đã bao lâu. Walk the audit chain (hashes, links, signatures, anchors); "
        "name the first entry changed, removed or re-signed, and report the last anchor's age."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        signed_log.add_verify_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        anchors = services.stored_anchors()
        checked, broken = services.verify(
            public_keys=signed_log.trusted_public_keys(options["public_key"]), anchors=anchors
        )
        if broken:
            raise CommandError(
                f"Chuỗi nhật ký bị phá vỡ tại mục #{broken.seq}: {broken.reason} "
                f"(audit chain broken at entry #{broken.seq}; {checked} entries verified)"
            )
        age, fails = signed_log.anchor_age_check(options, anchors)
        if fails:
            raise CommandError(f"{age} ({checked} entries verified)")
        self.stdout.write(
            f"OK: {checked} mục nhật ký hợp lệ, {len(anchors)} mốc neo; {age} "
            f"(audit chain intact, {len(anchors)} anchors hold)"
        )
