from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ExchangeConfig(AppConfig):
    name = "motcua.exchange"
    label = "exchange"
    verbose_name = "Chia sẻ dữ liệu"

    def ready(self) -> None:
        post_migrate.connect(_sync_services, sender=self)
        from motcua.identity import relations

        from . import needs  # registers the system check of declared needs

        # Identity, a layer below, reads the registries through us and declares what it reads.
        relations.connect_reader(_read_for_identity)
        needs.declare(relations.declared_needs)


def _read_for_identity(
    consumer: str, service: str, purpose: str, subject: str, requester: str
) -> dict[str, Any] | None:
    from .errors import SubjectNotFound
    from .services import call

    try:
        return call(consumer, service, purpose, subject, requester=requester).data
    except SubjectNotFound:
        return None


def _sync_services(**kwargs: object) -> None:
    from . import services

    services.sync_services(using=str(kwargs.get("using", "default")))
