"""The whole commune process against the real results service: the leader's signature
issues a signed PDF into the applicant's e-wallet."""

from __future__ import annotations

import pytest

from motcua.dossiers.models import Status
from motcua.dossiers.tests.conftest import PARENT_ID
from motcua.wallet.models import WalletDocument
from motcua.workflow import services

from .helpers import WARD_CENTRE, WARD_UBND, official, submitted

pytestmark = pytest.mark.django_db


def test_the_leaders_signature_puts_a_signed_result_in_the_e_wallet(processes):
    officer = official("001080900071", WARD_CENTRE, "one_stop_officer")
    clerk = official("001180900072", WARD_UBND, "specialist")
    chairman = official("001075900073", WARD_UBND, "leader")
    dossier = submitted()
    before = WalletDocument.objects.filter(owner_id=PARENT_ID).count()
    services.act(officer, dossier.code, "accept")
    services.act(clerk, dossier.code, "forward")
    services.act(chairman, dossier.code, "sign")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert WalletDocument.objects.filter(owner_id=PARENT_ID).count() == before + 1
