"""Read queries on administrative units for views, the API and other apps."""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from motcua.core.errors import NotFound
from motcua.core.text import fold

from .models import Agency, Commune, Province

_DIVISION_PREFIX = re.compile(r"^(thanh pho|tinh|xa|phuong|dac khu) ")


def provinces() -> QuerySet[Province]:
    return Province.objects.all()


def get_province(code: str) -> Province:
    if not (len(code) == 2 and code.isdigit()):
        raise NotFound(f"Không có tỉnh, thành phố mã {code}.")
    try:
        return Province.objects.get(code=code)
    except Province.DoesNotExist:
        raise NotFound(f"Không có tỉnh, thành phố mã {code}.") from None


def communes_of(province_code: str) -> QuerySet[Commune]:
    province = get_province(province_code)
    return Commune.objects.filter(province=province)


def search_units(query: str, limit: int = 20) -> list[Province | Commune]:
    """The `limit` best units of `ranked_units(query)`."""
    return ranked_units(query)[:limit]


def ranked_units(query: str) -> list[Province | Commune]:
    """Every province and commune whose name contains every word of `query`, ignoring case
    and diacritics; exact and prefix matches first (at most the 3,355 units: ranked here)."""
    words = fold(query).split()
    if not words:
        return []
    phrase = " ".join(words)
    province_qs = Province.objects.all()
    commune_qs = Commune.objects.select_related("province")
    for word in words:
        province_qs = province_qs.filter(name_folded__contains=word)
        commune_qs = commune_qs.filter(name_folded__contains=word)
    found: list[Province | Commune] = [*province_qs, *commune_qs]

    def rank(unit: Province | Commune) -> tuple[int, int, str]:
        name = unit.name_folded
        bare = _DIVISION_PREFIX.sub("", name)
        if phrase in (name, bare):
            score = 0
        elif bare.startswith(phrase) or name.startswith(phrase):
            score = 1
        elif f" {phrase}" in f" {name}":
            score = 2
        else:
            score = 3
        return (score, len(name), unit.code)

    return sorted(found, key=rank)


def agencies_of(province_code: str, commune_code: str | None = None) -> QuerySet[Agency]:
    qs = Agency.objects.filter(province_id=province_code)
    return qs.filter(commune_id=commune_code) if commune_code else qs.filter(commune__isnull=True)


def get_agency(code: str) -> Agency:
    try:
        return Agency.objects.select_related("province", "commune").get(code=code)
    except Agency.DoesNotExist:
        raise NotFound(f"Không có cơ quan, đơn vị mã {code}.") from None


def agency_name(code: str) -> str:
    """The agency's name, or its code when no agency has that code (texts for people)."""
    try:
        return str(get_agency(code).name)
    except NotFound:
        return code


def service_centres(province_code: str, commune_code: str | None = None) -> QuerySet[Agency]:
    """Public Administration Service Centers of a province (commune_code None: the province's
    own) or of one commune."""
    return agencies_of(province_code, commune_code).filter(is_service_center=True)


def receiving_centres(
    levels: set[str],
    *,
    province_code: str | None = None,
    commune_code: str | None = None,
    q: str = "",
    near_commune: Commune | None = None,
) -> QuerySet[Agency]:
    """Service centres at `levels` (`commune`, `province`) that may receive a dossier: in a
    province, of a commune, whose unit's name holds every word of `q` (diacritics ignored);
    the centres of `near_commune` and of its province first, then by code."""
    qs = Agency.objects.filter(is_service_center=True, level__in=levels).select_related(
        "province", "commune"
    )
    if province_code:
        qs = qs.filter(province_id=province_code)
    if commune_code:
        qs = qs.filter(commune_id=commune_code)
    for word in fold(q).split():
        qs = qs.filter(
            Q(commune__name_folded__contains=word)
            | Q(commune__isnull=True, province__name_folded__contains=word)
        )
    if near_commune is None:
        return qs.order_by("code")
    rank = Case(
        When(commune_id=near_commune.code, then=Value(0)),
        When(commune__isnull=True, province_id=near_commune.province_id, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(near=rank).order_by("near", "code")


def get_commune(code: str) -> Commune:
    try:
        return Commune.objects.select_related("province").get(code=code)
    except Commune.DoesNotExist:
        raise NotFound(f"Không có xã, phường mã {code}.") from None
