"""The enterprise registry's data services and quality rules."""

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

from .models import Enterprise, LegalRepresentative

ENTERPRISE_CODE_PATTERN = r"^[0-9]{10}([0-9]{3})?$"
_FIELDS = (
    "code",
    "name",
    "kind",
    "registered_commune_code",
    "registered_address",
    "founded_on",
    "status",
)


def fetch_by_code(subject: str) -> dict[str, Any] | None:
    row = Enterprise.objects.filter(code=subject).values("pk", *_FIELDS, "version").first()
    if row is None:
        return None
    pk = row.pop("pk")
    row["founded_on"] = row["founded_on"].isoformat() if row["founded_on"] else None
    row["legal_representatives"] = list(
        LegalRepresentative.objects.filter(enterprise_id=pk).values("full_name", "title")
    )
    return row


def fetch_by_representative(subject: str) -> dict[str, Any] | None:
    """The enterprises a person (by personal ID) is a legal representative of."""
    rows = (
        LegalRepresentative.objects.filter(personal_id=subject)
        .order_by("enterprise__code")
        .values("enterprise__code", "enterprise__name", "enterprise__status", "title")
    )
    return {
        "personal_id": subject,
        "enterprises": [
            {
                "code": r["enterprise__code"],
                "name": r["enterprise__name"],
                "status": r["enterprise__status"],
                "title": r["title"],
            }
            for r in rows
        ],
    }


def _failing() -> dict[str, Q]:
    earlier_copy = Exists(
        Enterprise.objects.filter(
            name=OuterRef("name"),
            registered_address=OuterRef("registered_address"),
            pk__lt=OuterRef("pk"),
        )
    )
    representative_unknown = Exists(
        LegalRepresentative.objects.filter(enterprise=OuterRef("pk")).exclude(
            Exists(
                Person.objects.filter(
                    personal_id=OuterRef("personal_id"), full_name=OuterRef("full_name")
                )
            )
        )
    )
    return {
        "correct": rules.not_matching("code", ENTERPRISE_CODE_PATTERN)
        | rules.unknown_commune("registered_commune_code"),
        "sufficient": rules.blank("name", "kind", "registered_commune_code", "registered_address")
        | rules.blank_nullable("founded_on"),
        "clean": Q(earlier_copy),
        "alive": rules.stale(),
        "unified": Q(representative_unknown),
    }


MODULE = register(
    RegistryModule(
        id="enterprise",
        name=NATIONAL_DATABASES["enterprise"],
        name_en="National business registration database",
        services=(
            DataServiceSpec(
                "enterprise.by_code",
                "Thông tin đăng ký doanh nghiệp theo mã số",
                sensitive=False,
                attributes=(*_FIELDS, "legal_representatives"),
                fetch=fetch_by_code,
                subject="enterprise_code",
            ),
            DataServiceSpec(
                "enterprise.by_representative",
                "Doanh nghiệp mà công dân là người đại diện theo pháp luật",
                sensitive=False,
                attributes=("code", "name", "status", "legal_representatives.personal_id"),
                fetch=fetch_by_representative,
            ),
        ),
        tables=(RecordRules(Enterprise, _failing),),
        attributes=(*_FIELDS, "legal_representatives", "legal_representatives.personal_id"),
    )
)
