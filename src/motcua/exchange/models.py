from __future__ import annotations

from django.db import models
from django.utils import timezone


class Consumer(models.Model):
    """A consumer (đơn vị khai thác dữ liệu): an agency or an information system allowed to
    call data services. It authenticates with a JWT client assertion signed by the private
    key matching `public_jwk` (RFC 7523, `private_key_jwt`)."""

    class Kind(models.TextChoices):
        AGENCY = "agency", "Cơ quan"
        SYSTEM = "system", "Hệ thống thông tin"

    code = models.SlugField(max_length=100, unique=True, help_text="iss = sub of assertions")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SYSTEM)
    agency_code = models.CharField(max_length=40, blank=True)
    public_jwk = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "đơn vị khai thác"
        verbose_name_plural = "đơn vị khai thác"

    def __str__(self) -> str:
        return self.code


class DataService(models.Model):
    """A data service (dịch vụ dữ liệu) published by a registry, e.g. population.person.basic.
    Rows mirror the registry modules' declarations (synced after migrate)."""

    code = models.CharField(max_length=100, unique=True)
    registry = models.CharField(max_length=40)
    name = models.CharField(max_length=255)
    sensitive = models.BooleanField(default=False, help_text="cần sự đồng ý của chủ thể")
    attributes = models.JSONField(default=list)
    subject_kind = models.CharField(max_length=40, default="personal_id")
    kind = models.CharField(
        max_length=5,
        choices=[("read", "Đọc"), ("write", "Ghi")],
        default="read",
        help_text="read: returns data; write: changes the registry",
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "dịch vụ dữ liệu"
        verbose_name_plural = "dịch vụ dữ liệu"

    def __str__(self) -> str:
        return self.code


class Grant(models.Model):
    """An access grant (quyền khai thác): a consumer may call a service for these purposes
    (procedure codes such as 1.001193, or named purposes) during a validity period."""

    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="grants")
    service = models.ForeignKey(DataService, on_delete=models.PROTECT, related_name="grants")
    purposes = models.JSONField(default=list)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "quyền khai thác"
        verbose_name_plural = "quyền khai thác"
        indexes = [models.Index(fields=["consumer", "service"], name="exch_grant_cs")]

    def __str__(self) -> str:
        return f"{self.consumer_id}→{self.service_id}"


class Consent(models.Model):
    """A person's consent (sự đồng ý của chủ thể dữ liệu) that a consumer (or any consumer,
    when blank) reads a sensitive service (or all, when blank) for a purpose."""

    personal_id = models.CharField(max_length=12, db_index=True)
    consumer = models.ForeignKey(
        Consumer, on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    service = models.ForeignKey(
        DataService, on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    purpose = models.CharField(max_length=100)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sự đồng ý"
        verbose_name_plural = "sự đồng ý"

    def __str__(self) -> str:
        return f"{self.personal_id}:{self.purpose}"


class MessageLogEntry(models.Model):
    """An entry of the exchange message log (nhật ký trao đổi dữ liệu): one call, allowed or
    denied. Entries form `EXCHANGE_LOG_CHAINS` independent hash chains: within a chain,
    `seq` has no gaps and `prev_hash` is the previous entry's `hash`; `signature` is the
    exchange's Ed25519 signature over `hash`. Append-only (a trigger refuses changes on
    PostgreSQL)."""

    chain = models.PositiveSmallIntegerField()
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    consumer = models.CharField(max_length=100)
    service = models.CharField(max_length=100)
    purpose = models.CharField(max_length=100)
    subject = models.CharField(max_length=20)
    outcome = models.CharField(
        max_length=30, help_text="allowed, not-found, written, unchanged or denied:<reason>"
    )
    requester = models.CharField(
        max_length=60, blank=True, default="", help_text="on whose behalf: citizen:<id>, …"
    )
    dossier = models.CharField(max_length=40, blank=True, default="", help_text="for which dossier")
    request_hash = models.CharField(max_length=64)
    response_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    class Meta:
        verbose_name = "mục nhật ký trao đổi"
        verbose_name_plural = "nhật ký trao đổi dữ liệu"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="exch_log_chain_seq"),
            models.UniqueConstraint(fields=["chain", "prev_hash"], name="exch_log_chain_prev"),
        ]
        indexes = [models.Index(fields=["subject", "occurred_at"], name="exch_log_subject")]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.consumer} {self.service} {self.outcome}"


class UsedAssertion(models.Model):
    """A client assertion's `jti` already used (mã định danh assertion đã dùng): a replay
    with the same one is refused until it expires."""

    consumer = models.CharField(max_length=100)
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "assertion đã dùng"
        verbose_name_plural = "assertion đã dùng"
        constraints = [models.UniqueConstraint(fields=["consumer", "jti"], name="exch_jti_once")]

    def __str__(self) -> str:
        return self.jti


class PolicyGeneration(models.Model):
    """One row whose random `token` changes, by database trigger, with every change of
    consumers, data services or grants (thế hệ chính sách truy cập): processes cache the
    policy and re-read it when the token differs (see policy.py)."""

    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = "thế hệ chính sách truy cập"
        verbose_name_plural = "thế hệ chính sách truy cập"

    def __str__(self) -> str:
        return self.token


class LogAnchor(models.Model):
    """A signed anchor (mốc neo) of every chain's head (seq, hash) at a moment: a later
    verification checks that no chain lost entries after it. The anchor is also written to
    the audit log (and may be published outside the database)."""

    created_at = models.DateTimeField(default=timezone.now)
    heads = models.JSONField(help_text='{"chain": [seq, hash], ...}')
    key_id = models.CharField(max_length=16)
    hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)

    class Meta:
        verbose_name = "mốc neo nhật ký trao đổi"
        verbose_name_plural = "mốc neo nhật ký trao đổi"

    def __str__(self) -> str:
        return f"anchor {self.created_at:%Y-%m-%d %H:%M:%S}"


class GrantDeclaration(models.Model):
    """A version of the data owners' declared grants file (tệp khai báo quyền khai thác) that
    was loaded: the same version is not applied twice, so a grant the owner revoked stays
    revoked until the owner publishes a new version."""

    version = models.PositiveIntegerField(unique=True)
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "tệp khai báo quyền khai thác"
        verbose_name_plural = "tệp khai báo quyền khai thác"

    def __str__(self) -> str:
        return f"grants v{self.version}"
