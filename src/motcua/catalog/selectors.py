"""Read queries on the catalog: search with ranking, browse by sector and level, lookups."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.text import fold

from .models import Component, IntegratedMember, Procedure, ProcedureVersion, Sector
from .schema import CODE_RE, SECTOR_CODE_RE

LEVELS = ("central", "province", "commune")
KINDS = ("single", "integrated")
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
    """The current version of procedure `code`, with its components (one small query; the
    version itself comes from `version_of`'s cache)."""
    if not CODE_RE.match(code):
        raise NotFound(f"Không có thủ tục mã {code}.")
    number = (
        Procedure.objects.filter(code=code, current__isnull=False)
        .values_list("current__version", flat=True)
        .first()
    )
    if number is None:
        raise NotFound(f"Không có thủ tục mã {code}.")
    return version_of(code, number)


# Published versions are never edited (a change publishes a new one), so a version read once
# is kept for the life of the process: hot paths (submit, the workflow) read none from the
# database. Treat the cached objects as read-only. Saving a version clears the cache (tests
# rebuild catalogs with the same codes and version numbers).
_VERSIONS: dict[tuple[str, int], ProcedureVersion] = {}
_VERSIONS_MAX = 4096


def version_of(code: str, version: int) -> ProcedureVersion:
    """Version `version` of procedure `code` (published or superseded), with its sector,
    procedure and components."""
    key = (code, int(version))
    found = _VERSIONS.get(key)
    if found is not None:
        return found
    try:
        found = (
            ProcedureVersion.objects.select_related("procedure", "sector")
            .prefetch_related(
                Prefetch("components", queryset=Component.objects.order_by("position"))
            )
            .get(procedure__code=code, version=key[1])
        )
    except ProcedureVersion.DoesNotExist:
        raise NotFound(f"Không có thủ tục mã {code} phiên bản {version}.") from None
    if len(_VERSIONS) >= _VERSIONS_MAX:
        _VERSIONS.clear()
    _VERSIONS[key] = found
    return found


def forget_versions(**_: object) -> None:
    _VERSIONS.clear()


def search(
    q: str = "",
    sector: str | None = None,
    level: str | None = None,
    limit: int = 20,
    offset: int = 0,
    kind: str | None = None,
) -> SearchPage:
    """Published procedures matching every word of `q` (case and diacritics ignored), in
    `sector` and at `level`, of `kind` (single, integrated or both); the best match first,
    then by code. Integrated services come with their members."""
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
    if kind and kind not in KINDS:
        raise InvalidInput(
            f"Loại '{kind}' không hợp lệ; chọn một trong: {', '.join(KINDS)}.", param="kind"
        )
    qs = _published_rows().prefetch_related("members")
    if kind:
        qs = qs.filter(kind=kind)
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


def members_of(version: ProcedureVersion) -> list[IntegratedMember]:
    """The member procedures of an integrated service version, in order."""
    return list(IntegratedMember.objects.filter(version=version).order_by("position"))


def integrated_containing(code: str) -> list[ProcedureVersion]:
    """The published integrated services that bundle procedure `code`."""
    return list(
        published()
        .filter(kind=ProcedureVersion.Kind.INTEGRATED, members__procedure_code=code)
        .order_by("procedure__code")
    )
