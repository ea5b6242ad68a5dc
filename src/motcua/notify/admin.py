"""Administrators look at the outbox and the deliveries, and put dead letters back in the
queue; nothing is edited by hand (the dispatcher owns every state change)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import DeadLetter, Delivery, NotificationAddress, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.action(description="Gửi lại các mục đã chọn", permissions=["retry"])
def retry_deliveries(admin_: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = services.retry_deliveries(
        queryset.values_list("pk", flat=True), actor=request.user.get_username()
    )
    admin_.message_user(
        request, f"Đã đưa {count} thông báo vào hàng đợi gửi lại.", messages.SUCCESS
    )


@admin.action(description="Xử lý lại các sự kiện lỗi đã chọn", permissions=["retry"])
def retry_events(admin_: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = services.retry_events(
        queryset.values_list("pk", flat=True), actor=request.user.get_username()
    )
    admin_.message_user(
        request, f"Đã đưa {count} sự kiện vào hàng đợi xử lý lại.", messages.SUCCESS
    )


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "topic", "key", "created_at", "dispatched_at", "attempts", "dead_at")
    list_filter = ("topic", ("dispatched_at", admin.EmptyFieldListFilter), "dead_at")
    search_fields = ("key", "topic")
    actions = (retry_events,)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notify.change_outboxevent")


class RetryDeliveries(ReadOnlyAdmin):
    actions = (retry_deliveries,)
    list_select_related = ("event",)
    search_fields = ("recipient", "subject_id", "event__key")

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notify.change_delivery")


@admin.register(Delivery)
class DeliveryAdmin(RetryDeliveries):
    list_display = (
        "id",
        "event",
        "channel",
        "recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("state", "channel")


@admin.register(DeadLetter)
class DeadLetterAdmin(RetryDeliveries):
    """The dead-letter list: deliveries that ran out of attempts, with the last error."""

    list_display = ("id", "event", "channel", "recipient", "attempts", "last_error", "created_at")
    list_filter = ("channel",)


@admin.register(NotificationAddress)
class NotificationAddressAdmin(ReadOnlyAdmin):
    list_display = ("personal_id", "email", "email_verified", "phone", "phone_verified")
    search_fields = ("personal_id",)
