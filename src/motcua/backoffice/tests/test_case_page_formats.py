"""The official's case page writes the history in Vietnam time, whatever instant is stored."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.dossiers.models import DossierEvent
from motcua.dossiers.tests.conftest import WARD_CENTRE, world  # noqa: F401

from .test_refusals import appoint, as_official, submitted  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_the_history_in_vietnam_time(client, submitted):  # noqa: F811
    at_utc = dt.datetime(2026, 12, 2, 11, 43, tzinfo=dt.UTC)  # 18:43 in Hà Nội
    DossierEvent.objects.filter(dossier=submitted).update(at=at_utc)
    officer = appoint("001080000203", WARD_CENTRE, "one_stop_officer")
    as_official(client, officer, WARD_CENTRE)
    page = client.get(f"/can-bo/ho-so/{submitted.code}/").content.decode()
    assert "02/12/2026 18:43" in page
    assert "11:43" not in page
