"""What the monitoring job reads of the dossiers and results apps: their append-only rows
(history, ratings) after a high-water mark, and the facts of the dossiers they name that do
not change once the event happened. Read-only; the only module of this app that touches
another app's tables, so the dossier transactions carry no monitoring work at all."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Min

from motcua.catalog import selectors as catalog
from motcua.core.errors import NotFound
from motcua.dossiers.models import (
    ComponentRecord,
    Digitization,
    Dossier,
    DossierEvent,
    DossierFile,
    Rating,
)
from motcua.results.models import ResultDocument

EVENT_FIELDS = ("id", "dossier_id", "seq", "action", "from_status", "to_status", "actor", "at")
DOSSIER_FIELDS = (
    "id",
    "code",
    "receiving_unit",
    "procedure_code",
    "procedure_version",
    "channel",
    "fee_amount",
    "submitted_at",
    "due_date",
)
ANSWERS = ("received", "refused", "supplement_requested")


def events_after(last_id: int, limit: int) -> list[dict[str, Any]]:
    rows = DossierEvent.objects.filter(id__gt=last_id).order_by("id").values(*EVENT_FIELDS)
    return list(rows[:limit])


def ratings_after(last_id: int, limit: int) -> list[dict[str, Any]]:
    rows = Rating.objects.filter(id__gt=last_id).order_by("id")
    fields = ("id", "dossier_id", "score", "rated_at")
    return [dict(row) for row in rows.values(*fields)[:limit]]


def dossiers(ids: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    return {
        row["id"]: row for row in Dossier.objects.filter(id__in=set(ids)).values(*DOSSIER_FIELDS)
    }


def first_answers(ids: Iterable[Any]) -> dict[Any, int]:
    """The seq of each dossier's first answer by the office after a submission."""
    rows = (
        DossierEvent.objects.filter(
            dossier_id__in=set(ids), action__in=ANSWERS, from_status="submitted"
        )
        .values("dossier_id")
        .annotate(first=Min("seq"))
    )
    return {row["dossier_id"]: row["first"] for row in rows}


def components(ids: Iterable[Any]) -> tuple[dict[Any, int], dict[Any, list[tuple[int, Any]]]]:
    """Per dossier: registry records, and (component position, uploaded at) of its files
    uploaded with the application (not in answer to a supplement request)."""
    wanted = set(ids)
    records: dict[Any, int] = defaultdict(int)
    for dossier_id in ComponentRecord.objects.filter(dossier_id__in=wanted).values_list(
        "dossier_id", flat=True
    ):
        records[dossier_id] += 1
    files: dict[Any, list[tuple[int, Any]]] = defaultdict(list)
    for dossier_id, position, at in DossierFile.objects.filter(
        dossier_id__in=wanted, supplement__isnull=True
    ).values_list("dossier_id", "component_position", "uploaded_at"):
        files[dossier_id].append((position, at))
    return records, files


def first_digitizations(ids: Iterable[Any]) -> dict[Any, dt.datetime]:
    """When the first component of each dossier was digitized at the counter (the counter
    intake's `Digitization` records of kind `component`)."""
    rows = (
        Digitization.objects.filter(dossier_id__in=set(ids), kind=Digitization.Kind.COMPONENT)
        .values("dossier_id")
        .annotate(first=Min("digitized_at"))
    )
    return {row["dossier_id"]: row["first"] for row in rows}


def first_results(codes: Iterable[str]) -> dict[str, dt.datetime]:
    """When each dossier's first electronic result was issued."""
    rows = (
        ResultDocument.objects.filter(dossier_code__in=set(codes))
        .values("dossier_code")
        .annotate(first=Min("issued_at"))
    )
    return {row["dossier_code"]: row["first"] for row in rows}


def version_facts(code: str, version: int) -> tuple[str, str]:
    """(sector code, online level) of a procedure version (catalog's per-process cache)."""
    try:
        found = catalog.version_of(code, version)
    except NotFound:
        return ("", "")
    return (str(found.sector.code), str(found.online_level))
