"""Providers are plugins: registered by id, chosen by PAYMENTS_PROVIDER."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import override_settings

from motcua.core.errors import NotFound
from motcua.payments import plugins
from motcua.payments.models import Payment
from motcua.payments.plugins import CallbackData, PaymentProvider


class FakeBank:
    id = "fake-bank"
    name = "Fake bank"

    def start(self, payment: Payment, return_url: str) -> str:
        return f"https://bank.example/pay?ref={payment.provider_ref}"

    def parse_callback(self, request: HttpRequest) -> CallbackData:
        raise NotImplementedError


@pytest.fixture
def fake_bank(monkeypatch):
    plugins.autodiscover()
    monkeypatch.setattr(plugins._plugins, "entries", dict(plugins._plugins.entries))
    return plugins.register(FakeBank())


def test_sandbox_is_the_default_provider():
    assert plugins.configured().id == "sandbox"
    assert isinstance(plugins.get("sandbox"), PaymentProvider)


def test_an_unknown_provider_is_not_found():
    with pytest.raises(NotFound):
        plugins.get("khong-co")


def test_an_unregistered_configured_provider_is_a_configuration_error():
    with override_settings(PAYMENTS_PROVIDER="khong-co"), pytest.raises(ImproperlyConfigured):
        plugins.configured()


def test_the_sandbox_is_refused_in_production(start_payment):
    with (
        override_settings(MOTCUA_ENV="production"),
        pytest.raises(ImproperlyConfigured, match="tests only"),
    ):
        start_payment()


def test_the_configured_provider_takes_new_payments(fake_bank, start_payment):
    with override_settings(PAYMENTS_PROVIDER="fake-bank"):
        payment, url = start_payment()

    assert payment.provider == "fake-bank"
    assert url == f"https://bank.example/pay?ref={payment.provider_ref}"


def test_a_pending_payment_keeps_its_provider_after_the_setting_changes(fake_bank, start_payment):
    first, _ = start_payment()
    with override_settings(PAYMENTS_PROVIDER="fake-bank"):
        again, url = start_payment()

    assert again.pk == first.pk and again.provider == "sandbox"
    assert url.startswith("/thanh-toan/sandbox/")


def test_an_id_cannot_be_taken_twice(fake_bank):
    class Impostor(FakeBank):
        pass

    with pytest.raises(ImproperlyConfigured):
        plugins.register(Impostor())
