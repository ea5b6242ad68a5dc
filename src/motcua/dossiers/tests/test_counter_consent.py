"""Reading a walk-in person's registry data is the person's own act: the officer cannot record
it for them. The person reads back a one-time code sent to them (or signs at the counter); the
consent is recorded with the person as subject and the officer as the one acting. Identifying
anyone from the registry is for the one-stop and digital-team roles only."""

from __future__ import annotations

import pytest

from motcua.audit.models import AuditEntry
from motcua.dossiers import counter
from motcua.dossiers.tests.conftest import PARENT_ID, world  # noqa: F401
from motcua.dossiers.tests.test_counter import (  # noqa: F401 - fixtures used by name
    BIRTH,
    FATHER_QR,
    OFFICER_ID,
    _code_sent_to,
    _png,
    birth_data,
    counter_ca,
    tq,
)
from motcua.exchange.models import Consent

pytestmark = pytest.mark.django_db


def opened(tq):  # noqa: F811 - the fixture
    return counter.open_at_counter(
        tq.officer, procedure_code=BIRTH, qr=FATHER_QR, data=birth_data()
    )


def test_the_officer_cannot_record_the_persons_registry_consent_alone(tq):  # noqa: F811 - the fixture
    draft = opened(tq)
    with pytest.raises(counter.ConsentRequired):
        counter.record_registry_consent(tq.officer, draft.draft_ref)
    assert not Consent.objects.filter(personal_id=PARENT_ID).exists()


def test_the_person_consents_by_reading_back_a_code_and_the_audit_names_both(tq):  # noqa: F811 - the fixture
    draft = opened(tq)
    asked = counter.request_registry_consent_code(tq.officer, draft.draft_ref)
    message = _code_sent_to(PARENT_ID)
    counter.confirm_consent_code(tq.officer, asked.id, message)
    counter.record_registry_consent(tq.officer, draft.draft_ref, consent_id=asked.id)
    granted = AuditEntry.objects.filter(action="exchange.consent_granted").latest("seq")
    assert (granted.actor, granted.acting_for) == (OFFICER_ID, PARENT_ID)
    assert granted.data["evidence"] == {"method": "code", "consent": str(asked.id)}
    # The consent is spent: it does not stand for another reading.
    with pytest.raises(counter.ConsentRequired):
        counter.record_registry_consent(tq.officer, draft.draft_ref, consent_id=asked.id)


def test_a_consent_to_be_assisted_is_not_a_consent_to_read_the_registries(tq):  # noqa: F811 - the fixture
    draft = opened(tq)
    assist = counter.record_signature_consent(
        tq.officer,
        procedure_code=BIRTH,
        personal_id=PARENT_ID,
        signature_name="ky.png",
        signature=_png(),
    )
    with pytest.raises(counter.ConsentRequired):
        counter.record_registry_consent(tq.officer, draft.draft_ref, consent_id=assist.id)
    signed = counter.record_signature_consent(
        tq.officer,
        procedure_code=BIRTH,
        personal_id=PARENT_ID,
        signature_name="ky.png",
        signature=_png(),
        scope="registry",
    )
    counter.record_registry_consent(tq.officer, draft.draft_ref, consent_id=signed.id)
    assert Consent.objects.filter(personal_id=PARENT_ID).exists()


def test_only_the_one_stop_and_digital_team_roles_identify_a_person(tq):  # noqa: F811 - the fixture
    with pytest.raises(counter.PermissionDenied):
        counter.identify(tq.specialist, personal_id=PARENT_ID)
    with pytest.raises(counter.PermissionDenied):
        counter.identify(tq.leader, qr=FATHER_QR)
    assert counter.identify(tq.team, personal_id=PARENT_ID).personal_id == PARENT_ID
