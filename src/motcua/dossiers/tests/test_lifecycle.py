"""The lifecycle enforced by the service layer: transitions, supplements, fees, rating,
the other party's confirmation, acting for a child, codes under concurrency, replay."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from motcua.audit.models import AuditEntry
from motcua.core.tests.qr import needs_pdftoppm, qr_payloads
from motcua.dossiers import receipt, services
from motcua.dossiers.errors import IllegalTransition, PaymentRequired
from motcua.dossiers.models import Dossier, Status
from motcua.eforms import services as eforms
from motcua.notify.models import OutboxEvent

from .conftest import CHILD_ID, MOTHER_ID, PARENT_ID, PROVINCE_CENTRE, WARD_CENTRE
from .helpers import attach_required, example_data, pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
BIRTH, MARRIAGE, JUDICIAL = "1.001193", "1.000894", "3.000333"
FATHER = services.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
MOTHER = services.Applicant(subject_id=MOTHER_ID, actor_id=MOTHER_ID, name="Trần Thị Bình")


@pytest.fixture(autouse=True)
def consented(world):
    """Both spouses agreed that their family data may fill these procedures' forms."""
    from motcua.exchange import services as exchange

    for person in (PARENT_ID, MOTHER_ID, CHILD_ID):
        for code in (BIRTH, MARRIAGE, JUDICIAL, "1.010041"):
            exchange.grant_consent(person, f"thu-tuc:{code}", consumer="motcua-eforms")


def data_for(code: str) -> dict:
    return example_data(eforms.json_schema(eforms.form_for(code)))


def submitted(applicant=FATHER, code=BIRTH, unit=WARD_CENTRE) -> Dossier:
    dossier = services.create_draft(applicant, code, unit, data_for(code))
    attach_required(applicant, dossier)
    return services.submit(applicant, dossier.reference)


def test_every_action_writes_history_audit_and_an_outbox_event(world):
    dossier = submitted()
    assert services.replay_status(dossier) == dossier.status == Status.SUBMITTED
    assert OutboxEvent.objects.filter(topic="dossier.submitted").count() == 1
    assert AuditEntry.objects.filter(action="dossier.submitted", target_id=str(dossier.id)).exists()


def test_an_illegal_transition_is_refused_and_changes_nothing(world):
    dossier = submitted()
    with pytest.raises(IllegalTransition):
        services.advance(dossier.code, Status.RESULT_READY, actor="officer")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert services.replay_status(dossier) == Status.SUBMITTED


def test_supplement_request_is_answered_and_the_dossier_goes_back(world):
    dossier = submitted()
    services.request_supplement(dossier.code, actor="officer", reason="Ảnh giấy chứng sinh mờ")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    services.add_file(FATHER, dossier.code, component=2, name="ro.pdf", content=pdf_bytes())
    services.answer_supplement(FATHER, dossier.code, note="Đã chụp lại")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert dossier.files.filter(supplement__isnull=False).count() == 1


def test_a_fee_must_be_paid_before_the_dossier_is_received(world):
    from motcua.payments import services as payments

    dossier = submitted(code=JUDICIAL, unit=PROVINCE_CENTRE)
    assert dossier.fee_amount > 0
    assert dossier.payment_status == Dossier.Payment.AWAITING
    assert services.next_step(dossier).startswith("Nộp phí")
    with pytest.raises(PaymentRequired):
        services.receive(dossier.code, actor="officer")
    payment, _url = payments.start(
        dossier.code,
        payer_id=PARENT_ID,
        amount=dossier.fee_amount,
        description="phí",
        return_url="/",
        actor=PARENT_ID,
    )
    _pay(payment)
    _pay(payment)  # the bank calls back twice
    dossier.refresh_from_db()
    assert dossier.payment_status == Dossier.Payment.PAID
    assert dossier.events.filter(action="paid").count() == 1
    services.receive(dossier.code, actor="officer")
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.due_date


def _pay(payment):
    from motcua.payments import services as payments
    from motcua.payments.plugins import CallbackData

    payments.handle_callback(
        payment.provider,
        CallbackData(
            callback_id=f"cb-{payment.provider_ref}",
            provider_ref=payment.provider_ref,
            outcome="paid",
            raw={},
        ),
    )


def test_rating_only_after_the_result_is_returned(world):
    dossier = submitted()
    with pytest.raises(IllegalTransition):
        services.rate(FATHER, dossier.code, score=5)
    services.receive(dossier.code, actor="officer")
    for status in (Status.PROCESSING, Status.RESULT_READY, Status.RETURNED):
        services.advance(dossier.code, status, actor="officer")
    assert services.rate(FATHER, dossier.code, score=4, comment="Nhanh").score == 4
    with pytest.raises(IllegalTransition):
        services.rate(FATHER, dossier.code, score=5)


def test_withdrawn_before_a_decision_only(world):
    dossier = submitted()
    services.withdraw(FATHER, dossier.code)
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    with pytest.raises(IllegalTransition):
        services.withdraw(FATHER, dossier.code)


