"""A real dossier moved by the dossier services tells its applicant, through the outbox."""

from __future__ import annotations

import pytest

from motcua.dossiers import services as dossiers
from motcua.dossiers.tests.conftest import PARENT_ID, WARD_CENTRE, world  # noqa: F401
from motcua.dossiers.tests.helpers import attach_required, example_data
from motcua.notify import services
from motcua.wallet.models import InboxMessage

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"
FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")


def _submitted_birth_registration() -> object:
    from motcua.eforms import services as eforms
    from motcua.exchange import services as exchange

    exchange.grant_consent(PARENT_ID, f"thu-tuc:{BIRTH}", consumer="motcua-eforms")
    data = example_data(eforms.json_schema(eforms.form_for(BIRTH)))
    dossier = dossiers.create_draft(FATHER, BIRTH, WARD_CENTRE, data)
    attach_required(FATHER, dossier)
    return dossiers.submit(FATHER, dossier.reference)


def test_a_received_dossier_tells_its_applicant_once(world):  # noqa: F811
    dossier = _submitted_birth_registration()
    dossiers.receive(dossier.code, actor="officer")  # type: ignore[attr-defined]

    services.dispatch()
    services.dispatch()

    titles = sorted(
        InboxMessage.objects.filter(
            recipient_id=PARENT_ID, idempotency_key__startswith="notify:"
        ).values_list("title", flat=True)
    )
    code = dossier.code  # type: ignore[attr-defined]
    assert titles == [f"Hồ sơ {code} đã được nộp", f"Hồ sơ {code} đã được tiếp nhận"]
    assert services.pending() == []
