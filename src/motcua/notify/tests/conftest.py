"""Fixtures for notification tests: a dossier row to talk about, its events, a real local
SMTP server (aiosmtpd) and the console SMS log in a temporary VAR_DIR."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from motcua.notify import services
from motcua.notify.models import OutboxEvent

PERSON_ID = "001085012345"
OTHER_ID = "079090012348"
CODE = "H01.00070-260105-0001"


@pytest.fixture
def make_dossier(db: None) -> Callable[..., Any]:
    """A dossier row as the dossier services leave it (test data, not a submission)."""
    from motcua.dossiers.models import Dossier

    counter = iter(range(1, 10_000))

    def make(applicant_id: str = PERSON_ID, code: str = "", status: str = "received") -> Any:
        n = next(counter)
        return Dossier.objects.create(
            code=code or f"H01.00070-260105-{n:04d}",
            draft_ref=f"NTEST{n:07d}",
            procedure_code="1.001193",
            procedure_version=1,
            procedure_name="Đăng ký khai sinh",
            applicant_id=applicant_id,
            created_by=applicant_id,
            receiving_unit="01.00070.tthcc",
            receiving_unit_name="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm",
            status=status,
            due_date=dt.date(2026, 1, 12),
        )

    return make


@pytest.fixture
def dossier(make_dossier: Callable[..., Any]) -> Any:
    return make_dossier(code=CODE)


def announce(dossier: Any, action: str, seq: int = 1, status: str = "") -> OutboxEvent:
    """The outbox event `dossiers.services._event` writes for one action."""
    return services.enqueue(
        f"dossier.{action}",
        f"dossier.{action}:{dossier.id}:{seq}",
        {"dossier": str(dossier.id), "reference": dossier.reference, "status": status or action},
    )


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = mailbox.host, mailbox.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "thongbao@motcua.local"
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def sms_log(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    settings.NOTIFY_SMS_PROVIDER = "console"
    return tmp_path / "sms.log"
