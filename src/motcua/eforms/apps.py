from typing import Any

from django.apps import AppConfig


class EformsConfig(AppConfig):
    name = "motcua.eforms"
    verbose_name = "Biểu mẫu điện tử"

    def ready(self) -> None:
        # What the stored forms read, for the exchange's check against the owners' grants.
        from motcua.exchange import needs

        needs.declare(_needs)


def _needs() -> Any:
    from . import services

    for service, purposes in services.needed_grants().items():
        for purpose in purposes:
            yield (services.CONSUMER, service, purpose)
