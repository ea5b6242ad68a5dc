"""What the monitoring job reads of other apps: the names of the dossiers' and results'
tables its counting SQL reads (`counting.py`, read-only: the append-only history and
ratings, and the facts of the dossiers they name that do not change once the event
happened), and a procedure version's facts from the catalog. The only module of this app
that knows another app's tables, so the dossier transactions carry no monitoring work."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

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

ANSWERS = ("received", "refused", "supplement_requested")
SCANNED_COMPONENT = Digitization.Kind.COMPONENT.value


@dataclass(frozen=True)
class Tables:
    """Quoted table names, for SQL."""

    events: str
    ratings: str
    dossiers: str
    records: str
    scans: str
    files: str
    results: str


def tables() -> Tables:
    def name(model: type) -> str:
        return str(connection.ops.quote_name(model._meta.db_table))  # type: ignore[attr-defined]

    return Tables(
        events=name(DossierEvent),
        ratings=name(Rating),
        dossiers=name(Dossier),
        records=name(ComponentRecord),
        scans=name(Digitization),
        files=name(DossierFile),
        results=name(ResultDocument),
    )


def version_facts(code: str, version: int) -> tuple[str, str]:
    """(sector code, online level) of a procedure version (catalog's per-process cache)."""
    try:
        found = catalog.version_of(code, version)
    except NotFound:
        return ("", "")
    return (str(found.sector.code), str(found.online_level))
