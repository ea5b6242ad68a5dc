"""The registry of SMS gateways (nhà cung cấp dịch vụ tin nhắn). Each gateway is one module in
this package that calls `register(...)` when imported; the modules are discovered on first use,
and setting NOTIFY_SMS_PROVIDER picks the one messages go through ("console" by default outside
production; empty turns SMS off). Adding a gateway adds one module; nothing else changes."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from motcua.core.plugins import PluginRegistry

DEFAULT_PROVIDER = "console"


@runtime_checkable
class SmsProvider(Protocol):
    """An SMS gateway. `send` delivers `text` to `phone` (E.164, e.g. +84912345678) and
    returns the gateway's message id, or raises: `PermanentFailure` when retrying cannot
    help (a refused number), any other exception for a failure worth retrying. A gateway
    with `dev_only = True` is refused in production."""

    id: str
    name: str

    def send(self, phone: str, text: str) -> str: ...


class PermanentFailure(Exception):
    """A send that will fail the same way however often it is retried."""


_plugins: PluginRegistry[SmsProvider] = PluginRegistry("SMS provider", __name__, __path__)
register = _plugins.register
autodiscover = _plugins.autodiscover


def get(provider_id: str) -> SmsProvider:
    found = _plugins.lookup(provider_id)
    if found is not None:
        return found
    raise ImproperlyConfigured(f"NOTIFY_SMS_PROVIDER={provider_id!r} is not registered.")


def configured_id() -> str:
    """The id NOTIFY_SMS_PROVIDER names; "" (SMS off) when unset in production."""
    value = getattr(settings, "NOTIFY_SMS_PROVIDER", None)
    if value is None:
        return "" if settings.MOTCUA_ENV == "production" else DEFAULT_PROVIDER
    return str(value)


def enabled() -> bool:
    return bool(configured_id())


def configured() -> SmsProvider:
    """The gateway chosen by NOTIFY_SMS_PROVIDER."""
    provider_id = configured_id()
    if not provider_id:
        raise ImproperlyConfigured("SMS is turned off (NOTIFY_SMS_PROVIDER is empty).")
    provider = get(provider_id)
    if getattr(provider, "dev_only", False) and settings.MOTCUA_ENV == "production":
        raise ImproperlyConfigured(f"NOTIFY_SMS_PROVIDER={provider_id!r} is for development only.")
    return provider


def providers() -> list[SmsProvider]:
    return _plugins.all()
