"""The HTTP callback endpoint: signed callbacks are applied once; forged ones are refused."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from motcua.audit.models import AuditEntry
from motcua.payments.models import Payment, PaymentCallback
from motcua.payments.plugins import sandbox

URL = "/thanh-toan/callback/sandbox/"


def _post(body: bytes, signature: str | None):
    headers = {} if signature is None else {"X-Sandbox-Signature": signature}
    return Client().post(URL, data=body, content_type="application/json", headers=headers)


def _signed(payment: Payment, outcome: str = "paid") -> tuple[bytes, str]:
    return sandbox.provider.signed_callback(payment, outcome)


def test_signed_callback_marks_the_payment_paid(start_payment, paid_calls):
    payment, _ = start_payment()

    response = _post(*_signed(payment))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "payment_status": "paid"}
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.receipt_number
    assert paid_calls == [payment.pk]


def test_callback_delivered_twice_records_one_payment(start_payment, paid_calls):
    payment, _ = start_payment()
    body, signature = _signed(payment)

    first = _post(body, signature)
    payment.refresh_from_db()
    receipt, audit_count = payment.receipt_number, AuditEntry.objects.count()
    second = _post(body, signature)

    assert first.status_code == second.status_code == 200
    assert second.json()["payment_status"] == "paid"
    assert PaymentCallback.objects.count() == 1
    assert Payment.objects.filter(status="paid").count() == 1
    payment.refresh_from_db()
    assert payment.receipt_number == receipt
    assert len(payment.callbacks) == 1
    assert AuditEntry.objects.count() == audit_count
    assert paid_calls == [payment.pk]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body, sig: (body, "sha256=" + "0" * 64), id="wrong-signature"),
        pytest.param(lambda body, sig: (body, None), id="no-signature"),
        pytest.param(lambda body, sig: (body, "sha256=é"), id="non-ascii-signature"),
        pytest.param(
            lambda body, sig: (body.replace(b'"outcome":"failed"', b'"outcome":"paid"'), sig),
            id="body-changed-after-signing",
        ),
    ],
)
def test_forged_callback_is_refused_and_changes_nothing(start_payment, paid_calls, forge):
    payment, _ = start_payment()
    audit_count = AuditEntry.objects.count()
    body, signature = forge(*_signed(payment, "failed"))

    response = _post(body, signature)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:motcua:problem:callback-refused"
    payment.refresh_from_db()
    assert payment.status == "pending" and payment.callbacks == []
    assert PaymentCallback.objects.count() == 0
    assert AuditEntry.objects.count() == audit_count
    assert paid_calls == []


def test_callback_signed_with_another_secret_is_refused(start_payment):
    payment, _ = start_payment()
    with override_settings(PAYMENTS_SANDBOX_SECRET="someone-elses-secret"):
        body, signature = _signed(payment)

    assert _post(body, signature).status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"callback_id": "c1", "provider_ref": "x", "outcome": "refunded"}).encode(),
        json.dumps({"callback_id": "", "provider_ref": "x", "outcome": "paid"}).encode(),
    ],
)
def test_signed_but_malformed_callback_is_refused(db, payload):
    response = _post(payload, sandbox.sign(payload))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert PaymentCallback.objects.count() == 0


def test_callback_with_another_amount_is_refused(start_payment, paid_calls):
    payment, _ = start_payment()
    raw = {"callback_id": "c-1", "provider_ref": payment.provider_ref, "outcome": "paid"}
    body = json.dumps({**raw, "amount": 1_000}).encode()

    response = _post(body, sandbox.sign(body))

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert paid_calls == []


def test_callback_for_an_unknown_transaction_is_not_found(db):
    body = json.dumps(
        {"callback_id": "c-1", "provider_ref": "nope", "outcome": "paid", "amount": 1}
    ).encode()

    response = _post(body, sandbox.sign(body))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_callback_for_an_unknown_provider_is_not_found(db):
    response = Client().post(
        "/thanh-toan/callback/khong-co/", data=b"{}", content_type="application/json"
    )

    assert response.status_code == 404
    assert response.json()["type"] == "urn:motcua:problem:not-found"


def test_callback_endpoint_takes_only_post(db):
    assert Client().get(URL).status_code == 405
