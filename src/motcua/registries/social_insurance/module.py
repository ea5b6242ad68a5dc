"""The social insurance registry's data services and quality rules."""

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

from .models import Participation

_FIELDS = ("insurance_no", "kind", "employer_code", "started_on", "ended_on")


def fetch_participation(subject: str) -> dict[str, Any] | None:
    rows = list(
        Participation.objects.filter(personal_id=subject)
        .order_by("started_on")
        .values(*_FIELDS, "version")
    )
    if not rows:
        return None
    for row in rows:
        row["started_on"] = row["started_on"].isoformat()
        row["ended_on"] = row["ended_on"].isoformat() if row["ended_on"] else None
    return {"personal_id": subject, "participations": rows}


def _failing() -> dict[str, Q]:
    earlier_open = Exists(
        Participation.objects.filter(
            personal_id=OuterRef("personal_id"), ended_on__isnull=True, pk__lt=OuterRef("pk")
        )
    )
    return {
        "correct": rules.not_matching("insurance_no", r"^[0-9]{10}$")
        | rules.not_matching("personal_id", r"^[0-9]{12}$"),
        "sufficient": rules.blank("insurance_no", "personal_id", "kind"),
        "clean": Q(ended_on__isnull=True) & Q(earlier_open),
        "alive": rules.stale()
        | (
            Q(ended_on__isnull=True)
            & Q(
                Exists(
                    Person.objects.filter(
                        personal_id=OuterRef("personal_id"), status=Person.Status.DEAD
                    )
                )
            )
        ),
        "unified": ~Q(Exists(Person.objects.filter(personal_id=OuterRef("personal_id")))),
    }


MODULE = register(
    RegistryModule(
        id="social_insurance",
        name=NATIONAL_DATABASES["social_insurance"],
        name_en="Social insurance database",
        services=(
            DataServiceSpec(
                "social_insurance.person.participation",
                "Quá trình tham gia bảo hiểm xã hội",
                sensitive=True,
                attributes=_FIELDS,
                fetch=fetch_participation,
            ),
        ),
        tables=(RecordRules(Participation, _failing),),
        attributes=(*_FIELDS, "personal_id"),
    )
)
