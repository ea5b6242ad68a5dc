import time

from django.core.management.base import BaseCommand, CommandParser

from motcua.workflow import services


class Command(BaseCommand):
    help = (
        "Chạy bộ đếm thời hạn: đánh dấu bước quá hạn, báo lãnh đạo, gửi thư xin lỗi. "
        "--loop N: lặp lại mỗi N giây."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")

    def handle(self, *args: object, **options: object) -> None:
        interval = int(options["loop"] or 0)  # type: ignore[call-overload]
        while True:
            report = services.tick()
            self.stdout.write(str(report))
            if interval <= 0:
                return
            time.sleep(interval)
