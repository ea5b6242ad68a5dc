"""The site's public address (setting MOTCUA_PUBLIC_URL): every absolute link the system hands
out (QR codes, receipts, e-mails, redirect URIs, the OIDC issuer) is built here, and only
addresses on it are trusted as places to send a browser back to."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def base_url() -> str:
    """`scheme://host[:port]` without a trailing slash."""
    return str(settings.MOTCUA_PUBLIC_URL).rstrip("/")


def absolute(path: str) -> str:
    """`path` (starting with /) on the public address."""
    return base_url() + "/" + path.lstrip("/")


def oidc_issuer() -> str:
    """The identity provider the portal and back office log in with: OIDC_ISSUER when another
    provider is configured, else our own at the public address."""
    return (str(getattr(settings, "OIDC_ISSUER", "")) or base_url()).rstrip("/")


def is_own_url(url: str) -> bool:
    """True for a path on this site or an absolute URL on the public address (same scheme,
    host and port); False for any other host, port or scheme."""
    public = urlsplit(base_url())
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={public.netloc}, require_https=public.scheme == "https"
    ):
        return False
    parts = urlsplit(url)
    return not parts.scheme or parts.scheme == public.scheme
