from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "motcua.identity"
    label = "identity"
    verbose_name = "Định danh điện tử"

    def ready(self) -> None:
        from . import signals  # noqa: F401
