"""Retries and races on PostgreSQL: each thread has its own connection and transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from motcua.payments import services
from motcua.payments.models import Payment, PaymentCallback
from motcua.payments.plugins import CallbackData

from .conftest import REFERENCE


def _race(n: int, work: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_callbacks_record_one_payment(start_payment, paid_calls):
    payment, _ = start_payment()
    data = CallbackData(
        callback_id="bank-42",
        provider_ref=payment.provider_ref,
        outcome="paid",
        raw={"callback_id": "bank-42"},
        amount=payment.amount,
    )

    results, errors = _race(4, lambda: services.handle_callback("sandbox", data))

    assert errors == []
    assert {p.pk for p in results} == {payment.pk}  # type: ignore[attr-defined]
    assert PaymentCallback.objects.count() == 1
    assert Payment.objects.filter(status="paid").count() == 1
    assert paid_calls == [payment.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_paid_callbacks_with_different_ids_pay_once(start_payment, paid_calls):
    payment, _ = start_payment()
    counter = iter(range(100))

    def deliver() -> Payment:
        n = next(counter)
        data = CallbackData(f"bank-{n}", payment.provider_ref, "paid", {}, payment.amount)
        return services.handle_callback("sandbox", data)

    _, errors = _race(4, deliver)

    assert errors == []
    assert PaymentCallback.objects.count() == 4
    payment.refresh_from_db()
    assert payment.status == "paid" and len(payment.callbacks) == 4
    assert paid_calls == [payment.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_open_one_pending_payment(start_payment):
    results, errors = _race(4, start_payment)

    assert errors == []
    assert Payment.objects.filter(reference=REFERENCE).count() == 1
    assert len({p.pk for p, _ in results}) == 1  # type: ignore[misc]
