"""The back office as a relying party of the national identity provider (scope `official`)."""

from __future__ import annotations

from django.conf import settings

from motcua.core.officials import SESSION_OFFICIAL
from motcua.core.oidc_client import RelyingParty

__all__ = ["OFFICIAL_CLAIMS", "SESSION_OFFICIAL", "backoffice_rp"]
OFFICIAL_CLAIMS = ("sub", "acr", "name", "personal_id", "agency_code", "roles", "unit_codes")


def backoffice_rp() -> RelyingParty:
    return RelyingParty(
        client_id=settings.BACKOFFICE_OIDC_CLIENT_ID,
        client_secret=settings.BACKOFFICE_OIDC_CLIENT_SECRET,
        scopes=settings.BACKOFFICE_OIDC_SCOPES,
        callback_url_name="backoffice:login-callback",
        session_prefix="backoffice",
        kept_claims=OFFICIAL_CLAIMS,
    )
