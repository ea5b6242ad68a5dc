"""Building blocks of the data-quality rules, as SQL conditions (Q objects)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Cast, ExtractYear, Right, Substr
from django.db.models.lookups import Exact
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


def personal_id_disagrees(field: str, birth_date: str, sex: str) -> Q:
    """The personal ID's century/sex digit (4th: 0/1 born 1900-1999 male/female, 2/3 born
    2000-2099) or its 2-digit birth year (5th-6th) disagrees with the birth date and sex.
    Records without a birth date or sex are left to rule `sufficient`."""
    year = ExtractYear(birth_date)
    digit = Substr(field, 4, 1)
    expected = Case(
        When(Q(**{f"{birth_date}__year__lt": 2000}, **{sex: "M"}), then=Value("0")),
        When(Q(**{f"{birth_date}__year__lt": 2000}, **{sex: "F"}), then=Value("1")),
        When(Q(**{f"{birth_date}__year__lt": 2100}, **{sex: "M"}), then=Value("2")),
        When(Q(**{f"{birth_date}__year__lt": 2100}, **{sex: "F"}), then=Value("3")),
        default=Value("?"),
        output_field=CharField(),
    )
    two_digits = Right(Cast(year, output_field=CharField()), 2)
    known = Q(**{f"{birth_date}__isnull": False}) & Q(**{f"{sex}__in": ["M", "F"]})
    return known & (~Q(Exact(digit, expected)) | ~Q(Exact(Substr(field, 5, 2), two_digits)))
