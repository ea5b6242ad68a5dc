"""A real dossier moved by the dossier services tells its applicant, through the outbox."""

from __future__ import annotations

import pytest

from motcua.dossiers import services as dossiers
from motcua.dossiers.tests.conftest import PARENT_ID, WARD_CENTRE, world  # noqa: F401
from motcua.dossiers.tests.helpers import example_data, pdf_bytes
from motcua.notify import services
from motcua.wallet.models import InboxMessage

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"
FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")


def _submitted_birth_registration() -> object:
    from motcua.catalog import selectors as catalog
    from motcua.eforms import services as eforms
    from motcua.exchange import services as exchange

    exchange.grant_consent(PARENT_ID, f"thu-tuc:{BIRTH}", consumer="motcua-eforms")
    data = example_data(eforms.json_schema(eforms.form_for(BIRTH)))
    dossier = dossiers.create_draft(FATHER, BIRTH, WARD_CENTRE, data)
    for component in catalog.get_published(BIRTH).components.all():
        if (
            component.required
            and not component.replaced_by
            and not component.name.startswith(dossiers.FORM_COMPONENT_PREFIX)
        ):
            dossiers.add_file(
                FATHER,
                dossier.reference,
                component=component.position,
                name="a.pdf",
                content=pdf_bytes(),
            )
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
