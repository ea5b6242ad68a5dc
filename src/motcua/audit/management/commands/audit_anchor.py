from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.audit import services
from motcua.core import signed_log


class Command(BaseCommand):
    help = (
        "Neo đầu chuỗi nhật ký kiểm toán (ký số); in ra dòng JSON để công bố. --loop N: mỗi N "
        "giây và mỗi LOG_ANCHOR_EVERY mục. Anchor the audit chain's head (signed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        signed_log.add_loop_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        signed_log.run_anchoring(options, self._anchor, services.entries_since_anchor)

    def _anchor(self) -> None:
        anchor = services.anchor()
        row = {
            "created_at": anchor.created_at,
            "heads": anchor.heads,
            "key_id": anchor.key_id,
            "hash": anchor.hash,
            "signature": anchor.signature,
        }
        self.stdout.write(signed_log.anchor_line(row))
        self.stdout.flush()
