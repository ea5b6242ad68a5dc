from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.errors import DomainError
from motcua.exchange import services


class Command(BaseCommand):
    help = (
        "Nạp tệp khai báo quyền khai thác của các cơ quan chủ quản (mặc định exchange/grants.toml)."
        " Load the data owners' declared grants file; a version is applied once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.load_grants(options["path"], actor="system:exchange_load_grants")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if result.applied:
            self.stdout.write(
                f"Quyền khai thác phiên bản {result.version}: tạo {result.created}, "
                f"thu hồi {result.revoked}."
            )
        else:
            self.stdout.write(f"Quyền khai thác phiên bản {result.version} đã được nạp.")
