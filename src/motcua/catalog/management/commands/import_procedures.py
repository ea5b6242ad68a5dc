from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.catalog import services


class Command(BaseCommand):
    help = "Import procedures from a JSON or CSV file (format motcua.catalog/1); all or nothing."

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
            report = services.import_file(content, path.name, actor="system:import_procedures")
        except services.CatalogImportError as exc:
            for line, reason in exc.errors:
                self.stderr.write(f"{path}:{line}: {reason}")
            raise CommandError(
                f"{len(exc.errors)} lỗi; không ghi thủ tục nào (nothing was imported)."
            ) from exc
        self.stdout.write(
            f"Đã nhập {path.name}: {len(report.created)} mới, {len(report.revised)} phiên bản "
            f"mới, {len(report.unchanged)} không đổi, {report.sectors} lĩnh vực."
        )
