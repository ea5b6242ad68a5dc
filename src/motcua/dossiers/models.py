from __future__ import annotations

import uuid

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Bản nháp"
    SUBMITTED = "submitted", "Đã nộp, chờ tiếp nhận"
    SUPPLEMENT_REQUESTED = "supplement_requested", "Yêu cầu bổ sung"
    REFUSED = "refused", "Từ chối tiếp nhận"
    RECEIVED = "received", "Đã tiếp nhận"
    PROCESSING = "processing", "Đang xử lý"
    PAUSED = "paused", "Tạm dừng"
    RESULT_READY = "result_ready", "Có kết quả"
    RETURNED = "returned", "Đã trả kết quả"
    WITHDRAWN = "withdrawn", "Đã rút"


class Dossier(models.Model):
    """A dossier (hồ sơ): one application for one procedure by one applicant, from draft to
    returned result. `status` is a cache of what the history says (`DossierEvent`)."""

    class Channel(models.TextChoices):
        ONLINE = "online", "Trực tuyến"
        COUNTER = "counter", "Trực tiếp"
        POST = "post", "Bưu chính"
        ASSISTED = "assisted", "Hỗ trợ số"

    class Payment(models.TextChoices):
        NOT_REQUIRED = "not_required", "Không thu phí"
        AWAITING = "awaiting", "Chờ thanh toán"
        PAID = "paid", "Đã thanh toán"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=60, unique=True, null=True, blank=True)
    draft_ref = models.CharField(max_length=20, unique=True)
    procedure_code = models.CharField(max_length=20, db_index=True)
    procedure_version = models.PositiveIntegerField()
    procedure_name = models.CharField(max_length=500)
    applicant_id = models.CharField(max_length=20, db_index=True)
    applicant_kind = models.CharField(max_length=20, default="person")
    applicant_name = models.CharField(max_length=255, blank=True)
    created_by = models.CharField(max_length=20, help_text="who filled it in (may act for)")
    acting_basis = models.CharField(max_length=20, blank=True)
    receiving_unit = models.CharField(max_length=40, db_index=True)
    receiving_unit_name = models.CharField(max_length=255)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # The official or digital-team member who filled it in at a counter or for the person.
    assisted_by = models.CharField(max_length=20, blank=True)
    # An integrated service (dịch vụ công liên thông): the parent application of this member.
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(default=dict, blank=True)
    prefill = models.JSONField(default=dict, blank=True)
    fee_amount = models.PositiveIntegerField(default=0)
    payment_status = models.CharField(
        max_length=14, choices=Payment.choices, default=Payment.NOT_REQUIRED
    )
    lookup_secret = models.CharField(max_length=16, blank=True)
    submit_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    appointment_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["applicant_id", "-created_at"])]
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"

    def __str__(self) -> str:
        return self.code or self.draft_ref

    @property
    def reference(self) -> str:
        """The code the applicant uses: the national code once submitted, else the draft's."""
        return self.code or self.draft_ref


# What each history row's action is called on the pages and in the API (`action_label`); a
# plain status change (`processing`, `paused`…) reads as the status it moved to.
ACTION_LABELS = {
    "created": "Tạo bản nháp hồ sơ",
    "submitted": "Nộp hồ sơ",
    "paid": "Nộp phí, lệ phí",
    "received": "Tiếp nhận hồ sơ",
    "refused": "Từ chối tiếp nhận",
    "supplement_requested": "Yêu cầu bổ sung hồ sơ",
    "supplemented": "Bổ sung hồ sơ",
    "withdrawn": "Rút hồ sơ",
    "result_ready": "Có kết quả (đã ký số)",
    "returned": "Trả kết quả",
    "stopped": "Dừng giải quyết",
    "forwarded": "Chuyển hồ sơ đến",
    # an integrated (bundle) dossier's own rows
    "bundle_opened": "Mở hồ sơ liên thông",
    "member_released": "Chuyển thành phần tới cơ quan giải quyết",
    "member_result": "Thành phần có kết quả",
    "member_refused": "Thành phần bị từ chối",
    "member_stopped": "Thành phần dừng do thành phần phụ thuộc không có kết quả",
    "member_blocked": "Thành phần chưa chuyển được",
    "status_derived": "Cập nhật trạng thái chung",
}


