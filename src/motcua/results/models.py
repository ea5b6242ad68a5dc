"""Electronic results (kết quả giải quyết thủ tục hành chính điện tử) and the signing
certificates of the officials who sign them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class SigningCertificate(models.Model):
    """An official's signing certificate (chứng thư chữ ký số) from the local key store,
    issued by the configured certificate authority. The private key is kept encrypted."""

    personal_id = models.CharField(max_length=20, db_index=True)
    serial = models.CharField(max_length=64, unique=True, help_text="hex serial number")
    subject = models.CharField(max_length=500)
    certificate_pem = models.TextField()
    key_pem_encrypted = models.TextField(help_text="PKCS#8 PEM, encrypted with the store secret")
    issued_at = models.DateTimeField()
    not_after = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=Q(revoked_at__isnull=True),
                name="results_one_live_certificate_per_person",
            )
        ]
        verbose_name = "chứng thư ký số"
        verbose_name_plural = "chứng thư ký số"

    def __str__(self) -> str:
        return f"{self.personal_id} {self.serial}"


class ResultDocument(models.Model):
    """An issued electronic result (kết quả điện tử): the signed PDF, its hash and the
    structured data beside it that other procedures reuse."""

    class Status(models.TextChoices):
        VALID = "valid", "Còn hiệu lực"
        REVOKED = "revoked", "Đã thu hồi"
        REPLACED = "replaced", "Đã được thay thế"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier_code = models.CharField(max_length=60, db_index=True)
    procedure_code = models.CharField(max_length=20)
    template_code = models.CharField(max_length=60)
    template_version = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    owner_id = models.CharField(max_length=20, db_index=True)
    owner_name = models.CharField(max_length=255, blank=True)
    issuer_code = models.CharField(max_length=40, blank=True)
    issuer = models.CharField(max_length=255)
    signer_personal_id = models.CharField(max_length=20)
    signer_name = models.CharField(max_length=255)
    signing_provider = models.CharField(max_length=40)
    issued_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to="results/%Y/%m/")
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier_code"],
                condition=Q(status="valid"),
                name="results_one_valid_result_per_dossier",
            )
        ]
        verbose_name = "kết quả điện tử"
        verbose_name_plural = "kết quả điện tử"

    def __str__(self) -> str:
        return f"{self.title} ({self.dossier_code})"
