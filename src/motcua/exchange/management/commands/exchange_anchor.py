from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motcua.exchange import log, services


class Command(BaseCommand):
    help = (
        "Neo đầu mọi chuỗi nhật ký trao đổi (ký số), chạy định kỳ; in ra dòng JSON để công bố. "
        "Anchor every exchange-log chain's head (signed); prints the anchor as a JSON line."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = services.anchor_log()
        row = {
            "created_at": anchor.created_at,
            "heads": anchor.heads,
            "key_id": anchor.key_id,
            "hash": anchor.hash,
            "signature": anchor.signature,
        }
        self.stdout.write(log.anchor_line(row))
