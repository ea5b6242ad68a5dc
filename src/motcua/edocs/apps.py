from django.apps import AppConfig


class EdocsConfig(AppConfig):
    name = "motcua.edocs"
    verbose_name = "Văn bản điện tử liên thông"
