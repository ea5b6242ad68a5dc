"""The dispatcher: events become inbox messages, emails and SMS once per recipient, however
often it runs; unknown topics are passed over; a failing handler is retried, then dead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from motcua.notify import services
from motcua.notify.models import Delivery, OutboxEvent
from motcua.wallet.models import InboxMessage

from .conftest import CODE, PERSON_ID, announce

pytestmark = pytest.mark.django_db


def test_an_event_reaches_the_inbox_once_when_dispatch_runs_twice(dossier):
    announce(dossier, "received")

    first = services.dispatch()
    second = services.dispatch()

    messages = InboxMessage.objects.filter(recipient_id=PERSON_ID)
    assert [m.title for m in messages] == [f"Hồ sơ {CODE} đã được tiếp nhận"]
    assert "Ngày hẹn trả kết quả: 12/01/2026." in messages[0].body
    assert messages[0].link == f"/ho-so/{CODE}/"
    assert (first.events, first.sent) == (1, 1)
    assert not second.did_work
    assert OutboxEvent.objects.get().dispatched_at is not None


def test_a_replanned_event_does_not_send_again(dossier):
    """A crash after sending but before the event was marked dispatched plans the same rows."""
    event = announce(dossier, "received")
    services.dispatch()
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)

    report = services.dispatch()

    assert (report.events, report.planned, report.sent) == (1, 0, 0)
    assert InboxMessage.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_an_unknown_topic_is_marked_dispatched_without_messages(db):
    event = services.enqueue("registry.refreshed", "registry.refreshed:1", {"n": 1})

    report = services.dispatch()

    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert (report.events, report.unhandled) == (1, 1)
    assert not Delivery.objects.exists() and not InboxMessage.objects.exists()


def test_a_status_outside_the_table_notifies_nobody(dossier):
    announce(dossier, "processing")

    services.dispatch()

    assert OutboxEvent.objects.get().dispatched_at is not None
    assert not Delivery.objects.exists()


def test_a_supplement_request_carries_the_officials_reason(dossier):
    from motcua.dossiers.models import DossierEvent

    DossierEvent.objects.create(
        dossier=dossier,
        seq=3,
        action="supplement_requested",
        from_status="received",
        to_status="paused",
        actor="officer",
        at=timezone.now(),
        note="Thiếu bản sao giấy chứng sinh",
    )
    announce(dossier, "supplement_requested", seq=3, status="paused")

    services.dispatch()

    message = InboxMessage.objects.get()
    assert message.title == f"Hồ sơ {CODE} cần bổ sung"
    assert "Lý do: Thiếu bản sao giấy chứng sinh." in message.body
    assert message.kind == InboxMessage.Kind.SUPPLEMENT_REQUEST


def test_email_goes_only_to_a_person_who_has_an_address(make_dossier):
    services.set_address(PERSON_ID, email="an@example.vn", email_verified=True, actor="test")
    with_email, without = make_dossier(), make_dossier(applicant_id="079090012348")
    announce(with_email, "result_ready")
    announce(without, "result_ready")

    services.dispatch()

    assert [m.to for m in mail.outbox] == [["an@example.vn"]]
    assert mail.outbox[0].subject == f"Hồ sơ {with_email.code} đã có kết quả"
    assert InboxMessage.objects.count() == 2


def test_an_unverified_email_gets_no_copy(dossier):
    services.set_address(PERSON_ID, email="an@example.vn", actor="test")
    announce(dossier, "received")

    services.dispatch()

    assert mail.outbox == []


def test_a_failing_handler_is_retried_with_back_off_then_dead(db, settings, monkeypatch):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    monkeypatch.setattr(services, "_handlers", dict(services._handlers))

    def broken(event):
        raise RuntimeError("handler bug")

    services.register_handler("test.broken.", broken)
    event = services.enqueue("test.broken.x", "test.broken.x:1", {})
    t0 = timezone.now()

    assert services.dispatch(now=t0).event_errors == 1
    event.refresh_from_db()
    assert event.next_attempt_at == t0 + dt.timedelta(seconds=60)
    assert services.dispatch(now=t0 + dt.timedelta(seconds=30)).event_errors == 0
    assert services.dispatch(now=t0 + dt.timedelta(seconds=61)).event_errors == 1
    event.refresh_from_db()
    assert event.dead_at is not None and "handler bug" in event.last_error

    services.register_handler("test.broken.", lambda event: [])
    assert services.retry_events([event.pk], actor="admin") == 1
    assert services.dispatch().events == 1


def test_the_worker_delivers_what_is_due_and_exits_with_once(dossier, capsys):
    announce(dossier, "received")

    call_command("notify_worker", "--once")

    assert InboxMessage.objects.count() == 1
    assert "sent=1" in capsys.readouterr().out
