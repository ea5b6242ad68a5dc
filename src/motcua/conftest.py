"""Fixtures shared by every app's tests."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def units_loaded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """The real 34 provinces and 3,321 communes with their agencies, loaded once a session."""
    from motcua.units import services
    from motcua.units.models import Province

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if not Province.objects.exists():
            services.load_units()
            services.generate_agencies()


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
