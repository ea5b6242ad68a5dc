"""Loading the administrative units from `vietnam-provinces` and generating their agencies.
Both are idempotent: running them again updates rows in place and creates nothing twice."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from motcua.audit import services as audit
from motcua.core.text import fold

from .models import Agency, Commune, Province


@dataclass(frozen=True)
class AgencyKind:
    kind: str
    name: str  # "{unit}" is replaced by the unit's name
    name_en: str
    is_service_center: bool = False


# Every province and every commune has a People's Committee and a service centre.
_EVERY_UNIT = [
    AgencyKind("ubnd", "Ủy ban nhân dân {unit}", "People's Committee of {unit}"),
    AgencyKind(
        "tthcc",
        "Trung tâm Phục vụ hành chính công {unit}",
        "Public Administration Service Center of {unit}",
        is_service_center=True,
    ),
]

PROVINCE_AGENCY_KINDS = [
    *_EVERY_UNIT,
    AgencyKind("so-tp", "Sở Tư pháp {unit}", "Department of Justice of {unit}"),
    AgencyKind("so-xd", "Sở Xây dựng {unit}", "Department of Construction of {unit}"),
    AgencyKind("so-tc", "Sở Tài chính {unit}", "Department of Finance of {unit}"),
    AgencyKind(
        "so-nnmt",
        "Sở Nông nghiệp và Môi trường {unit}",
        "Department of Agriculture and Environment of {unit}",
    ),
    AgencyKind("ca", "Công an {unit}", "Public Security of {unit}"),
    AgencyKind("so-nv", "Sở Nội vụ {unit}", "Department of Home Affairs of {unit}"),
    AgencyKind("so-yt", "Sở Y tế {unit}", "Department of Health of {unit}"),
    AgencyKind("so-gddt", "Sở Giáo dục và Đào tạo {unit}", "Department of Education of {unit}"),
    AgencyKind("so-ct", "Sở Công Thương {unit}", "Department of Industry and Trade of {unit}"),
    AgencyKind(
        "so-khcn",
        "Sở Khoa học và Công nghệ {unit}",
        "Department of Science and Technology of {unit}",
    ),
    AgencyKind(
        "so-vhttdl",
        "Sở Văn hóa, Thể thao và Du lịch {unit}",
        "Department of Culture, Sports and Tourism of {unit}",
    ),
    AgencyKind("bhxh", "Bảo hiểm xã hội {unit}", "Social Security of {unit}"),
]

COMMUNE_AGENCY_KINDS = [
    *_EVERY_UNIT,
    AgencyKind("ca", "Công an {unit}", "Police of {unit}"),
]


def province_code(value: int) -> str:
    return f"{int(value):02d}"


def commune_code(value: int) -> str:
    return f"{int(value):05d}"


def agency_code(kind: str, province: str, commune: str | None = None) -> str:
    """Stable agency code: `01.so-tp` for a province's, `01.00070.ubnd` for a commune's."""
    return f"{province}.{commune}.{kind}" if commune else f"{province}.{kind}"


@transaction.atomic
def load_units() -> tuple[int, int]:
    """Upsert all provinces and communes from the `vietnam-provinces` package."""
    provinces = [
        Province(
            code=province_code(p.code),
            name=p.name,
            division_type=p.division_type.value,
            codename=p.codename,
            name_folded=fold(p.name),
        )
        for p in VnProvince.iter_all()
    ]
    Province.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "codename", "name_folded"],
    )
    communes = [
        Commune(
            code=commune_code(w.code),
            name=w.name,
            division_type=w.division_type.value,
            codename=w.codename,
            province_id=province_code(w.province_code),
            name_folded=fold(w.name),
        )
        for w in VnWard.iter_all()
    ]
    Commune.objects.bulk_create(
        communes,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "codename", "province", "name_folded"],
    )
    audit.record(
        actor="system:load_units",
        action="units.loaded",
        data={"provinces": len(provinces), "communes": len(communes)},
    )
    return len(provinces), len(communes)


@transaction.atomic
def generate_agencies() -> int:
    """Upsert the standard agencies of every province and commune."""
    rows: list[Agency] = []
    for province in Province.objects.all():
        for k in PROVINCE_AGENCY_KINDS:
            rows.append(_agency(k, province, None))
    for commune in Commune.objects.select_related("province"):
        for k in COMMUNE_AGENCY_KINDS:
            rows.append(_agency(k, commune.province, commune))
    Agency.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[
            "kind",
            "name",
            "name_en",
            "level",
            "province",
            "commune",
            "is_service_center",
        ],
    )
    audit.record(
        actor="system:generate_agencies",
        action="units.agencies_generated",
        data={"agencies": len(rows)},
    )
    return len(rows)


def _agency(k: AgencyKind, province: Province, commune: Commune | None) -> Agency:
    unit = commune.name if commune else province.name
    return Agency(
        code=agency_code(k.kind, province.code, commune.code if commune else None),
        kind=k.kind,
        name=k.name.format(unit=unit),
        name_en=k.name_en.format(unit=unit),
        level=Agency.Level.COMMUNE if commune else Agency.Level.PROVINCE,
        province=province,
        commune=commune,
        is_service_center=k.is_service_center,
    )
