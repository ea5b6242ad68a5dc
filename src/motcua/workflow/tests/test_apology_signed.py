"""An overdue dossier's apology letter against the real results service: signed with the
unit leader's key (a PAdES signature that checks out), and still sent — unsigned — when that
leader's certificate has been revoked, without stopping the periodic job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.core.calendar import default_calendar
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import PARENT_ID
from motcua.wallet.models import WalletDocument
from motcua.workflow import services
from motcua.workflow.models import ApologyLetter, Task

from .helpers import WARD_CENTRE, WARD_UBND, official, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def overdue(processes):
    """A received birth dossier whose processing step and due date passed a week ago."""
    officer = official("001080900091", WARD_CENTRE, "one_stop_officer")
    official("001180900092", WARD_UBND, "specialist")
    chairman = official("001075900093", WARD_UBND, "leader")
    dossier = submitted()
    services.act(officer, dossier.code, "accept")
    past = timezone.now() - dt.timedelta(days=7)
    while not default_calendar().is_working_day(past.date()):
        past -= dt.timedelta(days=1)
    Task.objects.filter(dossier_id=dossier.id, state="open").update(due_at=past)
    Dossier.objects.filter(pk=dossier.pk).update(due_date=past.date())
    return dossier, chairman


def test_the_apology_letter_carries_the_leaders_valid_signature(overdue):
    from motcua.results import services as results

    dossier, chairman = overdue
    report = services.tick()
    assert (report.apologies, report.unsigned_apologies) == (1, 0)
    letter = ApologyLetter.objects.get(dossier_code=dossier.code)
    assert letter.signed and letter.signer == chairman.personal_id
    pdf = letter.pdf.read()
    check = results.verify_pdf(pdf)
    assert check.signature_intact and check.signature_trusted, check.reasons
    assert check.signer_name == chairman.full_name
    wallet = WalletDocument.objects.get(owner_id=PARENT_ID, title__contains="xin lỗi")
    assert wallet.data["ngay_hen_moi"] == letter.new_date.isoformat()


def test_a_revoked_leader_certificate_does_not_stop_the_apology(overdue):
    from motcua.core.pdf import render_document
    from motcua.results import services as results

    dossier, chairman = overdue
    results.sign_pdf(
        render_document(title="Thử", issuer="UBND", rows=[]),
        signer_personal_id=chairman.personal_id,
    )
    results.revoke_certificate(chairman.personal_id, "Lộ khóa bí mật")

    report = services.tick()
    assert (report.apologies, report.unsigned_apologies) == (1, 1)
    letter = ApologyLetter.objects.get(dossier_code=dossier.code)
    assert not letter.signed and letter.signer == ""
    assert letter.pdf.read().startswith(b"%PDF")
    assert WalletDocument.objects.filter(owner_id=PARENT_ID, title__contains="xin lỗi").exists()
