from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ExchangeConfig(AppConfig):
    name = "motcua.exchange"
    label = "exchange"
    verbose_name = "Chia sẻ dữ liệu"

    def ready(self) -> None:
        post_migrate.connect(_sync_services, sender=self)
        from . import needs  # noqa: F401 - registers the system check of declared needs


def _sync_services(**kwargs: object) -> None:
    from . import services

    services.sync_services(using=str(kwargs.get("using", "default")))
