from django.core.management.base import BaseCommand

from motcua.units import services


class Command(BaseCommand):
    help = "Load the 34 provinces and 3,321 communes and generate their agencies (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        provinces, communes = services.load_units()
        agencies = services.generate_agencies()
        self.stdout.write(
            f"{provinces} tỉnh/thành, {communes} xã/phường/đặc khu, {agencies} cơ quan."
        )
