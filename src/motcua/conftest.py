"""Fixtures shared by every app's tests."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

# The instants at which behaviour that depends on "now" is tried (a test asks for the `clock`
# fixture): the working day's edges and its night, on a working Wednesday, a Saturday, the
# eve of Tết (a holiday) and New Year's Eve. In the future, so that certificates and keys the
# tests make today are still valid there.
CLOCK_DAYS = {
    "wed": dt.date(2026, 12, 9),
    "sat": dt.date(2026, 12, 12),
    "tet-eve": dt.date(2027, 2, 5),
    "dec31": dt.date(2026, 12, 31),
}
CLOCK_TIMES = {"0800": dt.time(8), "1659": dt.time(16, 59), "1701": dt.time(17, 1)}
CLOCK_TIMES["2359"] = dt.time(23, 59)
CLOCK_INSTANTS = {
    f"{day}-{time}": dt.datetime.combine(d, t, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    for day, d in CLOCK_DAYS.items()
    for time, t in CLOCK_TIMES.items()
}


def pytest_configure(config: pytest.Config) -> None:
    """MOTCUA_TEST_NOW (ISO 8601 with an offset) runs the whole session from that instant, the
    clock ticking: CI runs the `clock`-marked tests at 18:30 on a Saturday this way."""
    now = os.environ.get("MOTCUA_TEST_NOW")
    if now:
        instant = dt.datetime.fromisoformat(now)
        if instant.tzinfo is None:
            raise pytest.UsageError("MOTCUA_TEST_NOW needs a UTC offset, e.g. +07:00")
        time_machine.travel(instant, tick=True).start()


@pytest.fixture(params=list(CLOCK_INSTANTS), ids=list(CLOCK_INSTANTS))
def clock(request: pytest.FixtureRequest) -> Iterator[dt.datetime]:
    """The test runs once at each of CLOCK_INSTANTS (the clock ticking from there)."""
    instant = CLOCK_INSTANTS[request.param]
    with time_machine.travel(instant, tick=True):
        yield instant


class Snapshot:
    """Rows of some models, taken once and put back with bulk inserts: far cheaper than
    running the import services that made them again."""

    def __init__(self, models: list[Any]) -> None:
        self.models = models
        self.rows = {m: list(m._base_manager.order_by("pk")) for m in models}

    def restore(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection, transaction

        # One transaction: foreign keys are checked at its end (Django declares them
        # deferred), so rows pointing at each other (a procedure and its current version)
        # go in in any order, also in a transactional test's autocommit.
        with transaction.atomic():
            for model in self.models:
                model._base_manager.bulk_create(self.rows[model], batch_size=500)
            # Explicit keys do not move PostgreSQL's sequences: the next insert would collide.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                    cursor.execute(sql)


_SNAPSHOTS: dict[str, Snapshot] = {}
DEMO = Path(__file__).resolve().parent


def _unit_models() -> list[Any]:
    from django.apps import apps

    return list(apps.get_app_config("units").get_models())


def _load_demo_catalog_and_forms() -> None:
    from motcua.catalog import services as catalog
    from motcua.eforms import services as eforms

    catalog.import_file(
        (DEMO / "catalog/fixtures/demo_procedures.json").read_text(encoding="utf-8"),
        "demo_procedures.json",
        actor="test",
    )
    eforms.import_forms(DEMO / "eforms/fixtures/demo_forms.json", actor="test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Each test database (one per xdist worker) gets the real units and agencies once, kept
    for every test (each rolls back to them); the demo catalog and forms are imported once
    too, their rows kept aside for `demo_catalog` and the database left without them."""
    from django.apps import apps
    from django.db import transaction

    from motcua.units import services
    from motcua.units.models import Province

    with django_db_blocker.unblock():
        if not Province.objects.exists():
            services.load_units()
            services.generate_agencies()
        _SNAPSHOTS["units"] = Snapshot(_unit_models())
        models = [
            *apps.get_app_config("catalog").get_models(include_auto_created=True),
            *apps.get_app_config("eforms").get_models(include_auto_created=True),
        ]
        with transaction.atomic():
            before = {m: m._base_manager.count() for m in models}
            _load_demo_catalog_and_forms()
            changed = [m for m in models if m._base_manager.count() != before[m]]
            _SNAPSHOTS["catalog"] = Snapshot(changed)
            transaction.set_rollback(True)


def ensure_units() -> None:
    """The units and agencies, put back when a transactional test's flush emptied them."""
    from motcua.units.models import Province

    if not Province.objects.exists():
        _SNAPSHOTS["units"].restore()


def load_demo_catalog() -> None:
    """The demo catalog and forms, as importing them gives (the session's import, reused)."""
    _SNAPSHOTS["catalog"].restore()


@pytest.fixture(scope="session")
def units_loaded(django_db_setup: None, django_db_blocker: Any) -> None:
    """The real 34 provinces and 3,321 communes with their agencies, loaded once a session."""
    with django_db_blocker.unblock():
        ensure_units()


@pytest.fixture
def small_catalog(db: None) -> list[str]:
    """Three sectors' worth of procedures, published through the import service."""
    from motcua.catalog import factories, services

    for sector in factories.SECTORS:
        services.upsert_sector(sector)
    records = [
        factories.procedure("1.001193", "Đăng ký khai sinh"),
        factories.procedure("1.000894", "Đăng ký kết hôn", name_en="Marriage registration"),
        factories.procedure("1.000656", "Đăng ký khai tử", name_en="Death registration"),
        factories.procedure("1.004884", "Đăng ký lại khai sinh", name_en="Birth re-registration"),
        factories.procedure(
            "1.004222",
            "Đăng ký thường trú",
            sector="cu-tru",
            name_en="Permanent residence registration",
            levels=["commune"],
        ),
        factories.procedure(
            "1.013225",
            "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            sector="xay-dung",
            levels=["province", "commune"],
            online_level="partial",
            processing_days=15,
        ),
    ]
    for record in records:
        services.publish(record, actor="test")
    return [r.code for r in records]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def admin_client(client: Any, admin_user: Any) -> Any:
    """pytest-django's admin client, its session marked as the provider's level-2 login (the
    only way into the admin)."""
    from motcua.identity.admin_site import session_acr
    from motcua.identity.views import SESSION_ACR

    client.force_login(admin_user)
    session = client.session
    session[SESSION_ACR] = session_acr()
    session.save()
    return client
