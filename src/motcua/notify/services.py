"""The transactional outbox and its dispatcher. Other apps enqueue events inside their own
transaction; the events become visible to dispatchers only when that transaction commits.
`dispatch` turns due events into deliveries through topic handlers, then sends the due
deliveries (inbox, email, SMS), retrying failures with back-off (README.md)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core import site
from motcua.core.errors import InvalidInput

from . import sms
from .models import Delivery, NotificationAddress, OutboxEvent

logger = logging.getLogger(__name__)

ACTOR = "system:notify"
DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_RETRY_BASE_SECONDS = 60
DEFAULT_RETRY_MAX_SECONDS = 6 * 3600
DEFAULT_EMAIL_TIMEOUT = 15


# ---------------------------------------------------------------------------- the outbox


def enqueue(topic: str, key: str, payload: dict[str, Any]) -> OutboxEvent:
    """Add an event once per `key` (a second call with the same key returns the first)."""
    if not topic or not key or len(key) > 200:
        raise InvalidInput("Sự kiện cần chủ đề và khóa hợp lệ.")
    # One statement that adds nothing when the key exists: no savepoint around the insert in
    # the caller's transaction.
    meta, now, q = OutboxEvent._meta, timezone.now(), connection.ops.quote_name
    columns = ", ".join(q(c) for c in ("topic", "key", "payload", "created_at", "attempts"))
    values = [
        topic,
        key,
        meta.get_field("payload").get_db_prep_save(payload, connection),
        meta.get_field("created_at").get_db_prep_save(now, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(meta.db_table)} ({columns}, {q('last_error')}) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, 0, '') ON CONFLICT ({q('key')}) DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return OutboxEvent.objects.get(key=key)
    return OutboxEvent(id=row[0], topic=topic, key=key, payload=payload, created_at=now)


def pending(limit: int = 100) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(dispatched_at__isnull=True)[:limit])


# ---------------------------------------------------------------------------- handlers


@dataclass(frozen=True)
class Message:
    """What a handler wants one subject (person or organisation) told. It always reaches
    their inbox; the email copy goes to their verified address, and `sms`, when not empty,
    to their verified phone."""

    recipient_id: str
    title: str
    body: str
    link: str = ""
    kind: str = "info"
    sms: str = ""


Handler = Callable[[OutboxEvent], Iterable[Message]]
_handlers: dict[str, Handler] = {}


def register_handler(topic_prefix: str, handler: Handler) -> Handler:
    """Let `handler` turn events whose topic starts with `topic_prefix` ("dossier." or
    "dossier.*") into messages; the longest matching prefix wins."""
    prefix = topic_prefix.removesuffix("*")
    if not prefix:
        raise ValueError("A handler needs a topic prefix.")
    _handlers[prefix] = handler
    return handler


def handler_for(topic: str) -> Handler | None:
    matches = [p for p in _handlers if topic.startswith(p)]
    return _handlers[max(matches, key=len)] if matches else None


# ---------------------------------------------------------------------------- addresses


@dataclass(frozen=True)
class Contacts:
    email: str = ""
    phone: str = ""


_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_VN_MOBILE = re.compile(r"^0[35789]\d{8}$")


def normalise_phone(phone: str) -> str:
    """A Vietnamese mobile number as E.164 (+84…), or InvalidInput."""
    digits = _PHONE_SEPARATORS.sub("", phone)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _VN_MOBILE.match(digits):
        raise InvalidInput("Số điện thoại di động không hợp lệ.", param="phone")
    return "+84" + digits[1:]


def set_address(
    personal_id: str,
    *,
    actor: str,
    email: str | None = None,
    phone: str | None = None,
    email_verified: bool = False,
    phone_verified: bool = False,
) -> NotificationAddress:
    """Set a subject's contact points (None leaves one as it is, "" removes it). A changed
    address counts as unverified unless the caller has just verified it."""
    if not personal_id or len(personal_id) > 20:
        raise InvalidInput("Số định danh không hợp lệ.", param="personal_id")
    with transaction.atomic():
        address, _ = NotificationAddress.objects.select_for_update().get_or_create(
            personal_id=personal_id
        )
        if email is not None:
            email = email.strip().lower()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    raise InvalidInput("Địa chỉ thư điện tử không hợp lệ.", param="email") from None
            if email != address.email:
                address.email, address.email_verified = email, False
        if phone is not None:
            phone = normalise_phone(phone) if phone.strip() else ""
            if phone != address.phone:
                address.phone, address.phone_verified = phone, False
        address.email_verified = bool(address.email) and (email_verified or address.email_verified)
        address.phone_verified = bool(address.phone) and (phone_verified or address.phone_verified)
        address.save()
        audit.record(
            actor=actor,
            action="notify.address.set",
            target_type="notify.address",
            target_id=personal_id,
            data={
                "email": bool(address.email),
                "email_verified": address.email_verified,
                "phone": bool(address.phone),
                "phone_verified": address.phone_verified,
            },
        )
    return address


def contact_points(personal_id: str) -> Contacts:
    """Where to send copies: the verified email and phone set here. (The identity account's
    `email` field is Django's, set by no enrolment and never verified, so it is not used.)"""
    address = NotificationAddress.objects.filter(personal_id=personal_id).first()
    if address is None:
        return Contacts()
    return Contacts(
        email=address.email if address.email_verified else "",
        phone=address.phone if address.phone_verified else "",
    )


# ---------------------------------------------------------------------------- dispatching


@dataclass
class DispatchReport:
    """What one `dispatch` call did. `full` says a batch was full: call again at once."""

    events: int = 0
    unhandled: int = 0
    event_errors: int = 0
    planned: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    full: bool = False

    @property
    def did_work(self) -> bool:
        return bool(self.events or self.event_errors or self.sent or self.failed or self.dead)

    def __str__(self) -> str:
        return (
            f"events={self.events} (unhandled {self.unhandled}, errors {self.event_errors}) "
            f"deliveries planned={self.planned} sent={self.sent} failed={self.failed} "
            f"dead={self.dead}"
        )


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure: base·2^(n-1), capped."""
    base = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS))
    cap = float(getattr(settings, "NOTIFY_RETRY_MAX_SECONDS", DEFAULT_RETRY_MAX_SECONDS))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def dispatch(batch: int = 100, now: dt.datetime | None = None) -> DispatchReport:
    """Plan the deliveries of up to `batch` due events, then attempt up to `batch` due
    deliveries. Safe to run in several processes at once on PostgreSQL (rows are claimed with
    FOR UPDATE SKIP LOCKED); on SQLite it runs serially."""
    now = now or timezone.now()
    report = DispatchReport()
    _plan_due_events(batch, now, report)
    _send_due_deliveries(batch, now, report)
    return report


def _plan_due_events(batch: int, now: dt.datetime, report: DispatchReport) -> None:
    due = Q(dispatched_at__isnull=True, dead_at__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("id")[:batch]
        )
        report.full = report.full or len(events) == batch
        for event in events:
            _plan_event(event, now, report)


def _plan_event(event: OutboxEvent, now: dt.datetime, report: DispatchReport) -> None:
    handler = handler_for(event.topic)
    event.attempts += 1
    try:
        with transaction.atomic():
            messages = list(handler(event)) if handler else []
            planned = sum(_plan_message(event, message, now) for message in messages)
    except Exception as exc:
        # Deliberately broad: a handler's bug (or any failure) must not stop the other events
        # of the batch; the event is retried or dead, with the trace logged.
        logger.exception("notify: handler failed for event %s (%s)", event.pk, event.topic)
        event.last_error = _describe(exc)
        if event.attempts >= max_attempts():
            event.dead_at, event.next_attempt_at = now, None
        else:
            event.next_attempt_at = now + backoff(event.attempts)
        event.save(update_fields=["attempts", "last_error", "dead_at", "next_attempt_at"])
        report.event_errors += 1
        return
    if handler is None:
        logger.info("notify: no handler for topic %s; event %s dispatched", event.topic, event.pk)
        report.unhandled += 1
    event.dispatched_at, event.next_attempt_at, event.last_error = now, None, ""
    event.save(update_fields=["attempts", "dispatched_at", "next_attempt_at", "last_error"])
    report.events += 1
    report.planned += planned


def _plan_message(event: OutboxEvent, message: Message, now: dt.datetime) -> int:
    """The message's deliveries, one per channel and address (idempotent)."""
    contacts = contact_points(message.recipient_id)
    rows = [(Delivery.Channel.INBOX, message.recipient_id, message.title, message.body)]
    if contacts.email:
        rows.append((Delivery.Channel.EMAIL, contacts.email, message.title, message.body))
    if message.sms and contacts.phone and sms.enabled():
        rows.append((Delivery.Channel.SMS, contacts.phone, message.title, message.sms))
    created = 0
    for channel, recipient, title, body in rows:
        _, new = Delivery.objects.get_or_create(
            event=event,
            channel=channel,
            recipient=recipient,
            defaults={
                "subject_id": message.recipient_id,
                "title": title[:255],
                "body": body,
                "link": message.link[:500],
                "kind": message.kind,
                "next_attempt_at": now,
            },
        )
        created += new
    return created


def _send_due_deliveries(batch: int, now: dt.datetime, report: DispatchReport) -> None:
    due = Q(state__in=[Delivery.State.PENDING, Delivery.State.FAILED], next_attempt_at__lte=now)
    for _ in range(batch):
        # One short transaction per delivery: the row stays locked while it is being sent,
        # so a concurrent dispatcher skips it; a crash rolls back and leaves it due.
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(due)
                .order_by("next_attempt_at", "id")
                .first()
            )
            if delivery is None:
                return
            _attempt(delivery, now, report)
    report.full = True


