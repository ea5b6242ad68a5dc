from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    verbose_name = "Hồ sơ"

    def ready(self) -> None:
        # A paid fee moves its dossier on, inside the payment's own transaction.
        from motcua.payments import services as payments

        def _paid(payment: object) -> None:
            from . import services

            services.mark_paid(
                str(payment.reference),  # type: ignore[attr-defined]
                actor="system:payments",
                receipt_number=str(payment.receipt_number),  # type: ignore[attr-defined]
            )

        payments.on_paid(_paid)

        # Integrated services: a submitted bundle opens its members; members' events move it.
        from . import bundles
        from .signals import dossier_event

        dossier_event.connect(bundles.on_dossier_event, dispatch_uid="dossiers.bundles")

        # What dossiers, bundles and the counter read and write, for the exchange's check.
        from motcua.exchange import needs

        needs.declare(bundles.exchange_needs)
