"""The payments services as other apps call them."""

from __future__ import annotations

import pytest
from django.db import transaction

from motcua.audit import services as audit
from motcua.audit.models import AuditEntry
from motcua.core.errors import Conflict, InvalidInput
from motcua.payments import selectors, services
from motcua.payments.models import Payment, PaymentCallback
from motcua.payments.plugins import CallbackData

from .conftest import REFERENCE


def _callback(payment: Payment, outcome: str, callback_id: str) -> Payment:
    data = CallbackData(
        callback_id=callback_id,
        provider_ref=payment.provider_ref,
        outcome=outcome,
        raw={"callback_id": callback_id, "outcome": outcome},
        amount=payment.amount,
    )
    return services.handle_callback(payment.provider, data)


def test_start_opens_a_pending_payment_and_audits_it(start_payment):
    payment, url = start_payment()

    assert payment.status == "pending"
    assert payment.provider == "sandbox" and len(payment.provider_ref) == 32
    assert url.endswith(f"/{payment.provider_ref}/")
    entry = AuditEntry.objects.get(action="payments.payment.started")
    assert entry.target_id == str(payment.pk) and entry.actor.startswith("citizen:")
    assert entry.data["reference"] == REFERENCE and entry.data["amount"] == 150_000
    assert services.status(REFERENCE) == "pending"


def test_a_pending_payment_of_the_same_amount_is_reused(start_payment):
    first, url = start_payment()
    again, url_again = start_payment()

    assert again.pk == first.pk and url_again == url
    assert Payment.objects.count() == 1
    assert AuditEntry.objects.filter(action="payments.payment.started").count() == 1


def test_a_changed_return_url_is_kept_on_the_reused_payment(start_payment):
    first, _ = start_payment()
    again, _ = start_payment(return_url="/ho-so/khac/")

    again.refresh_from_db()
    assert again.pk == first.pk and again.return_url == "/ho-so/khac/"
    assert AuditEntry.objects.filter(action="payments.payment.resumed").count() == 1


def test_another_amount_opens_another_payment(start_payment):
    first, _ = start_payment()
    second, _ = start_payment(amount=200_000)

    assert second.pk != first.pk
    assert [p.pk for p in selectors.payments_for(REFERENCE)] == [second.pk, first.pk]


def test_start_after_paid_is_a_conflict(start_payment):
    payment, _ = start_payment()
    _callback(payment, "paid", "c-1")
    count = Payment.objects.count()

    with pytest.raises(Conflict):
        start_payment()
    with pytest.raises(Conflict):
        start_payment(amount=99_000)
    assert Payment.objects.count() == count


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 0),
        ("amount", -5_000),
        ("amount", True),
        ("amount", "150000"),
        ("amount", 10**15),
        ("payer_id", ""),
        ("description", "   "),
        ("description", "x" * 256),
        ("return_url", "https://lua-dao.example/"),
        ("return_url", "//lua-dao.example/"),
        ("return_url", "javascript:alert(1)"),
        ("return_url", ""),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_changes_nothing(start_payment, field, value):
    audit_count = AuditEntry.objects.count()

    with pytest.raises(InvalidInput) as refused:
        start_payment(**{field: value})

    assert refused.value.extra.get("param") == field
    assert refused.value.detail  # a Vietnamese sentence for the user
    assert Payment.objects.count() == 0
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.parametrize(
    "elsewhere",
    [
        "http://127.0.0.1:8000/ho-so/H01/",  # the same machine, another port
        "http://lua-dao.example:8123/ho-so/H01/",
        "https://127.0.0.1:8123/ho-so/H01/",
    ],
)
def test_a_return_address_off_the_public_url_is_refused(start_payment, settings, elsewhere):
    settings.MOTCUA_PUBLIC_URL = "http://127.0.0.1:8123"

    with pytest.raises(InvalidInput, match="Địa chỉ quay lại"):
        start_payment(return_url=elsewhere)

    assert Payment.objects.count() == 0


def test_a_return_address_on_the_public_url_and_its_port_is_accepted(start_payment, settings):
    settings.MOTCUA_PUBLIC_URL = "http://127.0.0.1:8123"

    payment, _ = start_payment(return_url="http://127.0.0.1:8123/ho-so/H01/")

    assert payment.return_url == "http://127.0.0.1:8123/ho-so/H01/"


