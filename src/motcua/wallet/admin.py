from django.contrib import admin

from .models import InboxMessage, WalletDocument


@admin.register(WalletDocument)
class WalletDocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "owner_id", "issuer_name", "issued_on", "status")
    search_fields = ("owner_id", "title")
    readonly_fields = ("sha256", "idempotency_key")


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient_id", "kind", "created_at", "read_at")
    search_fields = ("recipient_id", "title")
