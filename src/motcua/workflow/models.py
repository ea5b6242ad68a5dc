"""The workflow engine's tables: versioned process definitions (quy trình), which procedure
or sector each serves, the steps a dossier goes through (bước xử lý) and apology letters
(thư xin lỗi) for overdue dossiers."""

from __future__ import annotations

import uuid

from django.db import models


class ProcessDefinition(models.Model):
    """A process (quy trình xử lý): one version of a declarative definition (steps, roles,
    actions, shares of the deadline), as imported from a file. Never edited in place: a change
    is a new version."""

    code = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    definition = models.JSONField()
    procedures = models.JSONField(
        default=list, help_text="procedure codes it serves, or sector:<code>"
    )
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="workflow_process_version")
        ]
        verbose_name = "quy trình"
        verbose_name_plural = "quy trình"

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ProcessBinding(models.Model):
    """Which process serves a procedure (`1.001193`) or a whole sector (`sector:ho-tich`);
    a procedure's own binding wins over its sector's. The latest version of the process is
    used for new dossiers."""

    target = models.CharField(max_length=80, unique=True)
    process_code = models.CharField(max_length=60)

    class Meta:
        verbose_name = "gán quy trình"
        verbose_name_plural = "gán quy trình"

    def __str__(self) -> str:
        return f"{self.target} → {self.process_code}"


class Task(models.Model):
    """A step of a dossier's process (bước xử lý): open at a unit for a role, claimed by or
    assigned to one official, closed by the action taken. At most one is open per dossier."""

    class State(models.TextChoices):
        OPEN = "open", "Đang xử lý"
        DONE = "done", "Đã xử lý"
        CANCELLED = "cancelled", "Đã hủy"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier_id = models.UUIDField(db_index=True)
    dossier_code = models.CharField(max_length=60, db_index=True)
    procedure_code = models.CharField(max_length=20)
    process_code = models.CharField(max_length=60)
    process_version = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    step = models.CharField(max_length=40)
    label = models.CharField(max_length=255)
    unit = models.CharField(max_length=40)
    role = models.CharField(max_length=24)
    assignee = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=60, blank=True)
    late = models.BooleanField(default=False)
    escalated = models.BooleanField(default=False)
    action = models.CharField(max_length=24, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier_code", "seq"]
        indexes = [
            models.Index(fields=["unit", "role", "state", "due_at"], name="workflow_task_unit_q"),
            models.Index(fields=["assignee", "state", "due_at"], name="workflow_task_mine_q"),
            models.Index(fields=["state", "due_at"], name="workflow_task_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dossier_id", "seq"], name="workflow_task_seq"),
            models.UniqueConstraint(
                fields=["dossier_id"],
                condition=models.Q(state="open"),
                name="workflow_one_open_task",
            ),
        ]
        verbose_name = "bước xử lý"
        verbose_name_plural = "bước xử lý"

    def __str__(self) -> str:
        return f"{self.dossier_code} #{self.seq} {self.step} ({self.state})"


class ApologyLetter(models.Model):
    """An apology letter (thư xin lỗi, Decree 61/2018 art. 19) from the agency late on a
    dossier, with the new date it promises; one per dossier and new date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier_id = models.UUIDField()
    dossier_code = models.CharField(max_length=60, db_index=True)
    applicant_id = models.CharField(max_length=20)
    unit = models.CharField(max_length=40)
    new_date = models.DateField()
    reason = models.TextField()
    signer = models.CharField(max_length=20, blank=True)
    signed = models.BooleanField(default=False)
    pdf = models.FileField(upload_to="workflow/apology/%Y/%m/", blank=True)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier_code", "new_date"], name="workflow_apology_once_per_date"
            )
        ]
        verbose_name = "thư xin lỗi"
        verbose_name_plural = "thư xin lỗi"

    def __str__(self) -> str:
        return f"{self.dossier_code} → {self.new_date}"
