"""An OpenID Connect relying party (the portal's and the back office's): authorization code
flow with PKCE (S256), `state` and `nonce`; the ID token's signature is checked against the
provider's JWKS, and its `iss`, `aud`, `exp` and `nonce` against what we sent. A relying party
knows a person only through these claims: it reads nothing of the provider's own tables, so
any provider can replace ours (settings OIDC_ISSUER and each party's client id and secret);
without OIDC_ISSUER it is our own, reached server-side at MOTCUA_PUBLIC_URL."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from motcua.core import site
from motcua.core.errors import DomainError

PENDING_MAX_AGE = 600  # seconds a started login may take
METADATA_TTL = 300
LEEWAY = 60  # seconds of clock skew tolerated on exp/iat
# Claims kept in the session: what the pages need, nothing more.
KEPT_CLAIMS = (
    "sub",
    "acr",
    "auth_time",  # when the person logged in: operations needing a recent login read it
    "name",
    "subject_kind",
    "personal_id",
    "enterprise_code",
    "birthdate",
    "address",
)


@dataclass(frozen=True)
class RelyingParty:
    """One relying party's settings and the session keys it uses."""

    client_id: str
    client_secret: str
    scopes: str
    callback_url_name: str
    session_prefix: str  # "portal" → portal_oidc_pending, portal_citizen, portal_id_token
    redirect_uri: str = ""
    kept_claims: tuple[str, ...] = KEPT_CLAIMS
    acr_values: str = ""

    @property
    def session_pending(self) -> str:
        return f"{self.session_prefix}_oidc_pending"

    @property
    def session_id_token(self) -> str:
        return f"{self.session_prefix}_id_token"

    @property
    def session_tokens(self) -> str:
        return f"{self.session_prefix}_tokens"


class LoginError(DomainError):
    """The login through the identity provider could not be completed."""

    code = "oidc-login-failed"
    title = "Đăng nhập không thành công"


class ProviderUnavailable(LoginError):
    status = 502
    code = "oidc-provider-unavailable"


def _http() -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    return session


def provider_metadata(issuer: str | None = None) -> dict[str, Any]:
    """The provider's discovery document, cached a few minutes; its `issuer` must be ours."""
    issuer = (issuer or site.oidc_issuer()).rstrip("/")
    key = "portal:oidc:metadata:" + hashlib.sha256(issuer.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        try:
            response = _http().get(
                f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_HTTP_TIMEOUT
            )
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(
                _("Không kết nối được với hệ thống định danh. Vui lòng thử lại sau.")
            ) from exc
        if data.get("issuer") != issuer:
            raise LoginError(_("Hệ thống định danh trả về thông tin không khớp."))
        cache.set(key, data, METADATA_TTL)
    return dict(data)


def provider_jwks(jwks_uri: str, *, refresh: bool = False) -> dict[str, Any]:
    key = "portal:oidc:jwks:" + hashlib.sha256(jwks_uri.encode()).hexdigest()
    data = None if refresh else cache.get(key)
    if data is None:
        try:
            response = _http().get(jwks_uri, timeout=settings.OIDC_HTTP_TIMEOUT)
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(
                _("Không kết nối được với hệ thống định danh. Vui lòng thử lại sau.")
            ) from exc
        cache.set(key, data, METADATA_TTL)
    return dict(data)


def verify_id_token(
    id_token: str,
    *,
    jwks: dict[str, Any],
    issuer: str,
    client_id: str,
    nonce: str,
    now: int | None = None,
) -> dict[str, Any]:
    """The ID token's claims, once its RS256 signature verifies against `jwks` and its `iss`,
    `aud` (and `azp`), `exp`, `iat` and `nonce` are as expected; LoginError otherwise."""
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, key_set, algorithms=["RS256"])
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError) as exc:
        raise LoginError(_("Không xác minh được thông tin đăng nhập (ID token).")) from exc
    claims = dict(token.claims)
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise LoginError(_("Không xác minh được thông tin đăng nhập (ID token)."))
    return claims


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def redirect_uri(request: HttpRequest, rp: RelyingParty) -> str:
    return rp.redirect_uri or request.build_absolute_uri(reverse(rp.callback_url_name))


def begin_login(
    request: HttpRequest, next_url: str, rp: RelyingParty, *, acr_values: str = ""
) -> str:
    """Remember state, nonce and the PKCE verifier in the session; return the provider's
    authorization URL to send the browser to."""
    metadata = provider_metadata()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    callback = redirect_uri(request, rp)
    request.session[rp.session_pending] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": callback,
        "next": next_url,
        "started": int(time.time()),
    }
    params = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": callback,
        "scope": rp.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": _s256(verifier),
        "code_challenge_method": "S256",
        "ui_locales": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
    }
    if acr_values or rp.acr_values:
        params["acr_values"] = acr_values or rp.acr_values
    return f"{metadata['authorization_endpoint']}?{urlencode(params)}"


