"""Read queries on the catalog: search with ranking, browse by sector and level, lookups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.text import fold

from .models import Component, ProcedureVersion, Sector
from .schema import CODE_RE, SECTOR_CODE_RE

LEVELS = ("central", "province", "commune")
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[ProcedureVersion]


def _published_rows() -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(status=ProcedureVersion.Status.PUBLISHED)


def published() -> QuerySet[ProcedureVersion]:
    return _published_rows().select_related("procedure", "sector")


def sectors() -> QuerySet[Sector]:
    return Sector.objects.all()


def get_sector(code: str) -> Sector:
    if not SECTOR_CODE_RE.match(code):
        raise InvalidInput(f"Lĩnh vực '{code}' không tồn tại.", param="sector")
    try:
        return Sector.objects.get(code=code)
    except Sector.DoesNotExist:
        raise InvalidInput(f"Lĩnh vực '{code}' không tồn tại.", param="sector") from None


def get_published(code: str) -> ProcedureVersion:
    """The current version of procedure `code`, with its components."""
    if not CODE_RE.match(code):
        raise NotFound(f"Không có thủ tục mã {code}.")
    try:
        return (
            published()
            .prefetch_related(
                Prefetch("components", queryset=Component.objects.order_by("position"))
            )
            .get(procedure__code=code)
        )
    except ProcedureVersion.DoesNotExist:
        raise NotFound(f"Không có thủ tục mã {code}.") from None


def facts(code: str) -> tuple[int, str] | None:
    """(processing days, sector code) of the current version: one small query, for hot
    paths that need no components."""
    row = (
        _published_rows()
        .filter(procedure__code=code)
        .values_list("processing_days", "sector__code")
        .first()
    )
    return (int(row[0]), str(row[1])) if row else None


def search(
    q: str = "",
    sector: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Published procedures matching every word of `q` (case and diacritics ignored), in
    `sector` and at `level`; the best match first, then by code."""
    if level and level not in LEVELS:
        raise InvalidInput(
            f"Cấp thực hiện '{level}' không hợp lệ; chọn một trong: {', '.join(LEVELS)}.",
            param="level",
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit phải từ 1 đến {MAX_LIMIT}.", param="limit")
    if offset < 0:
        raise InvalidInput("offset không được âm.", param="offset")
    if len(q) > 200:
        raise InvalidInput("Từ khóa tìm kiếm quá dài (tối đa 200 ký tự).", param="q")
    qs = _published_rows()
    if sector:
        qs = qs.filter(sector=get_sector(sector))
    if level:
        qs = qs.filter(**{f"at_{level}": True})
    words = fold(q).split()
    if not words:
        qs = qs.select_related("procedure", "sector").order_by("procedure__code")
        return SearchPage(total=qs.count(), items=list(qs[offset : offset + limit]))
    for word in words:
        qs = qs.filter(search_text__contains=word)
    qs = qs.annotate(
        rank=_rank(q.strip(), " ".join(words), words), name_length=Length("name_folded")
    )
    ranked = qs.select_related("procedure", "sector").order_by(
        "rank", "name_length", "procedure__code"
    )
    return SearchPage(total=qs.count(), items=list(ranked[offset : offset + limit]))


def _rank(raw: str, phrase: str, words: list[str]) -> Case:
    """0 exact code, 1 exact name, 2 name starts with the phrase, 3 the phrase stands in the
    name, 4 every word is in the name, 5 the words are elsewhere (code, sector, English)."""
    all_words_in_name = Q()
    for word in words:
        all_words_in_name &= Q(name_folded__contains=word)
    return Case(
        When(procedure__code=raw, then=Value(0)),
        When(name_folded=phrase, then=Value(1)),
        When(name_folded__startswith=f"{phrase} ", then=Value(2)),
        When(
            Q(name_folded__contains=f" {phrase} ") | Q(name_folded__endswith=f" {phrase}"),
            then=Value(3),
        ),
        When(all_words_in_name, then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )
