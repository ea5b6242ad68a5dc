import time

from django.core.management.base import BaseCommand, CommandParser

from motcua.monitoring import services


class Command(BaseCommand):
    help = (
        "Tính lại toàn bộ số liệu giám sát từ đầu (kết quả phải trùng với cập nhật tăng dần). "
        "--reports: chỉ đánh giá lại chỉ số, xếp loại của mọi đơn vị từ số liệu tháng "
        "(sau khi đổi ngưỡng)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reports", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        if options["reports"]:
            rows = services.rebuild_reports()
            self.stdout.write(
                f"monitoring: {rows} dòng chỉ số ({time.perf_counter() - started:.1f} s)"
            )
            return
        report = services.recompute()
        self.stdout.write(f"{report} ({time.perf_counter() - started:.1f} s)")
