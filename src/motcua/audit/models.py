from django.db import models


class AuditEntry(models.Model):
    """An entry of the audit log (nhật ký kiểm toán): append-only and hash-chained.

    `seq` numbers entries without gaps; `prev_hash` is the previous entry's `hash` (unique, so
    the chain cannot fork); `hash` covers every other field. Rows are never updated or deleted
    (a database trigger refuses it on PostgreSQL)."""

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=100, help_text="who acted: user:..., system:...")
    acting_for = models.CharField(max_length=100, blank=True, help_text="on whose behalf")
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "mục nhật ký"
        verbose_name_plural = "nhật ký kiểm toán"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"
