"""Reads of payments other apps and pages may use."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Payment


def payments_for(reference: str) -> QuerySet[Payment]:
    """Every payment for a dossier code, newest first."""
    return Payment.objects.filter(reference=reference).order_by("-created_at", "-pk")
