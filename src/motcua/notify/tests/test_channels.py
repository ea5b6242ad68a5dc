"""Email through a real SMTP server, its retries and dead letters, and the console SMS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.notify import services
from motcua.notify.models import DeadLetter, Delivery
from motcua.wallet.models import InboxMessage

from .conftest import CODE, PERSON_ID, announce, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def has_email(db):
    services.set_address(PERSON_ID, email="an@example.vn", email_verified=True, actor="test")


def test_email_arrives_over_smtp_with_the_vietnamese_subject(dossier, has_email, smtp_server):
    announce(dossier, "received")

    report = services.dispatch()

    assert report.sent == 2  # inbox and email
    [message] = smtp_server.messages
    # Encoded as RFC 2047 words, folded onto the next line (hence the space before it).
    assert message["Subject"].strip() == f"Hồ sơ {CODE} đã được tiếp nhận"
    assert b"=?utf-8?" in smtp_server.envelopes[0].content
    assert message["To"] == "an@example.vn"
    assert "Đăng ký khai sinh" in message.get_content()
    assert smtp_server.envelopes[0].rcpt_tos == ["an@example.vn"]
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert message["Message-ID"] == f"<notify.{email.pk}@motcua.local>"


def test_the_emails_link_opens_the_dossier_on_the_public_address(
    dossier, has_email, smtp_server, settings
):
    settings.MOTCUA_PUBLIC_URL = "http://127.0.0.1:8123"
    announce(dossier, "received")

    services.dispatch()

    [message] = smtp_server.messages
    assert f"http://127.0.0.1:8123/ho-so/{CODE}/" in message.get_content()


def test_a_failing_smtp_server_is_retried_with_back_off_then_dead_lettered(
    dossier, has_email, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.NOTIFY_MAX_ATTEMPTS = 3
    announce(dossier, "received")
    t0 = timezone.now()

    first = services.dispatch(now=t0)
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert (first.sent, first.failed) == (1, 1)  # the inbox copy is not held back
    assert email.state == Delivery.State.FAILED and email.attempts == 1
    assert email.next_attempt_at == t0 + dt.timedelta(seconds=60)
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()

    assert not services.dispatch(now=t0 + dt.timedelta(seconds=59)).did_work  # not due yet
    assert services.dispatch(now=t0 + dt.timedelta(seconds=60)).failed == 1
    email.refresh_from_db()
    assert email.next_attempt_at == t0 + dt.timedelta(seconds=60 + 120)

    assert services.dispatch(now=t0 + dt.timedelta(seconds=180)).dead == 1
    email.refresh_from_db()
    assert email.state == Delivery.State.DEAD and email.attempts == 3
    assert list(DeadLetter.objects.all()) == [email]
    assert not services.dispatch(now=t0 + dt.timedelta(days=30)).did_work
    assert InboxMessage.objects.count() == 1


def test_a_dead_letter_retried_by_an_administrator_is_sent(
    dossier, has_email, smtp_server, admin_client
):
    announce(dossier, "received")
    services.dispatch()
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    Delivery.objects.filter(pk=email.pk).update(
        state=Delivery.State.DEAD, attempts=6, last_error="SMTPServerDisconnected"
    )
    smtp_server.messages.clear()

    page = admin_client.get("/admin/notify/deadletter/")
    assert page.status_code == 200 and "an@example.vn" in page.content.decode()
    answer = admin_client.post(
        "/admin/notify/deadletter/",
        {"action": "retry_deliveries", "_selected_action": [email.pk]},
    )
    assert answer.status_code == 302
    email.refresh_from_db()
    assert (email.state, email.attempts) == (Delivery.State.PENDING, 0)

    assert services.dispatch().sent == 1
    assert [m["To"] for m in smtp_server.messages] == ["an@example.vn"]


def test_the_console_sms_provider_writes_the_message(dossier, sms_log):
    services.set_address(PERSON_ID, phone="0912 345 678", phone_verified=True, actor="test")
    announce(dossier, "received")

    report = services.dispatch()

    assert report.sent == 2  # inbox and SMS
    line = sms_log.read_text(encoding="utf-8")
    assert "\t+84912345678\t" in line
    assert f"MotCua: Hồ sơ {CODE} đã được tiếp nhận." in line
    sms = Delivery.objects.get(channel=Delivery.Channel.SMS)
    assert sms.state == Delivery.State.SENT


def test_an_action_without_sms_in_the_table_sends_none(dossier, sms_log):
    services.set_address(PERSON_ID, phone="+84912345678", phone_verified=True, actor="test")
    announce(dossier, "submitted")

    services.dispatch()

    assert not sms_log.exists()
    assert not Delivery.objects.filter(channel=Delivery.Channel.SMS).exists()


def test_sms_turned_off_sends_none(dossier, sms_log, settings):
    settings.NOTIFY_SMS_PROVIDER = ""
    services.set_address(PERSON_ID, phone="+84912345678", phone_verified=True, actor="test")
    announce(dossier, "received")

    services.dispatch()

    assert not Delivery.objects.filter(channel=Delivery.Channel.SMS).exists()


def test_a_bug_in_a_channel_does_not_stop_the_worker_and_is_logged_with_its_trace(
    dossier, has_email, monkeypatch, caplog
):
    def buggy(delivery):
        raise TypeError("a bug in the email channel")

    monkeypatch.setitem(services.CHANNELS, Delivery.Channel.EMAIL, buggy)
    announce(dossier, "received")

    report = services.dispatch()

    assert (report.sent, report.failed) == (1, 1)  # the inbox copy still went out
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert email.state == Delivery.State.FAILED and "TypeError" in email.last_error
    traced = [r for r in caplog.records if r.exc_info and r.exc_info[0] is TypeError]
    assert traced, "the failure is logged with its trace"
