"""Time and numbers as a Vietnamese reader expects: an instant stored in UTC is shown and
printed in Vietnam time (UTC+7), money as "8.000 đồng", on the receipt PDF and on the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.tests.conftest import world  # noqa: F401
from motcua.dossiers.tests.helpers import pdf_text
from motcua.dossiers.tests.test_api_journey import attach_birth_certificate, birth_draft

from .test_citizen_pages import log_in

pytestmark = pytest.mark.django_db
# 11:43 in UTC is 18:43 in Hà Nội, after the 17:00 receipt cut-off: the case of the report.
INSTANT = dt.datetime(2026, 12, 2, 11, 43, tzinfo=dt.UTC)


@pytest.fixture
def submitted(client, world):  # noqa: F811
    draft, headers, _ = birth_draft(client, world.father)
    attach_birth_certificate(client, draft["reference"], headers)
    code = client.post(f"/api/v1/dossiers/{draft['reference']}/submit", **headers).json()["code"]
    Dossier.objects.filter(code=code).update(submitted_at=INSTANT, fee_amount=8000)
    DossierEvent.objects.filter(dossier__code=code).update(at=INSTANT)
    return code, headers


def test_the_receipt_prints_the_submission_time_in_vietnam_time(client, submitted):
    code, headers = submitted
    receipt = client.get(f"/api/v1/dossiers/{code}/receipt", **headers)
    text = " ".join(pdf_text(receipt.content).split())
    assert "18:43 02/12/2026" in text
    assert "11:43" not in text and "UTC" not in text
    assert "8.000 đồng" in text
    size = Dossier.objects.get(code=code).files.get().size
    assert f"{size:,} byte".replace(",", ".") in text


def test_the_dossier_page_shows_vietnam_time_and_money_as_vietnamese(client, world, submitted):  # noqa: F811
    code, _ = submitted
    log_in(client, world.father)
    page = client.get(f"/ho-so/{code}/").content.decode()
    assert "02/12/2026 18:43" in page
    assert "11:43" not in page
    assert "8.000 đồng" in page and "8000 đồng" not in page
