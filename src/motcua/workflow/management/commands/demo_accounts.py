from django.core.management.base import BaseCommand, CommandParser

from motcua.workflow import demo


class Command(BaseCommand):
    help = "In danh sách công dân, tổ chức và cán bộ demo với số định danh, vai trò, đơn vị."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--show-passwords", action="store_true", help="in cả mật khẩu (chỉ môi trường demo)"
        )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(demo.accounts_table(show_passwords=bool(options["show_passwords"])))
