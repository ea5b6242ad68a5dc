"""Inter-agency official documents (văn bản điện tử liên thông): the agencies' key directory,
documents with their Decree 30/2020 metadata, the registers of outgoing and incoming documents,
and the delivery of each document to each recipient agency."""

from __future__ import annotations

import uuid

from django.db import models


class AgencyKey(models.Model):
    """One version of an agency's keys (khóa của cơ quan): Ed25519 to sign outgoing packages,
    X25519 to receive confidential ones. The public halves are the published key directory;
    the private halves, when this installation holds them, are sealed with AES-GCM under a key
    derived from the settings (an HSM in production). A retired version still decrypts."""

    agency_code = models.CharField("mã cơ quan", max_length=40)
    version = models.PositiveIntegerField("phiên bản")
    sign_public = models.BinaryField("khóa công khai ký (Ed25519)")
    encrypt_public = models.BinaryField("khóa công khai mã hóa (X25519)")
    sign_private_sealed = models.BinaryField(null=True, blank=True)
    encrypt_private_sealed = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency_code", "version"], name="edocs_key_version")
        ]
        ordering = ["agency_code", "-version"]
        verbose_name = "khóa cơ quan"
        verbose_name_plural = "danh bạ khóa cơ quan"

    def __str__(self) -> str:
        return f"{self.agency_code} v{self.version}"


class Document(models.Model):
    """An official document (văn bản hành chính) as one agency holds it: its own outgoing
    document (văn bản đi) or its copy of an incoming one (văn bản đến). `origin_id` is the
    issuing agency's id of the document, the same in every copy; links (answers, replaces)
    travel between agencies by it."""

    class Direction(models.TextChoices):
        OUTGOING = "out", "Văn bản đi"
        INCOMING = "in", "Văn bản đến"

    class Urgency(models.TextChoices):
        NORMAL = "normal", "Thường"
        URGENT = "urgent", "Khẩn"
        VERY_URGENT = "very_urgent", "Thượng khẩn"
        FLASH = "flash", "Hỏa tốc"

    class Confidentiality(models.TextChoices):
        NORMAL = "normal", "Thường"
        SECRET = "secret", "Mật"
        TOP_SECRET = "top_secret", "Tối mật"
        HIGHEST = "highest", "Tuyệt mật"

    class Status(models.TextChoices):
        ACTIVE = "active", "Có hiệu lực"
        RECALLED = "recalled", "Đã thu hồi"
        REPLACED = "replaced", "Đã được thay thế"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    origin_id = models.UUIDField("mã văn bản gốc", db_index=True)
    owner_agency = models.CharField("cơ quan lưu giữ", max_length=40, db_index=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    issuing_agency = models.CharField("cơ quan ban hành", max_length=40)
    issuing_agency_name = models.CharField(max_length=255)
    number = models.PositiveIntegerField("số")
    symbol = models.CharField("ký hiệu", max_length=60)
    doc_type = models.CharField("loại văn bản", max_length=30)
    issued_on = models.DateField("ngày ban hành")
    place = models.CharField("địa danh", max_length=100)
    # Empty for a confidential document: its summary and signer travel only inside `sealed`.
    summary = models.TextField("trích yếu", blank=True)
    signer_name = models.CharField("người ký", max_length=255, blank=True)
    signer_position = models.CharField("chức vụ người ký", max_length=255, blank=True)
    recipients = models.JSONField("nơi nhận", default=list)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    confidentiality = models.CharField(
        max_length=12, choices=Confidentiality.choices, default=Confidentiality.NORMAL
    )
    page_count = models.PositiveIntegerField("số trang", default=1)
    answers = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="answered_by"
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    # The package exactly as signed (outgoing) or received (incoming): the one source of the
    # files. A confidential document's package holds its content only as ciphertext.
    package = models.BinaryField("gói văn bản")
    package_sha256 = models.CharField(max_length=64)
    created_by = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_agency", "origin_id"], name="edocs_one_copy_per_agency"
            )
        ]
        indexes = [models.Index(fields=["owner_agency", "direction", "-created_at"])]
        ordering = ["-created_at"]
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"

    def __str__(self) -> str:
        return f"{self.number_symbol} {self.issuing_agency}"

    @property
    def number_symbol(self) -> str:
        return f"{self.number:02d}/{self.symbol}"

    @property
    def confidential(self) -> bool:
        return self.confidentiality != self.Confidentiality.NORMAL


