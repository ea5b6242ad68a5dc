"""The monitoring centre's tables (trung tâm giám sát, điều hành): counters kept from the
dossiers' history, the plan's tasks and the readiness of each commune's service centre.

The counters are flows: each counts events of one kind on one day (a submission, a result,
a rating...), so a month, a quarter, a province or the nation is a plain sum of rows.
`indexes.py` turns them into the Decision 766 indexes."""

from __future__ import annotations

from django.db import models


class Counters(models.Model):
    """What happened to dossiers on a day (see `indexes.py` for each counter's rule)."""

    submitted = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    assisted = models.IntegerField(default=0)
    walk_in = models.IntegerField(default=0)
    walk_in_digitized = models.IntegerField(default=0)
    fully_online = models.IntegerField(default=0)
    fee_required = models.IntegerField(default=0)
    components = models.IntegerField(default=0)
    components_reused = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_timely = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_early = models.IntegerField(default=0)
    finished_on_time = models.IntegerField(default=0)
    finished_late = models.IntegerField(default=0)
    results_digital = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    returned_online = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    ratings = models.IntegerField(default=0)
    rating_points = models.IntegerField(default=0)
    ratings_satisfied = models.IntegerField(default=0)

    class Meta:
        abstract = True


COUNTERS: tuple[str, ...] = tuple(f.name for f in Counters._meta.local_fields)
# The `Cursor` row whose presence says the `UnitReport` table is complete (built from every
# month counted); not a source the job reads.
REPORTS_BUILT = "unit_reports"


class DayStat(Counters):
    """Counters of one unit, day and procedure (số liệu theo ngày). `commune` is blank for
    the province's own agencies."""

    day = models.DateField()
    province = models.CharField(max_length=2)
    commune = models.CharField(max_length=5, blank=True)
    sector = models.CharField(max_length=60, blank=True)
    procedure = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "province", "commune", "sector", "procedure"],
                name="monitoring_day_stat_key",
            )
        ]
        indexes = [models.Index(fields=["province", "commune", "day"], name="monitoring_day_unit")]

    def __str__(self) -> str:
        return f"{self.day} {self.province}.{self.commune} {self.procedure}"


class MonthStat(Counters):
    """The same counters summed over a month and all procedures (số liệu theo tháng): what
    the dashboards read. Kept by the same job, in the same transaction, as `DayStat`."""

    month = models.DateField(help_text="first day of the month")
    province = models.CharField(max_length=2)
    commune = models.CharField(max_length=5, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "province", "commune"], name="monitoring_month_stat_key"
            )
        ]
        indexes = [models.Index(fields=["province", "month"], name="monitoring_month_prov")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.province}.{self.commune}"


class UnitReport(Counters):
    """The judged figures of one unit over one month, quarter or year (chỉ số đã tính): the
    summed month counters, the indexes, score, colour and reasons, as `indexes.compute`
    gives them. What the dashboards, rankings, RED list, unit API and open data read, so a
    page judges no commune itself. Kept by the counting job, in the same transaction as the
    counters and the high-water mark, for the units and periods each batch touches (a
    commune, its province and the nation; the month, quarter and year of the event), by
    summing the month counters again; rebuilt whole by `recompute` (and by
    `monitoring_recompute --reports` after the thresholds change). No row: no dossier in
    that period. Days are not kept: a day is computed from the day counters."""

    class Level(models.TextChoices):
        NATION = "nation", "Toàn quốc"
        PROVINCE = "province", "Tỉnh"
        COMMUNE = "commune", "Xã"

    kind = models.CharField(max_length=8, help_text="month, quarter or year")
    first = models.DateField(help_text="first day of the period")
    level = models.CharField(max_length=8, choices=Level.choices)
    unit = models.CharField(max_length=5, help_text="VN, a province or a commune code")
    province = models.CharField(max_length=2, blank=True)
    score = models.FloatField(null=True)
    colour = models.CharField(max_length=8)
    indexes = models.JSONField(default=dict)
    details = models.JSONField(default=dict)
    colours = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "first", "unit"], name="monitoring_unit_report_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["kind", "first", "level", "province"], name="monitoring_report_level"
            ),
            models.Index(
                fields=["kind", "first", "level", "colour", "score"],
                name="monitoring_report_colour",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first} {self.unit}"