class DossierEvent(models.Model):
    """One append-only history row (lịch sử xử lý): every action on a dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.CharField(max_length=60)
    acting_for = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.seq} {self.action}"

    @property
    def action_label(self) -> str:
        if self.action in ACTION_LABELS:
            return ACTION_LABELS[self.action]
        return str(Status(self.action).label) if self.action in Status.values else self.action


class DossierFile(models.Model):
    """A file attached to a dossier component (tệp đính kèm), checked before it was saved."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="files")
    component_position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    mime = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="dossiers/%Y/%m/")
    uploaded_by = models.CharField(max_length=20)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    supplement = models.ForeignKey(
        "SupplementRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )

    class Meta:
        ordering = ["component_position", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class ComponentRecord(models.Model):
    """A component the state already held: which registry record, at which version, stood in
    for the paper the applicant would otherwise have brought."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="records")
    component_position = models.PositiveSmallIntegerField()
    component_name = models.CharField(max_length=500)
    registry = models.CharField(max_length=40)
    service = models.CharField(max_length=80)
    subject = models.CharField(max_length=20)
    record_version = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["component_position"]

    def __str__(self) -> str:
        return f"{self.component_name}: {self.registry}"


class PartyConfirmation(models.Model):
    """Another party of the procedure (e.g. the other spouse) confirming through their own
    login before the dossier goes in (xác nhận của bên còn lại)."""

    class State(models.TextChoices):
        PENDING = "pending", "Chờ xác nhận"
        CONFIRMED = "confirmed", "Đã xác nhận"
        DECLINED = "declined", "Từ chối"

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="parties")
    role = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    personal_id = models.CharField(max_length=20, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dossier", "role"], name="dossier_party_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.state}"


class SupplementRequest(models.Model):
    """A request to the applicant to complete the dossier (yêu cầu bổ sung hồ sơ)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="supplements")
    reason = models.TextField()
    items = models.JSONField(default=list, blank=True)
    requested_by = models.CharField(max_length=60)
    requested_at = models.DateTimeField()
    resume_status = models.CharField(max_length=24)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.reason[:60]


class Rating(models.Model):
    """The applicant's satisfaction with the service (đánh giá mức độ hài lòng)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    rated_by = models.CharField(max_length=20)
    rated_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.score}"


class CodeSequence(models.Model):
    """The last dossier number a receiving unit gave on a day; incremented atomically."""

    unit = models.CharField(max_length=40)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="dossier_code_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.day}: {self.last}"


class SubmitKey(models.Model):
    """An `Idempotency-Key` an applicant submitted with: a retry finds its dossier here."""

    applicant_id = models.CharField(max_length=20)
    key = models.CharField(max_length=120)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="submit_keys")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["applicant_id", "key"], name="dossier_submit_key")
        ]

    def __str__(self) -> str:
        return self.key


# ------------------------------------------------ counter intake and assisted submission


class Digitization(models.Model):
    """A paper original digitized (số hóa) by an official: a dossier component a walk-in
    applicant brought, or a result issued on paper. `certified` says the copy is certified as
    an electronic copy from the original (chứng thực bản sao điện tử từ bản chính): `copy` is
    then a PDF signed (PAdES) by `certified_by` that carries the SHA-256 of every page, so a
    later procedure can reuse it without paper."""

    class Kind(models.TextChoices):
        COMPONENT = "component", "Thành phần hồ sơ"
        RESULT = "result", "Kết quả giải quyết"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    owner_id = models.CharField(max_length=20, db_index=True)
    owner_name = models.CharField(max_length=255, blank=True)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="digitizations"
    )
    component_position = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500)
    unit = models.CharField(max_length=40, db_index=True, help_text="where it was digitized")
    digitized_by = models.CharField(max_length=20)
    digitized_at = models.DateTimeField(db_index=True)
    pages = models.PositiveSmallIntegerField(default=0)
    page_hashes = models.JSONField(default=list, blank=True)
    certified = models.BooleanField(default=False)
    certified_by = models.CharField(max_length=20, blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    copy = models.FileField(upload_to="digitized/%Y/%m/", blank=True, max_length=255)
    copy_sha256 = models.CharField(max_length=64, blank=True)
    wallet_document = models.CharField(max_length=36, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-digitized_at"]
        indexes = [models.Index(fields=["unit", "digitized_at"], name="dossier_digitized_unit")]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "component_position"],
                condition=models.Q(kind="component"),
                name="dossier_digitized_component_once",
            )
        ]
        verbose_name = "bản số hóa"
        verbose_name_plural = "bản số hóa"

    def __str__(self) -> str:
        return f"{self.title} ({self.owner_id})"


class DigitizedPage(models.Model):
    """One scanned or photographed page of a digitization (trang số hóa), checked by content;
    a dossier component's page is the dossier file itself."""

    digitization = models.ForeignKey(Digitization, on_delete=models.PROTECT, related_name="items")
    seq = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    mime = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="digitized/%Y/%m/", max_length=255)
    dossier_file = models.ForeignKey(
        DossierFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["digitization", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["digitization", "seq"], name="digitized_page_seq")
        ]

    def __str__(self) -> str:
        return f"{self.digitization_id} p{self.seq}"


class AssistConsent(models.Model):
    """A person's consent (sự đồng ý) that an official or a member of a community digital
    technology team submits one procedure online on their behalf: a one-time code sent to
    them (only its HMAC is kept) or their signature captured at the counter."""

    class Method(models.TextChoices):
        CODE = "code", "Mã xác nhận một lần"
        SIGNATURE = "signature", "Chữ ký tại quầy"

    class State(models.TextChoices):
        PENDING = "pending", "Chờ xác nhận"
        GIVEN = "given", "Đã đồng ý"
        FAILED = "failed", "Không xác nhận được"

    class Scope(models.TextChoices):
        ASSIST = "assist", "Hỗ trợ nộp hồ sơ thay"
        REGISTRY = "registry", "Đọc dữ liệu từ cơ sở dữ liệu quốc gia để điền tờ khai"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    personal_id = models.CharField(max_length=20, db_index=True)
    person_name = models.CharField(max_length=255, blank=True)
    assistant_id = models.CharField(max_length=20, db_index=True)
    assistant_name = models.CharField(max_length=255, blank=True)
    assistant_unit = models.CharField(max_length=40)
    assistant_role = models.CharField(max_length=40)
    procedure_code = models.CharField(max_length=20)
    # What the person agreed to: being assisted (submitting for them), or the registry reads
    # the procedure's form needs (spent once, on one draft: `used_at`).
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ASSIST)
    used_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    code_hash = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    given_at = models.DateTimeField(null=True, blank=True)
    signature = models.FileField(upload_to="consents/%Y/%m/", blank=True, max_length=255)
    signature_sha256 = models.CharField(max_length=64, blank=True)
    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="assist_consent"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "đồng ý hỗ trợ nộp hồ sơ"
        verbose_name_plural = "đồng ý hỗ trợ nộp hồ sơ"

    def __str__(self) -> str:
        return f"{self.personal_id} → {self.assistant_id}: {self.state}"
