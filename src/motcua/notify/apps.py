from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "motcua.notify"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the dossier handler
