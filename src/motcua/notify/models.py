from django.db import models


class OutboxEvent(models.Model):
    """An event (sự kiện) written in the same transaction as the change it announces, and
    delivered afterwards by a dispatcher (transactional outbox). `key` makes enqueueing
    idempotent: a retried step that enqueues the same key again adds nothing."""

    topic = models.CharField(max_length=80, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = "sự kiện chờ gửi"
        verbose_name_plural = "sự kiện chờ gửi"

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"
