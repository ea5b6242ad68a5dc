"""A small world for dossier tests: the real units (loaded once a session), the demo catalog
and its forms, a married couple and their child in the population registry."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from motcua.conftest import ensure_units, load_demo_catalog
from motcua.identity.testing import CHILD_ID, PARENT_ID, make_person, registry_family

MOTHER_ID = "001190012347"
STRANGER_ID = "079090012348"
WARD = "00070"
WARD_CENTRE = f"01.{WARD}.tthcc"
PROVINCE_CENTRE = "01.tthcc"
OTHER_WARD_CENTRE = "79.26740.tthcc"


@dataclass
class World:
    father: object
    mother: object
    stranger: object


def _ensure_units() -> None:
    ensure_units()  # a transactional test elsewhere may have flushed the session's units


def _catalog_and_forms() -> None:
    """The demo catalog and its forms, imported once a session and put back from there."""
    load_demo_catalog()


@pytest.fixture
def world(db, units_loaded) -> World:
    from motcua.registries.population.models import Person

    _ensure_units()
    _catalog_and_forms()
    family = registry_family()
    father = family["parent"]
    mother = Person.objects.create(
        personal_id=MOTHER_ID,
        full_name="Trần Thị Bình",
        birth_date=datetime.date(1990, 6, 1),
        sex="F",
        province_code="01",
        permanent_commune_code=WARD,
        permanent_address="Số 1 phố Tràng Tiền",
        marital_status="married",
        spouse=father,
    )
    Person.objects.filter(pk=family["child"].pk).update(
        permanent_commune_code=WARD, permanent_address="Số 1 phố Tràng Tiền", mother=mother
    )
    Person.objects.filter(pk=father.pk).update(
        spouse=mother,
        marital_status="married",
        permanent_commune_code=WARD,
        permanent_address="Số 1 phố Tràng Tiền",
    )
    Person.objects.create(
        personal_id=STRANGER_ID,
        full_name="Lê Văn Cường",
        birth_date=datetime.date(1990, 1, 1),
        sex="M",
        province_code="79",
        permanent_commune_code="26740",
    )
    from motcua.exchange import services as exchange_services

    exchange_services.load_grants(actor="test")  # the data owners' declared grants
    return World(
        father=make_person(PARENT_ID),
        mother=make_person(MOTHER_ID, full_name="Trần Thị Bình"),
        stranger=make_person(STRANGER_ID, full_name="Lê Văn Cường"),
    )


__all__ = ["CHILD_ID", "MOTHER_ID", "PARENT_ID", "World"]
