"""The client's address, as seen by the outermost proxy we trust. Behind N trusted reverse
proxies (setting MOTCUA_TRUSTED_PROXIES), each appends the address it received from to
X-Forwarded-For, so the N-th entry from the right is the client's; anything further left was
written by the client and is not believed. With 0 (the default) REMOTE_ADDR is the client."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = _valid(str(request.META.get("REMOTE_ADDR") or ""))
    proxies = int(getattr(settings, "MOTCUA_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    entries = [item.strip() for item in header.split(",") if item.strip()]
    if len(entries) < proxies:
        # Fewer entries than proxies: a request that did not come through all of them.
        return remote
    return _valid(entries[-proxies]) or remote
