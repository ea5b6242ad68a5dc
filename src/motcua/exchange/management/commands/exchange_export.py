from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motcua.exchange import log


class Command(BaseCommand):
    help = "Xuất nhật ký trao đổi (JSON lines) để kiểm tra ngoại tuyến. Export the message log."

    def handle(self, *args: Any, **options: Any) -> None:
        for entry in log.stored_entries():
            self.stdout.write(log.export_line(entry))
        for anchor in log.stored_anchors():
            self.stdout.write(log.anchor_line(anchor))
