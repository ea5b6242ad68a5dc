"""Reads of a subject's wallet and inbox, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import InboxMessage, WalletDocument


def documents_of(owner_id: str) -> QuerySet[WalletDocument]:
    return WalletDocument.objects.filter(owner_id=owner_id).order_by(
        "-issued_on", "-created_at", "pk"
    )


def messages_of(recipient_id: str, *, unread_only: bool = False) -> QuerySet[InboxMessage]:
    qs = InboxMessage.objects.filter(recipient_id=recipient_id)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at")


def unread_count(recipient_id: str) -> int:
    return InboxMessage.objects.filter(recipient_id=recipient_id, read_at__isnull=True).count()
