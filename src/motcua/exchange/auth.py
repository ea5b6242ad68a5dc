"""Client authentication of consumers: a JWT client assertion (RFC 7523, `private_key_jwt`)
sent as `Authorization: Bearer <assertion>`, fresh for every request.

The assertion is signed with the consumer's private key (ES256, RS256, PS256 or Ed25519) and
carries iss = sub = the consumer's code, aud = the exchange URL, exp (at most
EXCHANGE_ASSERTION_MAX_AGE seconds after iat), and a jti that is accepted once."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from .errors import ClientAuthenticationFailed
from .models import Consumer
from .services import use_assertion

ALGORITHMS = ["ES256", "RS256", "PS256", "Ed25519"]
LEEWAY_SECONDS = 30


def audience(request: HttpRequest) -> str:
    return settings.EXCHANGE_AUDIENCE or request.build_absolute_uri("/api/v1/exchange")


def _fail(detail: str) -> ClientAuthenticationFailed:
    return ClientAuthenticationFailed(detail)


def authenticate_assertion(assertion: str, expected_audience: str) -> Consumer:
    """The consumer a valid, fresh, unused assertion speaks for; ClientAuthenticationFailed
    otherwise (nothing says which check failed beyond a short reason)."""
    try:
        unverified = json.loads(jws.extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, TypeError):
        raise _fail("Client assertion không đúng định dạng JWT.") from None
    if not isinstance(unverified, dict) or not isinstance(unverified.get("iss"), str):
        raise _fail("Client assertion thiếu iss.")
    consumer = Consumer.objects.filter(code=unverified["iss"], active=True).first()
    if consumer is None or not consumer.public_jwk:
        raise _fail("Đơn vị khai thác không được đăng ký.")
    try:
        token = jwt.decode(assertion, import_key(consumer.public_jwk), algorithms=ALGORITHMS)
    except (JoseError, ValueError):
        raise _fail("Chữ ký của client assertion không hợp lệ.") from None
    claims: dict[str, Any] = token.claims
    now = int(time.time())
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": consumer.code},
        sub={"essential": True, "value": consumer.code},
        aud={"essential": True, "value": expected_audience},
        exp={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise _fail(f"Client assertion không hợp lệ ({exc.error}).") from None
    exp = int(claims["exp"])
    issued = int(claims.get("iat", now))
    if exp - min(issued, now) > settings.EXCHANGE_ASSERTION_MAX_AGE + LEEWAY_SECONDS:
        raise _fail("Client assertion có thời hạn quá dài.")
    jti = str(claims["jti"])
    if not jti or len(jti) > 200:
        raise _fail("Client assertion có jti không hợp lệ.")
    expires_at = dt.datetime.fromtimestamp(exp + LEEWAY_SECONDS, tz=dt.UTC)
    if not use_assertion(consumer.code, jti, expires_at):
        raise _fail("Client assertion đã được dùng (jti lặp lại).")
    return consumer


def consumer_from_request(request: HttpRequest) -> Consumer:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _fail("Cần client assertion trong Authorization: Bearer.")
    return authenticate_assertion(value.strip(), audience(request))
