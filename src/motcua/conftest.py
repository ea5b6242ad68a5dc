"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from typing import Any

import pytest


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
