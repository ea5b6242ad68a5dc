from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "motcua.workflow"
    verbose_name = "Quy trình xử lý"

    def ready(self) -> None:
        # Tasks are opened and closed inside the dossier's own transaction.
        from motcua.dossiers import services as dossiers
        from motcua.dossiers.signals import dossier_event

        from .services import clock_rule, on_dossier_event

        dossier_event.connect(on_dossier_event, dispatch_uid="workflow.on_dossier_event")
        dossiers.on_clock_rule(clock_rule)  # the "restart" rule (README.md)
