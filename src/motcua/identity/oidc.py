"""The OpenID Connect provider's policy on top of django-oauth-toolkit: S256-only PKCE, the
claims each scope releases, the `acr` claim, and an audit entry for every token issued."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid import Server as OpenIDServer

from . import services

ACR_PREFIX = "urn:motcua:loa:"


def acr_for(level: int) -> str:
    """The `acr` value of an assurance level: "urn:motcua:loa:1" or "urn:motcua:loa:2"."""
    return f"{ACR_PREFIX}{int(level)}"


def _assurance(access_token: Any) -> Any:
    if access_token is None or not getattr(access_token, "pk", None):
        return None
    try:
        return access_token.assurance
    except ObjectDoesNotExist:  # no TokenAssurance row
        return None


def sector_of(client: Any) -> str:
    """The sector identifier of a client: the host of its (first) redirect URI."""
    uris = (getattr(client, "redirect_uris", "") or "").split()
    if not uris:
        return ""
    return urlparse(uris[0]).hostname or ""


def pairwise_sub(account_sub: str, sector: str) -> str:
    """OIDC Core §8.1: sub = base64url(HMAC-SHA256(secret, sector + account sub))."""
    secret = (settings.OIDC_PAIRWISE_SECRET or settings.SECRET_KEY).encode()
    digest = hmac.new(secret, f"{sector}{account_sub}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def subject_for_client(account_sub: str, client: Any) -> str:
    """The `sub` a client sees: pairwise when the client is configured so, else public."""
    # A client without a policy row has no `policy` (getattr's default covers it).
    policy = getattr(client, "policy", None) if client is not None else None
    pairwise = bool(policy and policy.pairwise_subject)
    return pairwise_sub(account_sub, sector_of(client)) if pairwise else account_sub


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
        "act": "openid",
        "agency_code": "official",
        "roles": "official",
        "unit_codes": "official",
    }

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        access_token = getattr(request, "access_token", None)
        assurance = _assurance(access_token)
        acting = assurance.acting if assurance else None
        client = getattr(request, "client", None) or getattr(access_token, "application", None)
        if acting is not None:  # a token-exchange token: about the subject, naming the actor
            claims = services.subject_claims(acting.subject)
            claims["sub"] = subject_for_client(str(acting.subject.sub), client)
            claims["act"] = {"sub": subject_for_client(str(acting.actor.sub), client)}
        else:
            claims = services.subject_claims(request.user)
            claims["sub"] = subject_for_client(claims["sub"], client)
            claims.update(services.official_claims(request.user))
        claims["acr"] = acr_for(assurance.level if assurance else request.user.assurance_level)
        return claims

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Any, *args: Any, **kw: Any
    ) -> bool:
        """`official` (agency, roles) only for the back office's client."""
        if "official" in scopes and client_id not in settings.OIDC_OFFICIAL_CLIENTS:
            return False
        return bool(super().validate_scopes(client_id, scopes, client, request, *args, **kw))

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
            auth_time=_auth_time(request, source_refresh_token),
        )
        return access_token


def _auth_time(request: Any, source_refresh_token: Any) -> Any:
    """When the person authenticated: the login that the authorization code follows (codes
    live a minute), or, for a refreshed token, its first token's; None when unknown."""
    if request.grant_type == "authorization_code":
        return getattr(request.user, "last_login", None)
    try:
        previous = getattr(source_refresh_token, "access_token", None)
    except ObjectDoesNotExist:  # the first token was already replaced
        return None
    assurance = _assurance(previous)
    return assurance.auth_time if assurance is not None else None
