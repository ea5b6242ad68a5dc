from django.apps import AppConfig


class EformsConfig(AppConfig):
    name = "motcua.eforms"
    verbose_name = "Biểu mẫu điện tử"