def _attempt(delivery: Delivery, now: dt.datetime, report: DispatchReport) -> None:
    delivery.attempts += 1
    try:
        with transaction.atomic():
            CHANNELS[delivery.channel](delivery)
    except Exception as exc:
        # Deliberately broad: this worker must survive any channel failure (SMTP, an SMS
        # gateway, a bug) and record it on the delivery, retried or dead; the trace is logged.
        permanent = isinstance(exc, sms.PermanentFailure) or _permanent_smtp(exc)
        delivery.last_error = _describe(exc)
        if permanent or delivery.attempts >= max_attempts():
            delivery.state = Delivery.State.DEAD
            report.dead += 1
            logger.exception(
                "notify: delivery %s (%s) dead after %s attempts: %s",
                delivery.pk,
                delivery.channel,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.state = Delivery.State.FAILED
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            report.failed += 1
            logger.warning(
                "notify: delivery %s (%s) failed, retry at %s: %s",
                delivery.pk,
                delivery.channel,
                delivery.next_attempt_at.isoformat(),
                delivery.last_error,
                exc_info=True,
            )
    else:
        delivery.state, delivery.sent_at, delivery.last_error = Delivery.State.SENT, now, ""
        report.sent += 1
    delivery.save(update_fields=["attempts", "state", "next_attempt_at", "last_error", "sent_at"])


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _permanent_smtp(exc: BaseException) -> bool:
    """An SMTP server refused every recipient with a 5xx code: retrying will not help."""
    import smtplib

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return False


# ---------------------------------------------------------------------------- channels


def inbox_key(delivery: Delivery) -> str:
    """The wallet's idempotency key of this event's message to this subject."""
    return f"notify:{delivery.event_id}:{delivery.subject_id}"


def _send_inbox(delivery: Delivery) -> None:
    from motcua.wallet import services as wallet

    wallet.send_message(
        recipient_id=delivery.recipient,
        title=delivery.title,
        body=delivery.body,
        key=inbox_key(delivery),
        actor=ACTOR,
        kind=delivery.kind,
        link=delivery.link,
    )


def _send_email(delivery: Delivery) -> None:
    from django.core.mail import EmailMessage, get_connection

    body = delivery.body
    if delivery.link:
        body += f"\n\n{site.absolute(delivery.link)}"
    body += "\n\n-- \nCổng Dịch vụ công MotCua. Thư gửi tự động, vui lòng không trả lời."
    domain = str(getattr(settings, "NOTIFY_MESSAGE_ID_DOMAIN", "motcua.local"))
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_EMAIL_TIMEOUT
    message = EmailMessage(
        subject=delivery.title,
        body=body,
        from_email=getattr(settings, "NOTIFY_FROM_EMAIL", None) or settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        # The same Message-ID on a resend lets mail clients show it once.
        headers={"Message-ID": f"<notify.{delivery.pk}@{domain}>"},
        connection=get_connection(fail_silently=False, timeout=timeout),
    )
    message.send(fail_silently=False)


def _send_sms(delivery: Delivery) -> None:
    sms.configured().send(delivery.recipient, delivery.body)


CHANNELS: dict[str, Callable[[Delivery], None]] = {
    Delivery.Channel.INBOX: _send_inbox,
    Delivery.Channel.EMAIL: _send_email,
    Delivery.Channel.SMS: _send_sms,
}


# ---------------------------------------------------------------------------- dead letters


def retry_deliveries(ids: Iterable[int], *, actor: str) -> int:
    """Put dead or failed deliveries back in the queue, due now, with fresh attempts."""
    ids = list(ids)
    with transaction.atomic():
        count = Delivery.objects.filter(
            pk__in=ids, state__in=[Delivery.State.DEAD, Delivery.State.FAILED]
        ).update(state=Delivery.State.PENDING, attempts=0, next_attempt_at=timezone.now())
        audit.record(
            actor=actor,
            action="notify.delivery.retried",
            target_type="notify.delivery",
            data={"ids": ids, "count": count},
        )
    return count


def retry_events(ids: Iterable[int], *, actor: str) -> int:
    """Put dead events (whose handler kept failing) back in the queue."""
    ids = list(ids)
    with transaction.atomic():
        count = OutboxEvent.objects.filter(
            pk__in=ids, dispatched_at__isnull=True, dead_at__isnull=False
        ).update(dead_at=None, attempts=0, next_attempt_at=None)
        audit.record(
            actor=actor,
            action="notify.event.retried",
            target_type="notify.event",
            data={"ids": ids, "count": count},
        )
    return count
