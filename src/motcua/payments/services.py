"""The payments app's public functions. `start` opens (or reuses) a payment and says where to
send the browser; `handle_callback` applies a verified provider callback, once per callback id;
`status` and `receipt` answer for a dossier code. Hooks registered with `on_paid` run, inside
the same transaction, when a payment becomes paid (the dossiers app moves its dossier on)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.audit import services as audit
from motcua.core import site
from motcua.core.errors import Conflict, InvalidInput, NotFound

from . import plugins
from .models import Payment, PaymentCallback
from .plugins import OUTCOMES, CallbackData

__all__ = ["CallbackData", "handle_callback", "on_paid", "receipt", "start", "status"]

MAX_AMOUNT = 100_000_000_000  # 100 billion VND: beyond any fee; guards against typos
PaidHook = Callable[[Payment], None]
_paid_hooks: list[PaidHook] = []


def on_paid(callback: PaidHook) -> PaidHook:
    """Call `callback(payment)` whenever a payment becomes paid, inside the transaction that
    marks it paid (if it raises, nothing is recorded and the provider will retry). Registering
    the same callback twice registers it once. Usable as a decorator."""
    if callback not in _paid_hooks:
        _paid_hooks.append(callback)
    return callback


def _text(value: Any, name: str, max_length: int, message: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise InvalidInput(message, param=name)
    return value.strip()


def _check_return_url(return_url: Any) -> str:
    if (
        not isinstance(return_url, str)
        or not return_url
        or len(return_url) > 500
        or not site.is_own_url(return_url)
    ):
        raise InvalidInput(
            _("Địa chỉ quay lại sau khi thanh toán không hợp lệ."), param="return_url"
        )
    return return_url


def start(
    reference: str,
    *,
    payer_id: str,
    amount: int,
    description: str,
    return_url: str,
    actor: str,
) -> tuple[Payment, str]:
    """Open a payment of `amount` VND for dossier `reference` and return it with the URL to
    send the browser to. A pending payment of the same amount is reused; a paid one refuses."""
    reference = _text(reference, "reference", 64, _("Cần mã hồ sơ hợp lệ."))
    payer_id = _text(payer_id, "payer_id", 20, _("Cần số định danh của người nộp."))
    description = _text(
        description, "description", 255, _("Cần nội dung thanh toán (tối đa 255 ký tự).")
    )
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(_("Số tiền phải là số nguyên dương (đồng)."), param="amount")
    return_url = _check_return_url(return_url)
    provider = plugins.configured()

    with transaction.atomic():
        if Payment.objects.filter(reference=reference, status=Payment.Status.PAID).exists():
            raise Conflict(_("Hồ sơ %(ref)s đã được thanh toán.") % {"ref": reference})
        payment = _pending(reference, amount)
        if payment is None:
            try:
                with transaction.atomic():
                    payment = Payment.objects.create(
                        reference=reference,
                        payer_id=payer_id,
                        amount=amount,
                        description=description,
                        provider=provider.id,
                        provider_ref=uuid.uuid4().hex,
                        return_url=return_url,
                    )
                    _audit(actor, "payments.payment.started", payment)
            except IntegrityError:  # a concurrent start of the same payment won
                payment = _pending(reference, amount)
                if payment is None:
                    raise
        if payment.return_url != return_url:
            payment.return_url = return_url
            payment.save(update_fields=["return_url"])
            _audit(actor, "payments.payment.resumed", payment)
    # The provider may call out (to create an order): outside the transaction on purpose.
    # Should it fail, the pending payment stays and the next `start` reuses it.
    url = plugins.get(payment.provider).start(payment, return_url)
    return payment, url


def _pending(reference: str, amount: int) -> Payment | None:
    return Payment.objects.filter(
        reference=reference, amount=amount, status=Payment.Status.PENDING
    ).first()


def handle_callback(provider: str, data: CallbackData) -> Payment:
    """Apply a verified callback from `provider`. Idempotent: the same callback id delivered
    again changes nothing and returns the same payment; a paid payment stays paid."""
    if data.outcome not in OUTCOMES:
        raise InvalidInput(_("Kết quả giao dịch không hợp lệ."), param="outcome")
    if not data.callback_id or len(data.callback_id) > 64:
        raise InvalidInput(_("Mã thông báo không hợp lệ."), param="callback_id")
    with transaction.atomic():
        seen = _seen(provider, data.callback_id)
        if seen is not None:
            return seen
        payment = (
            Payment.objects.select_for_update()
            .filter(provider=provider, provider_ref=data.provider_ref)
            .first()
        )
        if payment is None:
            raise NotFound(_("Không tìm thấy giao dịch thanh toán."), param="provider_ref")
        if data.amount is not None and data.amount != payment.amount:
            raise InvalidInput(_("Số tiền trong thông báo không khớp với khoản thanh toán."))
        raw = json.loads(json.dumps(data.raw, ensure_ascii=False, default=str))
        try:
            with transaction.atomic():
                PaymentCallback.objects.create(
                    provider=provider,
                    callback_id=data.callback_id,
                    payment=payment,
                    outcome=data.outcome,
                    raw=raw,
                )
        except IntegrityError:  # the same callback, delivered concurrently, was recorded
            seen = _seen(provider, data.callback_id)
            if seen is None:
                raise
            return seen
        _apply(payment, data, raw, actor=f"provider:{provider}")
    return payment


def _seen(provider: str, callback_id: str) -> Payment | None:
    row = (
        PaymentCallback.objects.filter(provider=provider, callback_id=callback_id)
        .select_related("payment")
        .first()
    )
    return row.payment if row is not None else None


def _apply(payment: Payment, data: CallbackData, raw: Any, *, actor: str) -> None:
    """Move the (locked) payment as the callback says: anything may become paid (the bank
    took the money), a pending one may fail or be cancelled, a paid one never goes back."""
    now = timezone.now()
    before = payment.status
    after = _next_status(before, data.outcome)
    payment.callbacks = [
        *payment.callbacks,
        {
            "callback_id": data.callback_id,
            "outcome": data.outcome,
            "received_at": now.isoformat(),
            "raw": raw,
        },
    ]
    fields = ["callbacks"]
    if after != before:
        payment.status = after
        fields.append("status")
        if after == Payment.Status.PAID:
            payment.paid_at = now
            payment.receipt_number = _receipt_number(payment)
            fields += ["paid_at", "receipt_number"]
    payment.save(update_fields=fields)
    action = f"payments.payment.{after}" if after != before else "payments.callback.recorded"
    _audit(
        actor,
        action,
        payment,
        callback_id=data.callback_id,
        outcome=data.outcome,
        previous_status=before,
    )
    if after != before and after == Payment.Status.PAID:
        for hook in list(_paid_hooks):
            hook(payment)


def _next_status(before: str, outcome: str) -> str:
    if before == Payment.Status.PAID:
        return before  # never unpaid, never paid twice
    if outcome == Payment.Status.PAID or before == Payment.Status.PENDING:
        return outcome
    return before  # failed stays failed, cancelled stays cancelled


def _receipt_number(payment: Payment) -> str:
    """Readable and unique: BL-<day paid>-<payment number>, e.g. BL-20260115-00000042."""
    day = timezone.localdate(payment.paid_at)
    return f"BL-{day:%Y%m%d}-{payment.pk:08d}"


def _audit(actor: str, action: str, payment: Payment, **extra: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        target_type="payments.payment",
        target_id=str(payment.pk),
        data={
            "reference": payment.reference,
            "payer": payment.payer_id,
            "amount": payment.amount,
            "provider": payment.provider,
            "provider_ref": payment.provider_ref,
            "status": payment.status,
            "receipt_number": payment.receipt_number or "",
            **extra,
        },
    )


def status(reference: str) -> str | None:
    """ "paid" if any payment for the dossier is paid, else the latest one's status."""
    payments = Payment.objects.filter(reference=reference)
    if payments.filter(status=Payment.Status.PAID).exists():
        return Payment.Status.PAID.value
    latest = payments.order_by("-created_at", "-pk").values_list("status", flat=True).first()
    return latest


def receipt(reference: str) -> Payment | None:
    """The paid payment for the dossier (its receipt number, amount and date), if any."""
    return (
        Payment.objects.filter(reference=reference, status=Payment.Status.PAID)
        .order_by("paid_at", "pk")
        .first()
    )
