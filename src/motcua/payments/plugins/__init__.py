"""The registry of payment providers (nhà cung cấp dịch vụ thanh toán). Each provider is one
module in this package that calls `register(...)` when imported; the modules are discovered
on first use, and setting PAYMENTS_PROVIDER (default "sandbox") picks the one new payments go
through. Adding a provider adds one module; nothing else changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput, NotFound
from motcua.core.plugins import PluginRegistry

if TYPE_CHECKING:
    from django.urls import URLPattern

    from motcua.payments.models import Payment

DEFAULT_PROVIDER = "sandbox"
OUTCOMES = ("paid", "failed", "cancelled")


@dataclass(frozen=True)
class CallbackData:
    """What a verified provider callback says: which transaction, what happened. `amount`
    (VND), when the provider reports it, must equal the payment's amount."""

    callback_id: str
    provider_ref: str
    outcome: str
    raw: dict[str, Any] = field(default_factory=dict)
    amount: int | None = None


class CallbackRefused(InvalidInput):
    """A callback whose signature or payload did not verify: it is ignored entirely."""

    code = "callback-refused"
    title = "Thông báo thanh toán không hợp lệ"


@runtime_checkable
class PaymentProvider(Protocol):
    """A payment provider. `start` returns where to send the browser to pay; `parse_callback`
    verifies the provider's signature on a callback request (raising `CallbackRefused`) and
    says what it reports. A provider may expose `urlpatterns` (its own pages), mounted under
    /thanh-toan/<id>/. A provider with `test_only = True` is refused in production."""

    id: str
    name: str

    def start(self, payment: Payment, return_url: str) -> str: ...

    def parse_callback(self, request: HttpRequest) -> CallbackData: ...


_plugins: PluginRegistry[PaymentProvider] = PluginRegistry("Payment provider", __name__, __path__)
register = _plugins.register
autodiscover = _plugins.autodiscover


def get(provider_id: str) -> PaymentProvider:
    found = _plugins.lookup(provider_id)
    if found is not None:
        return found
    raise NotFound(
        _("Không có nhà cung cấp thanh toán “%(id)s”.") % {"id": provider_id}, param="provider"
    )


def configured() -> PaymentProvider:
    """The provider chosen by setting PAYMENTS_PROVIDER."""
    provider_id = getattr(settings, "PAYMENTS_PROVIDER", "") or DEFAULT_PROVIDER
    try:
        provider = get(provider_id)
    except NotFound:
        raise ImproperlyConfigured(
            f"PAYMENTS_PROVIDER={provider_id!r} is not registered."
        ) from None
    if getattr(provider, "test_only", False) and settings.MOTCUA_ENV == "production":
        raise ImproperlyConfigured(f"PAYMENTS_PROVIDER={provider_id!r} is for tests only.")
    return provider


def providers() -> list[PaymentProvider]:
    return _plugins.all()


def provider_urlpatterns() -> list[tuple[str, list[URLPattern]]]:
    """(id, urlpatterns) of each provider that has pages of its own."""
    return [(p.id, list(p.urlpatterns)) for p in providers() if getattr(p, "urlpatterns", None)]  # type: ignore[attr-defined]
