from django.db import models

from motcua.registries.modules import NATIONAL_DATABASES


class Sector(models.Model):
    """A sector (lĩnh vực) that procedures belong to, e.g. Hộ tịch."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """An administrative procedure (thủ tục hành chính), identified by its national code.
    Its content lives in versions; `current` is the published one."""

    code = models.CharField(max_length=20, unique=True)
    current = models.OneToOneField(
        "ProcedureVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """One published version of a procedure's content (phiên bản). Never edited after
    publication: a change publishes a new version and dossiers keep the one they used."""

    class OnlineLevel(models.TextChoices):
        FULL = "full", "Toàn trình"
        PARTIAL = "partial", "Một phần"

    class Status(models.TextChoices):
        PUBLISHED = "published", "Đang áp dụng"
        SUPERSEDED = "superseded", "Đã thay thế"

    class Kind(models.TextChoices):
        SINGLE = "single", "Thủ tục hành chính"
        INTEGRATED = "integrated", "Dịch vụ công liên thông"

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    name = models.CharField(max_length=500)
    name_en = models.CharField(max_length=500, blank=True)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="procedures")
    at_central = models.BooleanField(default=False)
    at_province = models.BooleanField(default=False)
    at_commune = models.BooleanField(default=False)
    online_level = models.CharField(max_length=10, choices=OnlineLevel.choices)
    processing_days = models.PositiveSmallIntegerField(help_text="working days; 0 = same day")
    min_assurance_level = models.PositiveSmallIntegerField(
        default=1, help_text="mức định danh tối thiểu để nộp trực tuyến (1 hoặc 2)"
    )
    fees = models.JSONField(default=list, blank=True)
    result_type = models.CharField(max_length=500)
    legal_basis = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    name_folded = models.CharField(
        max_length=500, default="", help_text="folded name without 'Thủ tục', for ranking"
    )
    search_text = models.TextField(help_text="folded name, code and sector, for search")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["procedure__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "version"], name="uniq_procedure_version")
        ]
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.version} {self.name}"

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def levels(self) -> list[str]:
        flags = [
            ("central", self.at_central),
            ("province", self.at_province),
            ("commune", self.at_commune),
        ]
        return [level for level, on in flags if on]

    @property
    def is_integrated(self) -> bool:
        return self.kind == self.Kind.INTEGRATED

    @property
    def member_codes(self) -> list[str]:
        """The member procedures of an integrated service, in order ([] for a single one)."""
        if not self.is_integrated:
            return []
        return [m.procedure_code for m in self.members.all()]

    @property
    def total_fee(self) -> int:
        """What every applicant pays: the fees that are not optional."""
        return sum(int(fee.get("amount", 0)) for fee in self.fees if not fee.get("optional"))


class Component(models.Model):
    """A dossier component (thành phần hồ sơ) a procedure version asks for, or that a
    national database replaces so the person does not bring it."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="components"
    )
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=60, help_text="stable id of the component in the procedure")
    name = models.CharField(max_length=500)
    required = models.BooleanField(default=True)
    copies = models.PositiveSmallIntegerField(default=1)
    replaced_by = models.CharField(max_length=40, blank=True)
    is_form = models.BooleanField(default=False, help_text="the declaration the e-form fills")

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="uniq_component_position"),
            models.UniqueConstraint(fields=["version", "key"], name="uniq_component_key"),
        ]
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"

    def __str__(self) -> str:
        return self.name

    @property
    def replaced_by_name(self) -> str:
        return NATIONAL_DATABASES.get(self.replaced_by, "")


class IntegratedMember(models.Model):
    """A member procedure of an integrated service version (thủ tục thành phần của dịch vụ
    công liên thông): which results it waits for, how the one bundle form fills its own form,
    which bundle components stand in for its own, and what its signed result writes into a
    national database. Part of the version: never edited after publication."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=40)
    procedure_code = models.CharField(max_length=20)
    name = models.CharField(max_length=500, help_text="member's name when this was published")
    depends_on = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    components = models.JSONField(default=dict, blank=True)
    fee = models.PositiveIntegerField(null=True, blank=True, help_text="VND in the bundle")
    effect = models.CharField(max_length=40, blank=True)
    subject = models.CharField(max_length=120, blank=True)
    copy_to_subject = models.BooleanField(default=False)
    authority = models.CharField(max_length=200, blank=True, help_text="who decides it")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="uniq_member_position"),
            models.UniqueConstraint(fields=["version", "key"], name="uniq_member_key"),
        ]
        verbose_name = "thủ tục thành phần"
        verbose_name_plural = "thủ tục thành phần"

    def __str__(self) -> str:
        return f"{self.key}: {self.procedure_code}"
