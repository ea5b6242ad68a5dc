from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Payment, PaymentCallback


class ReadOnlyAdmin(admin.ModelAdmin):
    """Payments change only through `payments.services` (audited); the admin only looks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "amount", "status", "provider", "receipt_number", "created_at")
    list_filter = ("status", "provider")
    search_fields = ("reference", "payer_id", "provider_ref", "receipt_number")


@admin.register(PaymentCallback)
class PaymentCallbackAdmin(ReadOnlyAdmin):
    list_display = ("provider", "callback_id", "payment", "outcome", "received_at")
    search_fields = ("callback_id", "payment__reference")
