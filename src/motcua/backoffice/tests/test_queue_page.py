"""The back-office queue page (/can-bo/) shows every open task of the official, page after
page, instead of the first hundred only."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from motcua.dossiers.tests.conftest import _ensure_units
from motcua.identity import services as identity
from motcua.identity.testing import make_person
from motcua.workflow.models import Task

from .test_counter_pages import logged_in

pytestmark = pytest.mark.django_db
OFFICER = "001080000101"
UNIT = "01.00070.tthcc"


def open_tasks(n: int) -> list[str]:
    now = timezone.now()
    tasks = [
        Task(
            dossier_id=uuid.uuid4(),
            dossier_code=f"HS-{i:04d}",
            procedure_code="1.001193",
            process_code="p",
            process_version=1,
            seq=1,
            step="receive",
            label="Tiếp nhận",
            unit=UNIT,
            role="one_stop_officer",
            opened_at=now,
            due_at=now + dt.timedelta(hours=i),
        )
        for i in range(n)
    ]
    Task.objects.bulk_create(tasks)
    return [t.dossier_code for t in tasks]


def test_the_queue_pages_through_more_tasks_than_one_page(client, units_loaded):
    _ensure_units()
    make_person(OFFICER, full_name="Cán Bộ Một")
    identity.appoint_official(personal_id=OFFICER, agency_code=UNIT, roles=["one_stop_officer"])
    codes = open_tasks(105)  # more than the hundred the page used to stop at
    logged_in(client, OFFICER, UNIT, "one_stop_officer")

    first = client.get("/can-bo/").content.decode()
    assert codes[0] in first and codes[49] in first and codes[50] not in first
    assert "Trang 1/3" in first and "Trang sau" in first and "Trang trước" not in first

    last = client.get("/can-bo/", {"trang": "3"}).content.decode()
    assert codes[104] in last and codes[99] not in last
    assert "Trang 3/3" in last and "Trang trước" in last and "Trang sau" not in last
    assert client.get("/can-bo/", {"trang": "x"}).status_code == 200
