"""The e-wallet (ví giấy tờ điện tử) of documents the state issued to a person or an
organisation, and the inbox (hộp thư) of official notifications. Both are keyed by the
subject's identifier (12-digit personal ID or enterprise code), so a minor child without an
account of their own has them too."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class WalletDocument(models.Model):
    """A document in a subject's e-wallet (giấy tờ trong ví): issuer, dates, a file and its
    structured data, with the file's SHA-256."""

    class Status(models.TextChoices):
        VALID = "valid", "Còn hiệu lực"
        REVOKED = "revoked", "Đã thu hồi"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_id = models.CharField("chủ sở hữu (số định danh / mã số)", max_length=20, db_index=True)
    title = models.CharField("tên giấy tờ", max_length=255)
    issuer_code = models.CharField("mã cơ quan cấp", max_length=40, blank=True)
    issuer_name = models.CharField("cơ quan cấp", max_length=255)
    issued_on = models.DateField("ngày cấp")
    valid_until = models.DateField("hiệu lực đến", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    file = models.FileField(upload_to="wallet/%Y/%m/", max_length=255)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    sha256 = models.CharField(max_length=64)
    data = models.JSONField("dữ liệu có cấu trúc", default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "giấy tờ trong ví"
        verbose_name_plural = "giấy tờ trong ví"
        indexes = [models.Index(fields=["owner_id", "-issued_on"], name="wallet_doc_owner")]

    def __str__(self) -> str:
        return f"{self.title} ({self.owner_id})"

    @property
    def is_valid(self) -> bool:
        today = timezone.localdate()
        return self.status == self.Status.VALID and (
            self.valid_until is None or self.valid_until >= today
        )


class InboxMessage(models.Model):
    """An official notification in a subject's inbox (thông báo trong hộp thư)."""

    class Kind(models.TextChoices):
        DOSSIER_STATUS = "dossier_status", "Trạng thái hồ sơ"
        SUPPLEMENT_REQUEST = "supplement_request", "Yêu cầu bổ sung hồ sơ"
        RESULT = "result", "Kết quả giải quyết"
        INFO = "info", "Thông báo"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient_id = models.CharField("người nhận", max_length=20, db_index=True)
    title = models.CharField("tiêu đề", max_length=255)
    body = models.TextField("nội dung")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INFO)
    link = models.CharField("liên kết", max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "hộp thư"
        indexes = [
            models.Index(fields=["recipient_id", "-created_at"], name="wallet_inbox_recipient")
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"
