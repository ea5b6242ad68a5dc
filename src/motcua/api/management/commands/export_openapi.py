import json

from django.core.management.base import BaseCommand

from motcua.api.api import api


class Command(BaseCommand):
    help = "Print the OpenAPI schema of /api/v1 (committed as src/motcua/api/openapi.json)."

    def handle(self, *args: object, **options: object) -> None:
        schema = api.get_openapi_schema(path_prefix="/api/v1")
        self.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True))
