"""The OpenID Connect provider's policy on top of django-oauth-toolkit: S256-only PKCE, the
claims each scope releases, the `acr` claim, and an audit entry for every token issued."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid import Server as OpenIDServer

from . import services

ACR_PREFIX = "urn:motcua:loa:"


def acr_for(level: int) -> str:
    """The `acr` value of an assurance level: "urn:motcua:loa:1" or "urn:motcua:loa:2"."""
    return f"{ACR_PREFIX}{int(level)}"


class Server(OpenIDServer):
    """oauthlib's OpenID server that knows only the S256 PKCE method: `plain` (or no method,
    which RFC 7636 reads as `plain`) is refused at the authorization endpoint, before login."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        s256_only = {"S256": code_challenge_method_s256}
        for grant in (self.auth_grant, self.openid_connect_auth.proxy_target):
            grant._code_challenge_methods = s256_only
        self.openid_connect_hybrid.proxy_target._code_challenge_methods = s256_only


class Validator(OAuth2Validator):
    # Claim -> the scope that releases it. `acr` and `sub` come with `openid`.
    oidc_claim_scope = {
        "sub": "openid",
        "acr": "openid",
        "subject_kind": "openid",
        "name": "profile",
        "birthdate": "birthdate",
        "gender": "birthdate",
        "personal_id": "personal_id",
        "enterprise_code": "personal_id",
        "address": "address",
    }

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        claims = services.subject_claims(request.user)
        level = getattr(getattr(request, "access_token", None), "assurance", None)
        claims["acr"] = acr_for(level.level if level else request.user.assurance_level)
        return claims

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(self.oidc_claim_scope)

    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        services.record_token_issued(
            access_token,
            grant_type=request.grant_type or "",
            level=getattr(request.user, "assurance_level", None),
        )
        return access_token
