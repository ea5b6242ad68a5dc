from django.core.management import call_command
from django.core.management.base import BaseCommand

from motcua.workflow import demo


class Command(BaseCommand):
    help = "Nạp quy trình demo và cán bộ demo (gọi từ load_demo)."

    def handle(self, *args: object, **options: object) -> None:
        call_command("import_processes", str(demo.DEMO_PROCESSES), stdout=self.stdout)
        path, created = demo.ensure_demo_officials()
        self.stdout.write(
            f"Cán bộ demo: {created} người mới; mật khẩu tại {path}. "
            "Xem danh sách: manage.py demo_accounts"
        )
