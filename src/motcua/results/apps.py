from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "motcua.results"
    verbose_name = "Kết quả điện tử"
