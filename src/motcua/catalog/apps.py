from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CatalogConfig(AppConfig):
    name = "motcua.catalog"
    label = "catalog"
    verbose_name = "Thủ tục hành chính"

    def ready(self) -> None:
        from . import models, selectors

        for model in (models.Procedure, models.ProcedureVersion, models.Sector):
            for signal in (post_save, post_delete):
                signal.connect(selectors.forget_versions, sender=model, dispatch_uid="catalog")
