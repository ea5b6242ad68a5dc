import time

from django.core.management.base import BaseCommand, CommandParser

from motcua.monitoring import services


class Command(BaseCommand):
    help = (
        "Cập nhật số liệu giám sát từ lịch sử hồ sơ và đánh giá mới (tăng dần). "
        "--loop N: lặp lại mỗi N giây."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")
        parser.add_argument("--batch", type=int, default=0)

    def handle(self, *args: object, **options: object) -> None:
        interval = int(options["loop"] or 0)  # type: ignore[call-overload]
        batch = int(options["batch"] or 0) or None  # type: ignore[call-overload]
        while True:
            report = services.catch_up(batch=batch)
            self.stdout.write(str(report))
            if interval <= 0:
                return
            time.sleep(interval)
