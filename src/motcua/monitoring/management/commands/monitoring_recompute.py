import time

from django.core.management.base import BaseCommand, CommandParser

from motcua.monitoring import services


class Command(BaseCommand):
    help = "Tính lại toàn bộ số liệu giám sát từ đầu (kết quả phải trùng với cập nhật tăng dần)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=0)

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        report = services.recompute(batch=int(options["batch"] or 0) or None)  # type: ignore[call-overload]
        self.stdout.write(f"{report} ({time.perf_counter() - started:.1f} s)")
