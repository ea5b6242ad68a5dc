"""The judicial records registry's data services and quality rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from motcua.registries import rules
from motcua.registries.modules import (
    NATIONAL_DATABASES,
    DataServiceSpec,
    RecordRules,
    RegistryModule,
    register,
)
from motcua.registries.population.models import Person

from .models import JudicialRecord


def fetch_conviction(subject: str) -> dict[str, Any] | None:
    """Every known person has an answer: no row means no conviction on record."""
    if not Person.objects.filter(personal_id=subject).exists():
        return None
    row = JudicialRecord.objects.filter(personal_id=subject).values("has_conviction").first()
    return {"personal_id": subject, "has_conviction": bool(row and row["has_conviction"])}


def _failing() -> dict[str, Q]:
    return {
        "correct": rules.not_matching("personal_id", r"^[0-9]{12}$"),
        "sufficient": rules.blank("personal_id"),
        "clean": Q(pk__in=[]),  # personal_id is unique: no duplicates possible
        "alive": rules.stale(),
        "unified": ~Q(Exists(Person.objects.filter(personal_id=OuterRef("personal_id")))),
    }


MODULE = register(
    RegistryModule(
        id="judicial_records",
        name=NATIONAL_DATABASES["judicial_records"],
        name_en="Judicial records database",
        services=(
            DataServiceSpec(
                "judicial_records.person.conviction",
                "Tình trạng án tích (chỉ có/không)",
                sensitive=True,
                attributes=("personal_id", "has_conviction"),
                fetch=fetch_conviction,
            ),
        ),
        tables=(RecordRules(JudicialRecord, _failing),),
        attributes=("personal_id", "has_conviction"),
    )
)