class Cursor(models.Model):
    """How far the job has read an append-only source (the last id counted)."""

    source = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.source}: {self.last_id}"


class PlanTask(models.Model):
    """A task of the plan (nhiệm vụ của kế hoạch): who owns it, by when, and the output that
    proves it done. Late when past its deadline without a verified output, whatever its
    reported status."""

    class Pillar(models.TextChoices):
        INSTITUTIONS = "institutions", "Thể chế"
        INFRASTRUCTURE = "infrastructure", "Hạ tầng"
        DATA = "data", "Dữ liệu"
        PLATFORMS = "platforms", "Nền tảng, ứng dụng"
        HUMAN_RESOURCES = "human_resources", "Nhân lực"
        FINANCE = "finance", "Tài chính"

    class Phase(models.TextChoices):
        URGENT = "urgent", "Cấp bách"
        BREAKTHROUGH = "breakthrough", "Đột phá"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Chưa bắt đầu"
        IN_PROGRESS = "in_progress", "Đang thực hiện"
        DONE = "done", "Đã hoàn thành (tự báo cáo)"

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=500)
    group = models.PositiveSmallIntegerField(help_text="task group, 1 to 8")
    pillar = models.CharField(max_length=20, choices=Pillar.choices)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    owner_agency = models.CharField(max_length=255)
    assigned_units = models.JSONField(default=list, blank=True)
    deadline = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    output_measure = models.TextField()
    output_verified = models.BooleanField(default=False)
    verified_by = models.CharField(max_length=20, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "code"]
        indexes = [models.Index(fields=["output_verified", "deadline"], name="monitoring_task_due")]
        verbose_name = "nhiệm vụ"
        verbose_name_plural = "nhiệm vụ"

    def __str__(self) -> str:
        return f"{self.code} {self.title[:60]}"


class TaskEvidence(models.Model):
    """Evidence of a task's output (minh chứng): a link or a file."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="evidence")
    link = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="monitoring/evidence/%Y/%m/", blank=True)
    note = models.CharField(max_length=500, blank=True)
    added_by = models.CharField(max_length=60)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]

    def __str__(self) -> str:
        return self.link or str(self.file.name)


READINESS_ITEMS: tuple[tuple[str, str], ...] = (
    ("online_meetings", "Hội nghị trực tuyến"),
    ("devices", "Trang thiết bị"),
    ("official_signatures", "Chữ ký số chuyên dùng"),
    ("public_certificates", "Chứng thư số công cộng"),
    ("staff_trained", "Cán bộ đã được tập huấn"),
    ("software_connected", "Phần mềm giải quyết TTHC đã kết nối"),
)


class CentreReadiness(models.Model):
    """The readiness checklist of a commune's Public Administration Service Center (mức độ
    sẵn sàng của Trung tâm phục vụ hành chính công cấp xã): filled in by the commune,
    verified by the province. Any change by the commune clears the verification."""

    commune = models.CharField(max_length=5, unique=True)
    province = models.CharField(max_length=2, db_index=True)
    online_meetings = models.BooleanField(default=False)
    devices = models.BooleanField(default=False)
    official_signatures = models.BooleanField(default=False)
    public_certificates = models.BooleanField(default=False)
    staff_trained = models.BooleanField(default=False)
    software_connected = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    updated_by = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    verified_by = models.CharField(max_length=20, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mức độ sẵn sàng"
        verbose_name_plural = "mức độ sẵn sàng"

    def __str__(self) -> str:
        return self.commune

    @property
    def ready_count(self) -> int:
        return sum(1 for key, _label in READINESS_ITEMS if getattr(self, key))