def test_marriage_goes_in_only_when_the_other_party_confirms(world):
    from motcua.registries.population.models import Person
    from motcua.wallet.models import InboxMessage

    Person.objects.filter(personal_id__in=[PARENT_ID, MOTHER_ID]).update(
        marital_status="single", spouse=None
    )
    data = data_for(MARRIAGE)
    data["spouse"] = {**data.get("spouse", {}), "personal_id": MOTHER_ID}
    dossier = services.create_draft(FATHER, MARRIAGE, WARD_CENTRE, data)
    attach_required(FATHER, dossier)
    dossier = services.submit(FATHER, dossier.reference)
    assert dossier.status == Status.DRAFT and dossier.code is None
    party = dossier.parties.get()
    assert InboxMessage.objects.filter(recipient_id=party.personal_id).exists()
    assert services.awaiting_my_confirmation(party.personal_id) == [dossier]
    with pytest.raises(Exception):  # noqa: B017 - a stranger cannot confirm
        services.answer_party("079090012348", dossier.draft_ref, confirm=True)
    dossier = services.answer_party(party.personal_id, dossier.draft_ref, confirm=True)
    assert dossier.status == Status.SUBMITTED and dossier.code


def test_a_parent_submits_for_their_minor_child(world):
    for_child = services.Applicant(
        subject_id=CHILD_ID, actor_id=PARENT_ID, name="Nguyễn Minh Khang", basis="parent"
    )
    dossier = submitted(applicant=for_child, code="1.010041")
    assert dossier.applicant_id == CHILD_ID and dossier.created_by == PARENT_ID
    entry = AuditEntry.objects.filter(action="dossier.submitted").latest("seq")
    assert entry.actor == PARENT_ID and entry.acting_for == CHILD_ID
    assert services.mine(FATHER) == []  # the father's own list does not show the child's


def test_codes_count_per_unit_and_day(world):
    first, second = submitted(), submitted()
    assert first.code[:-4] == second.code[:-4]
    assert int(second.code[-4:]) == int(first.code[-4:]) + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_unique_codes_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    drafts = []
    for _ in range(8):
        dossier = services.create_draft(FATHER, BIRTH, WARD_CENTRE, data_for(BIRTH))
        attach_required(FATHER, dossier)
        drafts.append(dossier.reference)
    codes, errors = [], []
    barrier = threading.Barrier(len(drafts))

    def go(reference):
        try:
            barrier.wait()
            codes.append(services.submit(FATHER, reference).code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(r,)) for r in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(codes)) == len(drafts)


def test_the_clock_stops_while_a_received_dossier_waits_on_the_applicant(world):
    import datetime as dt

    from django.utils import timezone

    from motcua.core.calendar import default_calendar

    dossier = submitted(code=JUDICIAL, unit=PROVINCE_CENTRE)
    Dossier.objects.filter(pk=dossier.pk).update(payment_status=Dossier.Payment.PAID)
    dossier = services.receive(dossier.code, actor="officer")
    due = dossier.due_date
    request = services.request_supplement(dossier.code, actor="officer", reason="Thiếu giấy tờ")
    dossier.refresh_from_db()
    assert dossier.status == Status.PAUSED
    # The applicant answers ten calendar days later.
    type(request).objects.filter(pk=request.pk).update(
        requested_at=timezone.now() - dt.timedelta(days=10)
    )
    services.answer_supplement(FATHER, dossier.code, note="Đã bổ sung")
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    waited = default_calendar().working_days_between(
        timezone.now() - dt.timedelta(days=10), timezone.now()
    )
    assert waited > 0
    assert dossier.due_date == default_calendar().add_working_days(due, waited)


def test_a_supplement_can_be_answered_at_any_hour(world, clock):
    """At 17:01, at night, on a Saturday or on the eve of Tết the answer is taken, the dossier
    goes back to where it was and its deadline never moves earlier."""
    dossier = submitted(code=JUDICIAL, unit=PROVINCE_CENTRE)
    Dossier.objects.filter(pk=dossier.pk).update(payment_status=Dossier.Payment.PAID)
    due = services.receive(dossier.code, actor="officer").due_date
    services.request_supplement(dossier.code, actor="officer", reason="Thiếu giấy tờ")
    services.answer_supplement(FATHER, dossier.code, note="Đã bổ sung")
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert dossier.due_date == due  # asked and answered the same minute: nothing lost


@needs_pdftoppm
def test_the_receipts_qr_code_opens_the_public_lookup_on_the_public_address(world, settings):
    settings.MOTCUA_PUBLIC_URL = "http://127.0.0.1:8123"
    dossier = submitted()

    [payload] = qr_payloads(receipt.render(dossier))

    assert payload == (
        f"http://127.0.0.1:8123/tra-cuu-ho-so/?ma={dossier.code}&bi-mat={dossier.lookup_secret}"
    )
