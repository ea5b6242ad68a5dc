from django.core.management.base import BaseCommand, CommandError

from motcua.audit import services


class Command(BaseCommand):
    help = "Walk the audit hash chain; name the first entry changed, removed or reordered."

    def handle(self, *args: object, **options: object) -> None:
        checked, broken = services.verify()
        if broken:
            raise CommandError(
                f"Chuỗi nhật ký bị phá vỡ tại mục #{broken.seq}: {broken.reason} "
                f"(audit chain broken at entry #{broken.seq}; {checked} entries verified before it)"
            )
        self.stdout.write(f"OK: {checked} mục nhật ký hợp lệ (audit chain intact)")
