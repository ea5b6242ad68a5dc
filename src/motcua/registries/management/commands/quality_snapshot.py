from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from motcua.registries import quality


class Command(BaseCommand):
    help = (
        "Đếm lại chất lượng dữ liệu toàn quốc theo tỉnh (chạy định kỳ). "
        "Recount the national data-quality figures per province (run periodically)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        snap = quality.snapshot(refresh=True)
        self.stdout.write(f"OK: {snap.computed_at:%Y-%m-%d %H:%M:%S} ({snap.seconds:.1f} s)")
