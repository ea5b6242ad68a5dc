from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.errors import DomainError
from motcua.monitoring import services


class Command(BaseCommand):
    help = (
        "Nhập nhiệm vụ của kế hoạch từ tệp CSV (UTF-8). Có dòng lỗi thì không lưu gì và "
        "liệt kê lỗi theo số dòng. Cột: " + ", ".join(services.TASK_COLUMNS) + " [, evidence_links]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--actor", default="system:import")

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["path"]  # type: ignore[assignment]
        try:
            result = services.import_tasks(path.read_bytes(), actor=str(options["actor"]))
        except DomainError as exc:
            for line in exc.extra.get("errors") or [exc.detail]:
                self.stderr.write(line)
            raise CommandError(exc.detail.split(".")[0] + ".") from None
        self.stdout.write(f"Đã nhập: {result.created} mới, {result.updated} cập nhật.")
