from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.core import signed_log
from motcua.exchange import log, services


class Command(BaseCommand):
    help = (
        "Neo đầu mọi chuỗi nhật ký trao đổi (ký số); in ra dòng JSON để công bố. --loop N: mỗi "
        "N giây và mỗi LOG_ANCHOR_EVERY mục. Anchor every exchange-log chain's head (signed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        signed_log.add_loop_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        signed_log.run_anchoring(options, self._anchor, log.entries_since_anchor)

    def _anchor(self) -> None:
        anchor = services.anchor_log()
        row = {
            "created_at": anchor.created_at,
            "heads": anchor.heads,
            "key_id": anchor.key_id,
            "hash": anchor.hash,
            "signature": anchor.signature,
        }
        self.stdout.write(log.anchor_line(row))
        self.stdout.flush()
