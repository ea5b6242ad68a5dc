"""Read queries of the exchange: what a person can see about reads of their data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Consent, Consumer, DataService, Grant, MessageLogEntry


def access_history(personal_id: str, limit: int = 50, offset: int = 0) -> tuple[int, list[Any]]:
    """Who read what about this person, when and why: newest first, from the message log."""
    qs = MessageLogEntry.objects.filter(subject=personal_id).order_by("-occurred_at", "-id")
    fields = ("occurred_at", "consumer", "service", "purpose", "outcome")
    rows: list[dict[str, Any]] = [dict(r) for r in qs.values(*fields)[offset : offset + limit]]
    names = dict(
        Consumer.objects.filter(code__in={r["consumer"] for r in rows}).values_list("code", "name")
    )
    for row in rows:
        row["consumer_name"] = names.get(row["consumer"], row["consumer"])
    return qs.count(), rows


def consents_of(personal_id: str) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(personal_id=personal_id)
        .select_related("consumer", "service")
        .order_by("-granted_at")
    )


def has_grant(consumer: str, service: str) -> bool:
    """Whether `consumer` holds a live (not revoked) grant for `service`."""
    return Grant.objects.filter(
        consumer__code=consumer, service__code=service, revoked_at__isnull=True
    ).exists()


def service_names(codes: list[str]) -> dict[str, str]:
    """The names of data services by code (what a person is asked to consent to)."""
    return dict(DataService.objects.filter(code__in=codes).values_list("code", "name"))
