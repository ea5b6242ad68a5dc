"""The population registry's data services and quality rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from motcua.registries import lookup, rules
from motcua.registries.civil_status.models import CivilEvent
from motcua.registries.modules import (
    NATIONAL_DATABASES,
    DataServiceSpec,
    RecordRules,
    RegistryModule,
    WriteServiceSpec,
    register,
)

from .models import Person

PERSONAL_ID_PATTERN = r"^[0-9]{3}[0-3][0-9]{8}$"

_BASIC = ("personal_id", "full_name", "birth_date", "sex", "status", "death_date")
_RESIDENCE = (
    "permanent_commune_code",
    "permanent_address",
    "temporary_commune_code",
    "temporary_address",
    "household__code",
    "relation_to_head",
)
_FAMILY = (
    "father__personal_id",
    "mother__personal_id",
    "marital_status",
    "spouse__personal_id",
)


def _one(fields: tuple[str, ...], subject: str) -> dict[str, Any] | None:
    row = lookup.one_row(Person, "personal_id", subject, (*fields, "version"))
    if not row:
        return None
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = key.replace("__personal_id", "_id").replace("__", "_")
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def fetch_basic(subject: str) -> dict[str, Any] | None:
    return _one(_BASIC, subject)


def fetch_residence(subject: str) -> dict[str, Any] | None:
    return _one(("personal_id", *_RESIDENCE), subject)


def fetch_family(subject: str) -> dict[str, Any] | None:
    return _one(("personal_id", *_FAMILY), subject)


def fetch_children(subject: str) -> dict[str, Any] | None:
    """The children a person is registered as father or mother of (for acting for a minor)."""
    if not Person.objects.filter(personal_id=subject).exists():
        return None
    rows = (
        Person.objects.filter(Q(father__personal_id=subject) | Q(mother__personal_id=subject))
        .order_by("birth_date", "personal_id")
        .values("personal_id", "full_name", "birth_date", "status")
    )
    children = [
        {**row, "birth_date": row["birth_date"].isoformat() if row["birth_date"] else None}
        for row in rows
    ]
    return {"personal_id": subject, "children": children}


def _failing() -> dict[str, Q]:
    death_registered = Exists(
        CivilEvent.objects.filter(kind=CivilEvent.Kind.DEATH, subject_id=OuterRef("personal_id"))
    )
    birth_differs = Exists(
        CivilEvent.objects.filter(kind=CivilEvent.Kind.BIRTH, subject_id=OuterRef("personal_id"))
        .exclude(event_date=OuterRef("birth_date"))
        .exclude(event_date__isnull=True)
    )
    earlier_copy = Exists(
        Person.objects.filter(
            full_name=OuterRef("full_name"),
            birth_date=OuterRef("birth_date"),
            sex=OuterRef("sex"),
            birth_place_code=OuterRef("birth_place_code"),
            pk__lt=OuterRef("pk"),
        )
    )
    return {
        "correct": rules.not_matching("personal_id", PERSONAL_ID_PATTERN)
        | rules.personal_id_disagrees("personal_id", "birth_date", "sex")
        | rules.unknown_commune("permanent_commune_code")
        | rules.unknown_commune("birth_place_code", optional=True)
        | rules.unknown_commune("temporary_commune_code", optional=True)
        | (~Q(sex="") & ~Q(sex__in=["M", "F"])),
        "sufficient": rules.blank("full_name", "sex", "birth_place_code", "permanent_commune_code")
        | rules.blank_nullable("birth_date"),
        "clean": Q(earlier_copy),
        "alive": rules.stale() | (Q(status=Person.Status.ALIVE) & Q(death_registered)),
        "unified": Q(birth_differs),
    }


def _write(name: str) -> Any:
    """registries.services.<name>, imported when called (it needs the loaded apps)."""

    def apply(**payload: Any) -> Any:
        from motcua.registries import services

        return getattr(services, name)(**payload)

    return apply


# What signed results write, through the exchange only (each under a write grant).
WRITES = (
    WriteServiceSpec(
        "population.person.register_birth",
        "Đăng ký khai sinh: cấp số định danh, ghi công dân mới",
        apply=_write("register_birth"),
    ),
    WriteServiceSpec(
        "population.person.register_residence",
        "Đăng ký thường trú: ghi nơi thường trú, hộ gia đình",
        apply=_write("register_permanent_residence"),
    ),
    WriteServiceSpec(
        "population.person.register_death",
        "Đăng ký khai tử: ghi công dân đã chết",
        apply=_write("register_death"),
    ),
    WriteServiceSpec(
        "population.person.remove_residence",
        "Xóa đăng ký thường trú",
        apply=_write("remove_permanent_residence"),
    ),
)


MODULE = register(
    RegistryModule(
        id="population",
        name=NATIONAL_DATABASES["population"],
        name_en="National population database",
        services=(
            DataServiceSpec(
                "population.person.basic",
                "Thông tin cơ bản của công dân",
                sensitive=False,
                attributes=_BASIC,
                fetch=fetch_basic,
            ),
            DataServiceSpec(
                "population.person.residence",
                "Thông tin cư trú của công dân",
                sensitive=False,
                attributes=("personal_id", *_RESIDENCE),
                fetch=fetch_residence,
            ),
            DataServiceSpec(
                "population.person.family",
                "Quan hệ gia đình, tình trạng hôn nhân của công dân",
                sensitive=True,
                attributes=("personal_id", *_FAMILY),
                fetch=fetch_family,
            ),
            DataServiceSpec(
                "population.person.children",
                "Con của công dân (theo quan hệ cha, mẹ)",
                sensitive=False,
                attributes=("personal_id", "father__personal_id", "mother__personal_id"),
                fetch=fetch_children,
            ),
        ),
        writes=WRITES,
        tables=(RecordRules(Person, _failing),),
        attributes=(*_BASIC, *_RESIDENCE, *_FAMILY, "birth_place_code"),
    )
)
