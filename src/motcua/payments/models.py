"""Fee payments (thanh toán phí, lệ phí) through a payment provider, and the callbacks the
provider sent about them. A payment pays for one dossier, named by its code (`reference`):
dossiers are another app, so the link is the code, not a foreign key."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from motcua.core.formats import format_money


class Payment(models.Model):
    """A payment (khoản thanh toán) of a fee for a dossier, made through one provider."""

    class Status(models.TextChoices):
        PENDING = "pending", "Chờ thanh toán"
        PAID = "paid", "Đã thanh toán"
        FAILED = "failed", "Thanh toán không thành công"
        CANCELLED = "cancelled", "Đã hủy"

    reference = models.CharField("mã hồ sơ", max_length=64, db_index=True)
    payer_id = models.CharField("người nộp (số định danh / mã số)", max_length=20)
    amount = models.PositiveBigIntegerField("số tiền (VND)")
    description = models.CharField("nội dung", max_length=255)
    provider = models.CharField("nhà cung cấp thanh toán", max_length=40)
    provider_ref = models.CharField("mã giao dịch", max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    return_url = models.CharField("địa chỉ quay lại", max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    receipt_number = models.CharField(
        "số biên lai", max_length=40, unique=True, null=True, blank=True
    )
    callbacks = models.JSONField("các thông báo từ nhà cung cấp", default=list, blank=True)

    class Meta:
        verbose_name = "khoản thanh toán"
        verbose_name_plural = "khoản thanh toán"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_ref"], name="payments_provider_ref_unique"
            ),
            # "Reuse the pending payment": two concurrent starts cannot both create one.
            models.UniqueConstraint(
                fields=["reference", "amount"],
                condition=Q(status="pending"),
                name="payments_one_pending_per_amount",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_positive"),
        ]
        indexes = [models.Index(fields=["reference", "-created_at"], name="payments_ref_latest")]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount_display} ({self.status})"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class PaymentCallback(models.Model):
    """One notification (thông báo kết quả giao dịch) a provider sent. Unique by the
    provider's callback id, so a callback delivered twice is recorded, and acted on, once."""

    provider = models.CharField(max_length=40)
    callback_id = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="callback_rows")
    outcome = models.CharField(max_length=10, choices=Payment.Status.choices)
    raw = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "thông báo thanh toán"
        verbose_name_plural = "thông báo thanh toán"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "callback_id"], name="payments_callback_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.callback_id} {self.outcome}"