def test_an_empty_reference_is_refused(start_payment):
    with pytest.raises(InvalidInput):
        start_payment(reference=" ")
    assert Payment.objects.count() == 0


def test_paid_after_paid_does_not_pay_twice(start_payment, paid_calls):
    payment, _ = start_payment()
    first = _callback(payment, "paid", "c-1")
    receipt, paid_at = first.receipt_number, first.paid_at

    again = _callback(payment, "paid", "c-2")  # the bank says it again, with a new id

    assert again.pk == payment.pk and again.receipt_number == receipt
    assert again.paid_at == paid_at
    assert PaymentCallback.objects.count() == 2  # both notifications kept
    assert len(again.callbacks) == 2
    assert Payment.objects.filter(status="paid").count() == 1
    assert paid_calls == [payment.pk]
    assert AuditEntry.objects.filter(action="payments.payment.paid").count() == 1
    assert AuditEntry.objects.filter(action="payments.callback.recorded").count() == 1


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_a_later_failure_does_not_unpay(start_payment, outcome):
    payment, _ = start_payment()
    _callback(payment, "paid", "c-1")

    after = _callback(payment, outcome, "c-2")

    assert after.status == "paid" and after.receipt_number
    assert services.status(REFERENCE) == "paid"


def test_the_same_callback_id_twice_returns_the_same_payment(start_payment, paid_calls):
    payment, _ = start_payment()
    first = _callback(payment, "paid", "c-1")

    second = _callback(payment, "failed", "c-1")  # same id, whatever it says now

    assert second.pk == first.pk and second.status == "paid"
    assert PaymentCallback.objects.count() == 1
    assert paid_calls == [payment.pk]


def test_a_late_success_after_a_failure_is_recorded_as_paid(start_payment, paid_calls):
    payment, _ = start_payment()
    _callback(payment, "failed", "c-1")

    after = _callback(payment, "paid", "c-2")  # the bank took the money after all

    assert after.status == "paid" and after.receipt_number
    assert paid_calls == [payment.pk]


def test_cancel_after_failure_keeps_the_first_outcome(start_payment):
    payment, _ = start_payment()
    _callback(payment, "failed", "c-1")

    assert _callback(payment, "cancelled", "c-2").status == "failed"


def test_a_failing_hook_rolls_the_payment_back_so_a_retry_can_succeed(start_payment, paid_calls):
    payment, _ = start_payment()

    def broken(_: Payment) -> None:
        raise RuntimeError("dossier could not move on")

    services.on_paid(broken)
    with pytest.raises(RuntimeError):
        _callback(payment, "paid", "c-1")
    payment.refresh_from_db()
    assert payment.status == "pending" and PaymentCallback.objects.count() == 0

    services._paid_hooks.remove(broken)
    assert _callback(payment, "paid", "c-1").status == "paid"


def test_hooks_run_inside_the_transaction_and_once_per_registration(start_payment):
    payment, _ = start_payment()
    seen: list[bool] = []

    def hook(p: Payment) -> None:
        seen.append(transaction.get_connection().in_atomic_block and p.status == "paid")

    services.on_paid(hook)
    services.on_paid(hook)
    _callback(payment, "paid", "c-1")

    assert seen == [True]


def test_handle_callback_refuses_an_unknown_outcome(start_payment):
    payment, _ = start_payment()
    with pytest.raises(InvalidInput):
        _callback(payment, "refunded", "c-1")
    assert PaymentCallback.objects.count() == 0


def test_status_and_receipt_of_a_dossier_without_payments(db):
    assert services.status("KHONG-CO") is None
    assert services.receipt("KHONG-CO") is None
    assert list(selectors.payments_for("KHONG-CO")) == []


def test_status_is_paid_when_any_payment_is_paid(start_payment):
    first, _ = start_payment(amount=100_000)
    second, _ = start_payment(amount=120_000)
    _callback(first, "paid", "c-1")
    _callback(second, "cancelled", "c-2")

    assert services.status(REFERENCE) == "paid"
    receipt = services.receipt(REFERENCE)
    assert receipt is not None and receipt.pk == first.pk


def test_the_audit_chain_stays_whole(start_payment):
    payment, _ = start_payment()
    _callback(payment, "paid", "c-1")

    checked, broken = audit.verify()
    assert broken is None and checked == AuditEntry.objects.count()
