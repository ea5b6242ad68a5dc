from typing import ClassVar

from django.db import models
from django.utils import timezone


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
    # A handler that failed is tried again from this time on; after NOTIFY_MAX_ATTEMPTS
    # failures the event is dead (`dead_at`) until an administrator retries it.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "sự kiện chờ gửi"
        verbose_name_plural = "sự kiện chờ gửi"

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"


class Delivery(models.Model):
    """One notification (thông báo) sent to one address over one channel for one event. The
    unique (event, channel, recipient) row is what makes a re-run after a crash send nothing
    twice: it is planned once, and a row marked `sent` is never sent again."""

    class Channel(models.TextChoices):
        INBOX = "inbox", "Hộp thư trên Cổng"
        EMAIL = "email", "Thư điện tử"
        SMS = "sms", "Tin nhắn SMS"

    class State(models.TextChoices):
        PENDING = "pending", "Chờ gửi"
        SENT = "sent", "Đã gửi"
        FAILED = "failed", "Lỗi, sẽ gửi lại"
        DEAD = "dead", "Ngừng gửi (thư lỗi)"

    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField("kênh", max_length=10, choices=Channel.choices)
    recipient = models.CharField("địa chỉ nhận", max_length=254)
    subject_id = models.CharField("người nhận (số định danh / mã số)", max_length=20)
    title = models.CharField("tiêu đề", max_length=255)
    body = models.TextField("nội dung")
    link = models.CharField("liên kết", max_length=500, blank=True)
    kind = models.CharField("loại", max_length=20, default="info")
    state = models.CharField(
        "trạng thái", max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField("số lần thử", default=0)
    next_attempt_at = models.DateTimeField("thử lại lúc", default=timezone.now)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    sent_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "lần gửi thông báo"
        verbose_name_plural = "lần gửi thông báo"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["event", "channel", "recipient"], name="notify_delivery_once"
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "next_attempt_at"], name="notify_delivery_due")
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.state})"


class DeadLetterManager(models.Manager["DeadLetter"]):
    def get_queryset(self) -> models.QuerySet["DeadLetter"]:
        return super().get_queryset().filter(state=Delivery.State.DEAD)


class DeadLetter(Delivery):
    """A delivery that ran out of attempts (thư lỗi): shown to administrators, who may retry."""

    objects: ClassVar[DeadLetterManager] = DeadLetterManager()

    class Meta:
        proxy = True
        verbose_name = "thư lỗi (không gửi được)"
        verbose_name_plural = "thư lỗi (không gửi được)"


class NotificationAddress(models.Model):
    """Where a person or organisation receives notifications (địa chỉ nhận thông báo): an email
    address and a mobile phone, each used only once verified. The identity account carries no
    phone, so the contact points live here, keyed by the subject's ID."""

    personal_id = models.CharField("số định danh / mã số", max_length=20, unique=True)
    email = models.EmailField("thư điện tử", blank=True)
    email_verified = models.BooleanField("thư điện tử đã xác minh", default=False)
    phone = models.CharField("số điện thoại", max_length=16, blank=True)
    phone_verified = models.BooleanField("số điện thoại đã xác minh", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "địa chỉ nhận thông báo"
        verbose_name_plural = "địa chỉ nhận thông báo"

    def __str__(self) -> str:
        return self.personal_id
