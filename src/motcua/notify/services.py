"""The transactional outbox: other apps enqueue events inside their own transaction; the
events become visible to dispatchers only when that transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from motcua.core.errors import InvalidInput

from .models import OutboxEvent


def enqueue(topic: str, key: str, payload: dict[str, Any]) -> OutboxEvent:
    """Add an event once per `key` (a second call with the same key returns the first)."""
    if not topic or not key or len(key) > 200:
        raise InvalidInput("Sự kiện cần chủ đề và khóa hợp lệ.")
    try:
        with transaction.atomic():
            return OutboxEvent.objects.create(topic=topic, key=key, payload=payload)
    except IntegrityError:
        return OutboxEvent.objects.get(key=key)


def pending(limit: int = 100) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(dispatched_at__isnull=True)[:limit])
