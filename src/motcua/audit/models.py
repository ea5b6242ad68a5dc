from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """An entry of the audit log (nhật ký kiểm toán): append-only and hash-chained.

    `seq` numbers entries without gaps; `prev_hash` is the previous entry's `hash` (unique, so
    the chain cannot fork); `hash` covers every other field and `signature` is the log-signing
    key's Ed25519 signature of it (key `key_id`), so a rewritten chain cannot be re-signed
    without that key. Rows are never updated, deleted or truncated (triggers refuse it on
    PostgreSQL)."""

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
    key_id = models.CharField(max_length=16, blank=True, default="")
    signature = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["seq"]
        verbose_name = "mục nhật ký"
        verbose_name_plural = "nhật ký kiểm toán"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


class AuditAnchor(models.Model):
    """A signed anchor (mốc neo) of the audit chain's head (seq, hash) at a moment, taken on a
    schedule (`audit_anchor --loop`): verification checks that the chain still holds every
    anchored entry unchanged, so a rewritten chain or a cut tail older than the anchor shows.
    `heads` is keyed by chain id, ready for one chain per shard."""

    created_at = models.DateTimeField(default=timezone.now)
    heads = models.JSONField(help_text='{"chain": [seq, hash], ...}')
    key_id = models.CharField(max_length=16)
    hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=128)

    class Meta:
        verbose_name = "mốc neo nhật ký kiểm toán"
        verbose_name_plural = "mốc neo nhật ký kiểm toán"
        indexes = [models.Index(fields=["created_at"], name="audit_anchor_created")]

    def __str__(self) -> str:
        return f"anchor {self.created_at:%Y-%m-%d %H:%M:%S}"
