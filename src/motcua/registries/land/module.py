"""The land registry's data services and quality rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from motcua.registries import rules
from motcua.registries.enterprise.models import Enterprise
from motcua.registries.modules import (
    NATIONAL_DATABASES,
    DataServiceSpec,
    RecordRules,
    RegistryModule,
    register,
)
from motcua.registries.population.models import Person

from .models import LandCertificate, Parcel

_FIELDS = ("code", "commune_code", "map_sheet", "parcel_no", "area_m2", "land_use")


def fetch_by_owner(subject: str) -> dict[str, Any] | None:
    parcels = list(Parcel.objects.filter(owner_id=subject).values("pk", *_FIELDS, "version"))
    if not parcels:
        return None
    certificates: dict[int, list[dict[str, Any]]] = {}
    for cert in LandCertificate.objects.filter(parcel_id__in=[p["pk"] for p in parcels]).values(
        "parcel_id", "serial", "issued_on"
    ):
        certificates.setdefault(cert["parcel_id"], []).append(
            {"serial": cert["serial"], "issued_on": cert["issued_on"].isoformat()}
        )
    for parcel in parcels:
        parcel["area_m2"] = str(parcel["area_m2"])
        parcel["certificates"] = certificates.get(parcel.pop("pk"), [])
    return {"owner_id": subject, "parcels": parcels}


def _failing() -> dict[str, Q]:
    earlier_copy = Exists(
        Parcel.objects.filter(
            commune_code=OuterRef("commune_code"),
            map_sheet=OuterRef("map_sheet"),
            parcel_no=OuterRef("parcel_no"),
            pk__lt=OuterRef("pk"),
        )
    )
    owner_known = (
        Q(owner_kind=Parcel.OwnerKind.PERSON)
        & Q(Exists(Person.objects.filter(personal_id=OuterRef("owner_id"))))
    ) | (
        Q(owner_kind=Parcel.OwnerKind.ENTERPRISE)
        & Q(Exists(Enterprise.objects.filter(code=OuterRef("owner_id"))))
    )
    return {
        "correct": rules.unknown_commune("commune_code"),
        "sufficient": rules.blank("land_use", "owner_id") | Q(area_m2__lte=0),
        "clean": Q(earlier_copy),
        "alive": rules.stale(),
        "unified": ~owner_known,
    }


MODULE = register(
    RegistryModule(
        id="land",
        name=NATIONAL_DATABASES["land"],
        name_en="Land database",
        services=(
            DataServiceSpec(
                "land.parcels.by_owner",
                "Thửa đất và giấy chứng nhận theo chủ sử dụng",
                sensitive=False,
                attributes=(*_FIELDS, "certificates"),
                fetch=fetch_by_owner,
                subject="personal_id_or_enterprise_code",
            ),
        ),
        tables=(RecordRules(Parcel, _failing),),
        attributes=(*_FIELDS, "certificates", "owner_kind", "owner_id"),
    )
)
