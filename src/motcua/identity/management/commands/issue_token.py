"""Print a bearer access token for a demo subject; refused under production settings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core.errors import DomainError
from motcua.identity import services


class Command(BaseCommand):
    help = (
        "In ra một access token cho chủ thể demo (chỉ môi trường phát triển/kiểm thử). "
        "Print a bearer token for a demo subject (development and test only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subject", help="số định danh cá nhân / mã số doanh nghiệp")
        parser.add_argument("--acr", type=int, choices=[1, 2], default=None)
        parser.add_argument(
            "--scope",
            action="append",
            default=None,
            help="phạm vi (lặp lại hoặc cách nhau bởi dấu cách); mặc định: openid profile",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not services.dev_tools_enabled():
            raise CommandError(
                "issue_token chỉ chạy với cấu hình phát triển hoặc kiểm thử "
                "(MOTCUA_ENV = development/test); refused under production settings."
            )
        scopes = [
            s
            for item in (
                options["scope"]
                or ["openid profile dossiers wallet inbox consents mandates exchange.history"]
            )
            for s in item.split()
        ]
        try:
            issued = services.issue_token(options["subject"], level=options["acr"], scopes=scopes)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(issued.token)
        self.stderr.write(
            f"acr=urn:motcua:loa:{issued.level} scope={issued.scope} "
            f"expires={issued.expires.isoformat()}"
        )
