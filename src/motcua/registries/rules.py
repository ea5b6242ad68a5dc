"""Building blocks of the data-quality rules, as SQL conditions (Q objects)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from motcua.units.models import Commune


def freshness_cutoff() -> dt.datetime:
    days = getattr(settings, "REGISTRY_FRESHNESS_DAYS", 3 * 365)
    return timezone.now() - dt.timedelta(days=days)


def stale() -> Q:
    """Not updated within the freshness window (rule `alive`)."""
    return Q(updated_at__lt=freshness_cutoff())


def unknown_commune(field: str, optional: bool = False) -> Q:
    """The commune code in `field` is not one of the 3,321 real communes (rule `correct`)."""
    missing = ~Q(Exists(Commune.objects.filter(code=OuterRef(field))))
    if optional:
        return ~Q(**{field: ""}) & missing
    return missing


def blank(*fields: str) -> Q:
    """Any of `fields` empty or null (rule `sufficient`)."""
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__isnull": True}) | Q(**{name: ""})
    return condition


def blank_nullable(*fields: str) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__isnull": True})
    return condition


def not_matching(field: str, pattern: str) -> Q:
    return ~Q(**{f"{field}__regex": pattern})
