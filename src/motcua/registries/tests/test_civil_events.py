"""A civil event is registered on the Vietnamese date, whatever the server's clock zone."""

import datetime as dt

import pytest
from django.utils import timezone

from motcua.registries import services
from motcua.registries.civil_status.models import CivilEvent

# 20:00 UTC on 2 December is 03:00 on 3 December in Hà Nội.
LATE_EVENING_UTC = dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_birth_registered_after_17_utc_carries_the_vietnamese_date(units_loaded, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: LATE_EVENING_UTC)
    services.register_birth(
        registration_no="KS-2026-000001",
        commune_code="00070",
        full_name="Nguyễn Minh An",
        birth_date=dt.date(2026, 11, 30),
        sex="M",
        actor="test",
    )
    event = CivilEvent.objects.get(registration_no="KS-2026-000001")
    assert event.registered_on == dt.date(2026, 12, 3)
