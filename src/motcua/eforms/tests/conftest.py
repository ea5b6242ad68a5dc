"""Small data for the eforms tests: a few real communes, the demo catalog and forms, and a
family in the population registry (Nguyễn Văn An, his wife Trần Thị Bình, his parents)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from motcua.eforms import services

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "catalog" / "fixtures" / "demo_procedures.json"
DEMO_FORMS = Path(__file__).resolve().parents[1] / "fixtures" / "demo_forms.json"
AN, BINH, BAO, CUC = "001085012345", "001188012347", "001055012340", "001158012341"


@pytest.fixture
def communes(db: None) -> None:
    from motcua.units.models import Commune, Province

    for code, name in (("01", "Thành phố Hà Nội"), ("79", "Thành phố Hồ Chí Minh")):
        Province.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "division_type": "thành phố trung ương",
                "codename": code,
                "name_folded": name.lower(),
            },
        )
    for code, name, province in (
        ("00070", "Phường Hoàn Kiếm", "01"),
        ("00004", "Phường Ba Đình", "01"),
        ("26743", "Phường Bến Thành", "79"),
    ):
        Commune.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "division_type": "phường",
                "codename": code,
                "province_id": province,
                "name_folded": name.lower(),
            },
        )


def _import_catalog(codes: tuple[str, ...] | None = None) -> None:
    from motcua.catalog import services as catalog_services

    data = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    if codes is not None:
        data["procedures"] = [p for p in data["procedures"] if p["code"] in codes]
    catalog_services.import_file(json.dumps(data), DEMO_CATALOG.name)


@pytest.fixture
def catalog(db: None) -> None:
    """The 59 demo procedures."""
    _import_catalog()


COMPLETE = ("1.001193", "1.000894", "1.004222", "3.000333", "1.001612")


@pytest.fixture
def forms(communes: None) -> None:
    """The five complete demo procedures and forms (all 59 take a second; see `all_forms`)."""
    _import_catalog(COMPLETE)
    data = json.loads(DEMO_FORMS.read_text(encoding="utf-8"))
    services.import_forms([f for f in data["forms"] if f["procedure"] in COMPLETE], actor="test")
    _declared_grants()


@pytest.fixture
def all_forms(catalog: None, communes: None) -> None:
    services.import_forms(DEMO_FORMS, actor="test")
    _declared_grants()


def _declared_grants() -> None:
    """The data owners' declared grants (eforms never grants itself access)."""
    from motcua.exchange import services as exchange

    exchange.load_grants(actor="test")


@pytest.fixture
def family(db: None) -> dict[str, object]:
    from motcua.registries.population.models import Person

    def person(pid: str, name: str, born: dt.date, sex: str, **extra: object) -> Person:
        return Person.objects.create(
            personal_id=pid,
            full_name=name,
            birth_date=born,
            sex=sex,
            province_code="01",
            birth_place_code="00070",
            permanent_commune_code="00070",
            permanent_address="Số 1 phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
            **extra,
        )

    bao = person(BAO, "Nguyễn Văn Bảo", dt.date(1955, 2, 1), "M", marital_status="married")
    cuc = person(CUC, "Phạm Thị Cúc", dt.date(1958, 4, 2), "F", marital_status="married")
    binh = person(BINH, "Trần Thị Bình", dt.date(1988, 7, 20), "F", marital_status="married")
    an = person(
        AN,
        "Nguyễn Văn An",
        dt.date(1985, 3, 12),
        "M",
        marital_status="married",
        spouse=binh,
        father=bao,
        mother=cuc,
    )
    binh.spouse = an
    binh.save()  # version 2
    return {"an": an, "binh": binh, "bao": bao, "cuc": cuc}


@pytest.fixture
def consent(family: dict[str, object]):
    """An consents that the forms read his family relations for a procedure."""
    from motcua.exchange import services as exchange

    def give(code: str, pid: str = AN) -> None:
        exchange.grant_consent(pid, f"thu-tuc:{code}")

    return give
