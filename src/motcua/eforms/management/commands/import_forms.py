from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.eforms import services
from motcua.eforms.errors import FormImportError


class Command(BaseCommand):
    help = "Import form definitions (format motcua.eforms/1) from a JSON file; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        try:
            changed = services.import_forms(path, actor="system:import_forms")
        except FormImportError as exc:
            for line in exc.errors:
                self.stderr.write(f"{path}: {line}")
            raise CommandError(
                f"{len(exc.errors)} lỗi; không ghi biểu mẫu nào (nothing was imported)."
            ) from exc
        self.stdout.write(f"Đã nhập biểu mẫu từ {path.name}: {changed} mới hoặc thay đổi.")
