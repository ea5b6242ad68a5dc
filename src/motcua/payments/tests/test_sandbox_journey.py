"""A citizen pays a fee on the sandbox bank's page and comes back to their dossier."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from lxml import html

from motcua.audit.models import AuditEntry
from motcua.payments import services
from motcua.payments.models import Payment, PaymentCallback

from .conftest import REFERENCE


def _press(client: Client, url: str, outcome: str):
    page = client.get(url)
    token = html.fromstring(page.content).xpath("//input[@name='csrfmiddlewaretoken']/@value")[0]
    return client.post(url, {"outcome": outcome, "csrfmiddlewaretoken": token})


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def test_citizen_pays_and_the_dossier_is_paid_with_a_receipt(start_payment, browser, paid_calls):
    payment, url = start_payment()
    assert url == f"/thanh-toan/sandbox/{payment.provider_ref}/"
    page = browser.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "150.000 đồng" in text
    assert "Lệ phí đăng ký khai sinh" in text

    response = _press(browser, url, "paid")

    assert response.status_code == 302
    assert response["Location"] == f"/ho-so/{REFERENCE}/"
    assert services.status(REFERENCE) == "paid"
    paid = services.receipt(REFERENCE)
    assert paid is not None and paid.pk == payment.pk
    assert re.fullmatch(r"BL-\d{8}-\d{8}", paid.receipt_number or "")
    assert paid.paid_at is not None
    assert len(paid.callbacks) == 1 and paid.callbacks[0]["outcome"] == "paid"
    assert paid_calls == [payment.pk]
    assert AuditEntry.objects.filter(action="payments.payment.paid").count() == 1


def test_after_paying_the_bank_sends_the_citizen_back_to_the_public_address_and_port(
    start_payment, browser, settings
):
    settings.MOTCUA_PUBLIC_URL = "http://127.0.0.1:8123"
    _, url = start_payment(return_url=f"http://127.0.0.1:8123/ho-so/{REFERENCE}/")

    response = _press(browser, url, "paid")

    assert response["Location"] == f"http://127.0.0.1:8123/ho-so/{REFERENCE}/"


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_failed_or_cancelled_payment_leaves_the_dossier_unpaid(
    start_payment, browser, paid_calls, outcome
):
    payment, url = start_payment()

    response = _press(browser, url, outcome)

    assert response.status_code == 302
    assert services.status(REFERENCE) == outcome
    assert services.receipt(REFERENCE) is None
    assert paid_calls == []
    payment.refresh_from_db()
    assert payment.receipt_number is None
    assert AuditEntry.objects.filter(action=f"payments.payment.{outcome}").count() == 1


def test_after_a_failure_the_citizen_can_try_again(start_payment, browser, paid_calls):
    first, url = start_payment()
    _press(browser, url, "failed")

    second, url2 = start_payment()
    _press(browser, url2, "paid")

    assert second.pk != first.pk
    assert services.status(REFERENCE) == "paid"
    assert paid_calls == [second.pk]


def test_pressing_pay_again_on_a_paid_payment_does_not_pay_twice(
    start_payment, browser, paid_calls
):
    payment, url = start_payment()
    page = browser.get(url)
    token = html.fromstring(page.content).xpath("//input[@name='csrfmiddlewaretoken']/@value")[0]
    for _ in range(2):  # a double click, or the back button and pay again
        browser.post(url, {"outcome": "paid", "csrfmiddlewaretoken": token})

    assert PaymentCallback.objects.count() == 1
    assert paid_calls == [payment.pk]


def test_sandbox_page_fits_a_phone_and_names_its_buttons(start_payment, browser):
    _, url = start_payment()
    doc = html.fromstring(browser.get(url, headers={"user-agent": "Mobile"}).content)

    viewport = doc.xpath("//meta[@name='viewport']/@content")
    assert viewport and "width=device-width" in viewport[0]
    assert doc.xpath("/html/@lang") == ["vi"]
    assert len(doc.xpath("//h1")) == 1
    buttons = doc.xpath("//form[contains(@class, 'pay-actions')]//button[@type='submit']")
    names = [b.text_content().strip() for b in buttons]
    assert names == ["Thanh toán", "Giả lập lỗi", "Hủy"]
    assert [b.get("value") for b in buttons] == ["paid", "failed", "cancelled"]
    assert doc.xpath("//link[contains(@href, 'payments/sandbox.css')]")


def test_a_finished_payment_shows_its_outcome_without_buttons(start_payment, browser):
    _, url = start_payment()
    _press(browser, url, "paid")

    doc = html.fromstring(browser.get(url).content)

    assert doc.xpath("//button[@name='outcome']") == []
    assert "Đã thanh toán" in doc.text_content()


def test_a_press_without_csrf_token_is_refused(start_payment, browser):
    _, url = start_payment()

    response = browser.post(url, {"outcome": "paid"})

    assert response.status_code == 403
    assert services.status(REFERENCE) == "pending"


def test_unknown_sandbox_transaction_is_not_found(db, browser):
    assert browser.get("/thanh-toan/sandbox/khong-co/").status_code == 404


def test_an_unknown_button_changes_nothing(start_payment, browser):
    payment, url = start_payment()

    response = _press(browser, url, "refund")

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
