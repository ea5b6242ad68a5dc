from django.contrib import admin
from django.http import HttpRequest

from .models import AuditAnchor, AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "seq",
        "occurred_at",
        "actor",
        "acting_for",
        "action",
        "target_type",
        "target_id",
        "purpose",
    ]
    list_filter = ["action", "target_type"]
    search_fields = ["actor", "target_id", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditAnchor)
class AuditAnchorAdmin(admin.ModelAdmin):
    list_display = ["created_at", "heads", "key_id", "hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
