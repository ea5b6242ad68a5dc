from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.workflow import services
from motcua.workflow.definitions import DefinitionError


class Command(BaseCommand):
    help = "Nhập quy trình xử lý từ tệp JSON (format motcua.workflow/1); tất cả hoặc không gì."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc}") from exc
        try:
            report = services.import_processes(content, actor="system:import_processes")
        except DefinitionError as exc:
            for reason in exc.errors:
                self.stderr.write(f"{path}: {reason}")
            raise CommandError(
                f"{len(exc.errors)} lỗi; không nhập quy trình nào (nothing was imported)."
            ) from exc
        self.stdout.write(
            f"Đã nhập {path.name}: {len(report.created)} quy trình mới, "
            f"{len(report.unchanged)} không đổi, {report.bindings} thủ tục/lĩnh vực được gán."
        )
