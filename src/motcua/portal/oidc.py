"""The portal as an OpenID Connect relying party of the national identity provider; the
client itself lives in `motcua.core.oidc_client` (shared with the back office)."""

from __future__ import annotations

from django.conf import settings

from motcua.core.oidc_client import (
    KEPT_CLAIMS,
    LoginError,
    ProviderUnavailable,
    RelyingParty,
    begin_login,
    complete_login,
    logout_url,
    provider_jwks,
    provider_metadata,
    verify_id_token,
)

__all__ = [
    "SESSION_CITIZEN",
    "SESSION_ID_TOKEN",
    "SESSION_PENDING",
    "LoginError",
    "ProviderUnavailable",
    "begin_login",
    "complete_login",
    "logout_url",
    "portal_rp",
    "provider_jwks",
    "provider_metadata",
    "verify_id_token",
]

SESSION_CITIZEN = "portal_citizen"
SESSION_PENDING = "portal_oidc_pending"
SESSION_ID_TOKEN = "portal_id_token"  # noqa: S105 (a session key)
SESSION_ACTING = "portal_acting"


def portal_rp() -> RelyingParty:
    """Read at each use, so settings overridden in tests apply."""
    return RelyingParty(
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        scopes=settings.OIDC_SCOPES,
        callback_url_name="portal:login-callback",
        session_prefix="portal",
        redirect_uri=settings.OIDC_REDIRECT_URI,
        kept_claims=KEPT_CLAIMS,
    )
