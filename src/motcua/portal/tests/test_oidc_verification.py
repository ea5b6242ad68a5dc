"""The portal's ID token verification refuses anything but a fresh token signed by the
provider's key, for this client, from this issuer, with our nonce."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from motcua.portal.oidc import LoginError, verify_id_token

ISSUER = "https://id.example.gov.vn"


@pytest.fixture(scope="module")
def provider_key():
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


@pytest.fixture(scope="module")
def jwks(provider_key):
    return KeySet([provider_key]).as_dict(private=False)


def make_token(key, **overrides):
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "motcua-portal",
        "sub": "b7c1",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-123",
        "acr": "urn:motcua:loa:2",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def verify(token, jwks, nonce="n-123"):
    return verify_id_token(token, jwks=jwks, issuer=ISSUER, client_id="motcua-portal", nonce=nonce)


def test_a_good_token_verifies(provider_key, jwks):
    assert verify(make_token(provider_key), jwks)["acr"] == "urn:motcua:loa:2"


def test_a_token_signed_by_another_key_is_refused(jwks):
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(LoginError):
        verify(make_token(other), jwks)


def test_a_tampered_token_is_refused(provider_key, jwks):
    header, payload, signature = make_token(provider_key).split(".")
    forged = make_token(provider_key, sub="someone-else").split(".")[1]
    with pytest.raises(LoginError):
        verify(f"{header}.{forged[:-2]}AA.{signature}", jwks)
    with pytest.raises(LoginError):
        verify(f"{header}.{payload}.{signature[:-4]}AAAA", jwks)


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-client"},
        {"aud": ["another-client", "third"]},
        {"aud": None},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 3600},
        {"exp": None},
        {"nonce": "replayed"},
        {"nonce": None},
    ],
    ids=[
        "wrong-aud",
        "wrong-aud-list",
        "no-aud",
        "wrong-iss",
        "expired",
        "no-exp",
        "wrong-nonce",
        "no-nonce",
    ],
)
def test_wrong_claims_are_refused(provider_key, jwks, overrides):
    with pytest.raises(LoginError):
        verify(make_token(provider_key, **overrides), jwks)


def test_several_audiences_need_azp(provider_key, jwks):
    token = make_token(provider_key, aud=["motcua-portal", "other"])
    with pytest.raises(LoginError):
        verify(token, jwks)
    assert verify(
        make_token(provider_key, aud=["motcua-portal", "other"], azp="motcua-portal"), jwks
    )


def test_unsigned_and_symmetric_tokens_are_refused(provider_key, jwks):
    from joserfc.jwk import OctKey

    hs = jwt.encode(
        {"alg": "HS256"}, {"iss": ISSUER, "aud": "motcua-portal"}, OctKey.generate_key(256)
    )
    with pytest.raises(LoginError):
        verify(hs, jwks)
    header_none = "eyJhbGciOiJub25lIn0"
    payload = make_token(provider_key).split(".")[1]
    with pytest.raises(LoginError):
        verify(f"{header_none}.{payload}.", jwks)