def complete_login(request: HttpRequest, rp: RelyingParty) -> tuple[str, dict[str, Any]]:
    """Finish the login from the provider's redirect: check state (and `iss` when sent),
    exchange the code with the PKCE verifier, verify the ID token, read userinfo. Returns
    where to go next and the claims; the caller keeps them in a fresh session (`login`)."""
    pending = request.session.pop(rp.session_pending, None)
    state = request.GET.get("state", "")
    if not pending or not constant_time_compare(str(pending.get("state", "")), state):
        raise LoginError(_("Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."))
    if int(time.time()) - int(pending.get("started", 0)) > PENDING_MAX_AGE:
        raise LoginError(_("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."))
    if request.GET.get("error"):
        raise LoginError(_("Bạn chưa đăng nhập: hệ thống định danh đã từ chối hoặc bạn đã hủy."))
    metadata = provider_metadata()
    issuer = metadata["issuer"]
    if "iss" in request.GET and request.GET["iss"] != issuer:  # RFC 9207 mix-up defence
        raise LoginError(_("Hệ thống định danh trả về thông tin không khớp."))
    code = request.GET.get("code", "")
    if not code:
        raise LoginError(_("Thiếu mã ủy quyền trong phản hồi đăng nhập."))
    tokens = _exchange_code(metadata, code, pending, rp)
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise LoginError(_("Hệ thống định danh không trả về ID token."))
    claims = _verify_with_rotation(id_token, metadata, pending["nonce"], rp)
    userinfo = _userinfo(metadata, tokens.get("access_token", ""), claims["sub"])
    merged = {**userinfo, **claims}
    request.session.cycle_key()  # a new session id for the logged-in person
    request.session[rp.session_id_token] = id_token
    request.session[rp.session_tokens] = {
        "access_token": tokens.get("access_token", ""),
        "refresh_token": tokens.get("refresh_token", ""),
        "expires_at": int(time.time()) + int(tokens.get("expires_in", 0) or 0),
    }
    kept = {k: merged[k] for k in rp.kept_claims if k in merged}
    return str(pending.get("next") or "/"), kept


def _exchange_code(
    metadata: dict[str, Any], code: str, pending: dict[str, Any], rp: RelyingParty
) -> dict[str, Any]:
    client_id = rp.client_id
    secret = rp.client_secret
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending["redirect_uri"],
        "code_verifier": pending["verifier"],
    }
    # client_secret_basic: RFC 6749 §2.3.1 form-encodes both parts before Basic encoding.
    auth = (quote(client_id, safe=""), quote(secret, safe="")) if secret else None
    if auth is None:
        data["client_id"] = client_id  # a public client names itself
    try:
        response = _http().post(
            metadata["token_endpoint"], data=data, auth=auth, timeout=settings.OIDC_HTTP_TIMEOUT
        )
    except requests.RequestException as exc:
        raise ProviderUnavailable(
            _("Không kết nối được với hệ thống định danh. Vui lòng thử lại sau.")
        ) from exc
    if response.status_code != 200:
        raise LoginError(
            _("Hệ thống định danh không chấp nhận mã ủy quyền. Vui lòng đăng nhập lại.")
        )
    try:
        return dict(response.json())
    except ValueError as exc:
        raise LoginError(_("Hệ thống định danh trả về dữ liệu không hợp lệ.")) from exc


def _verify_with_rotation(
    id_token: str, metadata: dict[str, Any], nonce: str, rp: RelyingParty
) -> dict[str, Any]:
    """Verify with the cached JWKS; on failure fetch it once more, in case keys rotated."""
    kwargs = {"issuer": metadata["issuer"], "client_id": rp.client_id, "nonce": nonce}
    try:
        return verify_id_token(id_token, jwks=provider_jwks(metadata["jwks_uri"]), **kwargs)
    except LoginError:
        jwks = provider_jwks(metadata["jwks_uri"], refresh=True)
        return verify_id_token(id_token, jwks=jwks, **kwargs)


def _userinfo(metadata: dict[str, Any], access_token: str, sub: str) -> dict[str, Any]:
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint or not access_token:
        return {}
    try:
        response = _http().get(
            endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.OIDC_HTTP_TIMEOUT,
        )
        data = response.json() if response.status_code == 200 else {}
    except (requests.RequestException, ValueError):
        return {}  # the ID token alone is enough to log in
    if not isinstance(data, dict) or data.get("sub") != sub:
        return {}  # OIDC Core §5.3.2: userinfo for another subject is ignored
    return data


def logout_url(
    request: HttpRequest, id_token: str | None, after: str, rp: RelyingParty
) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None when it has none."""
    try:
        metadata = provider_metadata()
    except LoginError:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {"client_id": rp.client_id, "post_logout_redirect_uri": after}
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