class RegisterCounter(models.Model):
    """The last number given in one register book (sổ đăng ký) of an agency, per year and
    document type; its row is locked while the next number is taken."""

    class Book(models.TextChoices):
        OUTGOING = "out", "Sổ văn bản đi"
        INCOMING = "in", "Sổ văn bản đến"

    agency_code = models.CharField(max_length=40)
    book = models.CharField(max_length=3, choices=Book.choices)
    year = models.PositiveSmallIntegerField()
    doc_type = models.CharField(max_length=30)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency_code", "book", "year", "doc_type"], name="edocs_one_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.book} {self.year} {self.doc_type}: {self.last}"


class RegisterEntry(models.Model):
    """A line of a register book (số đi / số đến): numbers run 1, 2, 3... without gaps per
    agency, book, year and type, and are never given twice."""

    agency_code = models.CharField(max_length=40)
    book = models.CharField(max_length=3, choices=RegisterCounter.Book.choices)
    year = models.PositiveSmallIntegerField()
    doc_type = models.CharField(max_length=30)
    number = models.PositiveIntegerField()
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="entries")
    registered_by = models.CharField(max_length=20)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency_code", "book", "year", "doc_type", "number"],
                name="edocs_number_never_reused",
            ),
            models.UniqueConstraint(fields=["document", "book"], name="edocs_registered_once"),
        ]
        ordering = ["agency_code", "book", "year", "doc_type", "number"]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.book} {self.year} {self.doc_type} số {self.number}"


class Delivery(models.Model):
    """The sending of one outgoing document to one recipient agency (gửi văn bản), whose state
    the sender follows: sent, delivered, received (registered by the clerk), assigned, done,
    returned with a reason, or recalled by the sender."""

    class State(models.TextChoices):
        SENT = "sent", "Đã gửi"
        DELIVERED = "delivered", "Đã đến nơi nhận"
        RECEIVED = "received", "Đã vào sổ văn bản đến"
        ASSIGNED = "assigned", "Đã giao xử lý"
        DONE = "done", "Đã xử lý xong"
        RETURNED = "returned", "Bị trả lại"
        RECALLED = "recalled", "Đã thu hồi"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deliveries")
    recipient_agency = models.CharField(max_length=40)
    recipient_name = models.CharField(max_length=255)
    incoming = models.OneToOneField(
        Document,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_in",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.SENT)
    reason = models.TextField(blank=True)
    assignee = models.CharField(max_length=20, blank=True)
    assignee_name = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "recipient_agency"], name="edocs_one_delivery_per_recipient"
            )
        ]
        ordering = ["recipient_agency"]
        verbose_name = "lượt gửi"
        verbose_name_plural = "lượt gửi"

    def __str__(self) -> str:
        return f"{self.document_id} → {self.recipient_agency}: {self.state}"


class DeliveryEvent(models.Model):
    """Append-only history of a delivery (lịch sử xử lý)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(max_length=10, choices=Delivery.State.choices)
    actor = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.state} {self.at:%Y-%m-%d %H:%M}"


class DraftDocument(models.Model):
    """A draft submitted for signing (dự thảo trình ký): prepared by a clerk or official of
    the agency, it takes no number and carries no signature until the named signer, in their
    own session, signs and issues it, or sends it back with a reason. Its content (summary,
    body, attachments) is sealed like the agencies' private keys, since it may be
    confidential."""

    class State(models.TextChoices):
        PENDING = "pending", "Chờ ký"
        SIGNED = "signed", "Đã ký ban hành"
        REJECTED = "rejected", "Bị trả lại"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency_code = models.CharField("cơ quan", max_length=40, db_index=True)
    prepared_by = models.CharField("người trình", max_length=20)
    prepared_by_name = models.CharField(max_length=255)
    signer_personal_id = models.CharField("người ký", max_length=20, db_index=True)
    signer_name = models.CharField(max_length=255)
    signer_position = models.CharField("chức vụ người ký", max_length=255)
    doc_type = models.CharField("loại văn bản", max_length=30)
    recipients = models.JSONField("nơi nhận", default=list)
    urgency = models.CharField(max_length=12, choices=Document.Urgency.choices)
    confidentiality = models.CharField(max_length=12, choices=Document.Confidentiality.choices)
    answers = models.UUIDField(null=True, blank=True)
    replaces = models.UUIDField(null=True, blank=True)
    content_sealed = models.BinaryField("nội dung (đã niêm phong)")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    document = models.OneToOneField(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency_code", "state", "-created_at"])]
        ordering = ["-created_at"]
        verbose_name = "dự thảo trình ký"
        verbose_name_plural = "dự thảo trình ký"

    def __str__(self) -> str:
        return f"{self.agency_code} {self.doc_type} → {self.signer_personal_id}: {self.state}"

    @property
    def confidential(self) -> bool:
        return self.confidentiality != Document.Confidentiality.NORMAL
