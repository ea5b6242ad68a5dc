"""The civil status registry's data services and quality rules."""

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

from .models import CivilEvent

_FIELDS = (
    "kind",
    "registration_no",
    "commune_code",
    "registered_on",
    "event_date",
    "subject_id",
    "other_party_id",
    "father_id",
    "mother_id",
)


def fetch_events(subject: str) -> dict[str, Any] | None:
    rows = list(
        CivilEvent.objects.filter(Q(subject_id=subject) | Q(other_party_id=subject))
        .order_by("registered_on", "pk")
        .values(*_FIELDS, "version")
    )
    if not rows:
        return None
    for row in rows:
        for key in ("registered_on", "event_date"):
            row[key] = row[key].isoformat() if row[key] else None
    return {"personal_id": subject, "events": rows}


def _failing() -> dict[str, Q]:
    earlier_copy = Exists(
        CivilEvent.objects.filter(
            kind=OuterRef("kind"),
            subject_id=OuterRef("subject_id"),
            pk__lt=OuterRef("pk"),
        ).exclude(kind=CivilEvent.Kind.MARRIAGE)
    )
    return {
        "correct": rules.unknown_commune("commune_code")
        | rules.not_matching("subject_id", r"^[0-9]{12}$"),
        "sufficient": rules.blank("registration_no", "subject_id", "commune_code")
        | rules.blank_nullable("event_date"),
        "clean": Q(earlier_copy),
        "alive": rules.stale(),
        "unified": ~Q(Exists(Person.objects.filter(personal_id=OuterRef("subject_id")))),
    }


def fetch_wards(subject: str) -> dict[str, Any] | None:
    """The people whose guardianship registration names `subject` as the guardian."""

    ward_ids = list(
        CivilEvent.objects.filter(kind=CivilEvent.Kind.GUARDIANSHIP, other_party_id=subject)
        .order_by("registered_on", "pk")
        .values_list("subject_id", flat=True)
    )
    people: dict[str, dict[str, Any]] = {
        p["personal_id"]: dict(p)
        for p in Person.objects.filter(personal_id__in=ward_ids).values(
            "personal_id", "full_name", "birth_date", "status"
        )
    }
    wards = []
    for pid in ward_ids:
        person = people.get(pid, {})
        birth = person.get("birth_date")
        wards.append(
            {
                "personal_id": pid,
                "full_name": person.get("full_name", ""),
                "birth_date": birth.isoformat() if birth else None,
                "status": person.get("status", ""),
            }
        )
    return {"personal_id": subject, "wards": wards}


MODULE = register(
    RegistryModule(
        id="civil_status",
        name=NATIONAL_DATABASES["civil_status"],
        name_en="Electronic civil status database",
        services=(
            DataServiceSpec(
                "civil_status.person.events",
                "Sự kiện hộ tịch của công dân (khai sinh, kết hôn, khai tử)",
                sensitive=False,
                attributes=_FIELDS,
                fetch=fetch_events,
            ),
            DataServiceSpec(
                "civil_status.guardianship.wards",
                "Người được giám hộ của một người giám hộ (theo đăng ký giám hộ)",
                sensitive=False,
                attributes=("subject_id", "other_party_id"),
                fetch=fetch_wards,
            ),
        ),
        tables=(RecordRules(CivilEvent, _failing),),
        attributes=_FIELDS,
    )
)
