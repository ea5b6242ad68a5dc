"""The wallet's public functions. Later apps (results, notify) deliver through these:
`add_document` and `send_message` are idempotent by a caller-given key, so a retried delivery
leaves one document or message. Reads of another subject's items answer "not found"."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.audit import services as audit
from motcua.core.errors import Conflict, InvalidInput, NotFound

from .models import InboxMessage, WalletDocument

MAX_FILE_BYTES = 20 * 1024 * 1024


def _check_key(key: str) -> None:
    if not key or len(key) > 120:
        raise InvalidInput(_("Cần khóa chống trùng (idempotency key) hợp lệ."), param="key")


def add_document(
    *,
    owner_id: str,
    title: str,
    issuer_name: str,
    issued_on: dt.date,
    content: bytes,
    filename: str,
    key: str,
    actor: str,
    issuer_code: str = "",
    valid_until: dt.date | None = None,
    content_type: str = "application/octet-stream",
    data: dict[str, Any] | None = None,
) -> WalletDocument:
    """Put a document the state issued into `owner_id`'s wallet (once per `key`)."""
    _check_key(key)
    if not owner_id or not title.strip() or not issuer_name.strip():
        raise InvalidInput(_("Cần chủ sở hữu, tên giấy tờ và cơ quan cấp."))
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(_("Tệp giấy tờ quá lớn."), param="content")
    existing = WalletDocument.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_owner(existing, existing.owner_id, owner_id)
    digest = hashlib.sha256(content).hexdigest()
    try:
        with transaction.atomic():
            document = WalletDocument(
                owner_id=owner_id,
                title=title.strip(),
                issuer_code=issuer_code,
                issuer_name=issuer_name.strip(),
                issued_on=issued_on,
                valid_until=valid_until,
                filename=filename[:120],
                content_type=content_type,
                sha256=digest,
                data=data or {},
                idempotency_key=key,
            )
            document.file.save(f"{document.id}-{filename[:60]}", ContentFile(content), save=False)
            document.save(force_insert=True)
            audit.record(
                actor=actor,
                action="wallet.document.added",
                target_type="wallet.document",
                target_id=str(document.id),
                data={"owner": owner_id, "title": document.title, "sha256": digest},
            )
    except IntegrityError:  # a concurrent delivery with the same key won
        existing = WalletDocument.objects.get(idempotency_key=key)
        return _same_owner(existing, existing.owner_id, owner_id)
    return document


def revoke_document(key: str, *, actor: str, reason: str) -> WalletDocument | None:
    """The issuer withdrew the document delivered under `key` (a result revoked or replaced):
    it stays in the wallet, marked revoked, so the owner sees what happened and no one takes
    it for valid. None when nothing was delivered under that key."""
    _check_key(key)
    document = WalletDocument.objects.select_for_update().filter(idempotency_key=key).first()
    if document is None or document.status == WalletDocument.Status.REVOKED:
        return document
    document.status = WalletDocument.Status.REVOKED
    document.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="wallet.document.revoked",
        target_type="wallet.document",
        target_id=str(document.id),
        data={"owner": document.owner_id, "reason": reason[:500]},
    )
    return document


def _same_owner(item: Any, stored: str, given: str) -> Any:
    if stored != given:
        raise Conflict(_("Khóa chống trùng đã được dùng cho chủ thể khác."), param="key")
    return item


def send_message(
    *,
    recipient_id: str,
    title: str,
    body: str,
    key: str,
    actor: str,
    kind: str = InboxMessage.Kind.INFO,
    link: str = "",
) -> InboxMessage:
    """Deliver an official notification to `recipient_id`'s inbox (once per `key`)."""
    _check_key(key)
    if kind not in InboxMessage.Kind.values:
        raise InvalidInput(_("Loại thông báo không hợp lệ."), param="kind")
    if not recipient_id or not title.strip():
        raise InvalidInput(_("Cần người nhận và tiêu đề."))
    existing = InboxMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_owner(existing, existing.recipient_id, recipient_id)
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                recipient_id=recipient_id,
                title=title.strip(),
                body=body,
                kind=kind,
                link=link,
                idempotency_key=key,
            )
            audit.record(
                actor=actor,
                action="wallet.message.sent",
                target_type="wallet.message",
                target_id=str(message.id),
                data={"recipient": recipient_id, "kind": kind},
            )
    except IntegrityError:
        existing = InboxMessage.objects.get(idempotency_key=key)
        return _same_owner(existing, existing.recipient_id, recipient_id)
    return message


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def _document(owner_id: str, document_id: Any) -> WalletDocument:
    pk = _uuid(document_id)
    document = WalletDocument.objects.filter(pk=pk, owner_id=owner_id).first() if pk else None
    if document is None:
        raise NotFound(_("Không tìm thấy giấy tờ."))
    return document


def open_document(
    owner_id: str, document_id: Any, *, actor: str, acting_for: str = ""
) -> tuple[WalletDocument, bytes]:
    """The document and its bytes, for its owner (or whoever acts for them); audited."""
    document = _document(owner_id, document_id)
    with document.file.open("rb") as handle:
        content = handle.read()
    audit.record(
        actor=actor,
        acting_for=acting_for,
        action="wallet.document.downloaded",
        target_type="wallet.document",
        target_id=str(document.id),
        data={"owner": owner_id},
    )
    return document, content


def mark_read(
    recipient_id: str, message_id: Any, *, actor: str, acting_for: str = ""
) -> InboxMessage:
    pk = _uuid(message_id)
    message = InboxMessage.objects.filter(pk=pk, recipient_id=recipient_id).first() if pk else None
    if message is None:
        raise NotFound(_("Không tìm thấy thông báo."))
    if message.read_at is None:
        with transaction.atomic():
            message.read_at = timezone.now()
            message.save(update_fields=["read_at"])
            audit.record(
                actor=actor,
                acting_for=acting_for,
                action="wallet.message.read",
                target_type="wallet.message",
                target_id=str(message.id),
            )
    return message
