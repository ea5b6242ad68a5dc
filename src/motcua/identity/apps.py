from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "motcua.identity"
    label = "identity"
    verbose_name = "Định danh điện tử"

    def ready(self) -> None:
        # What identity reads, for the exchange's check against the owners' grants.
        from motcua.exchange import needs

        from . import signals  # noqa: F401
        from .relations import CONSUMER, SERVICES

        needs.declare(
            lambda: (
                (CONSUMER, service, purpose)
                for service, purposes in SERVICES.items()
                for purpose in purposes
            )
        )
