"""What the provider refuses: PKCE other than S256, a wrong verifier, a code used twice, a
redirect URI that was not registered."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from motcua.identity.testing import CLIENT_SECRET, make_client, make_person

pytestmark = pytest.mark.django_db

REDIRECT = "http://testserver/rp/callback"
BASIC = "Basic " + base64.b64encode(f"rp-test:{CLIENT_SECRET}".encode()).decode()


def s256(verifier):
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


@pytest.fixture
def logged_in(client):
    make_client("rp-test", REDIRECT)
    client.force_login(make_person())
    return client


def authorize(client, verifier, **overrides):
    params = {
        "response_type": "code",
        "client_id": "rp-test",
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "st",
        "nonce": "n0",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    return client.get("/o/authorize/?" + urlencode(params))


def code_from(response):
    assert response.status_code == 302, response.content[:500]
    query = parse_qs(urlparse(response["Location"]).query)
    return query.get("code", [None])[0], query


def exchange(client, code, verifier):
    return client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=BASIC,
    )


def test_code_exchanged_with_the_right_verifier(logged_in):
    verifier = secrets.token_urlsafe(48)
    code, query = code_from(authorize(logged_in, verifier))
    assert query["state"] == ["st"] and query["iss"] == ["http://testserver"]
    response = exchange(logged_in, code, verifier)
    assert response.status_code == 200
    assert {"access_token", "id_token", "refresh_token"} <= response.json().keys()


def test_wrong_pkce_verifier_is_refused(logged_in):
    verifier = secrets.token_urlsafe(48)
    code, _ = code_from(authorize(logged_in, verifier))
    response = exchange(logged_in, code, secrets.token_urlsafe(48))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_cannot_be_used_twice(logged_in):
    verifier = secrets.token_urlsafe(48)
    code, _ = code_from(authorize(logged_in, verifier))
    assert exchange(logged_in, code, verifier).status_code == 200
    again = exchange(logged_in, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["plain", None])
def test_plain_pkce_is_refused(logged_in, method):
    verifier = secrets.token_urlsafe(48)
    response = authorize(logged_in, verifier, code_challenge=verifier, code_challenge_method=method)
    code, query = code_from(response)
    assert code is None
    assert query["error"] == ["invalid_request"]


def test_pkce_is_required(logged_in):
    response = authorize(logged_in, "x", code_challenge=None, code_challenge_method=None)
    code, query = code_from(response)
    assert code is None and query["error"] == ["invalid_request"]


def test_unregistered_redirect_uri_is_never_redirected_to(logged_in):
    verifier = secrets.token_urlsafe(48)
    response = authorize(logged_in, verifier, redirect_uri="https://evil.example/cb")
    assert response.status_code in (200, 400)
    assert "Location" not in response
    assert (
        "evil.example" not in response.content.decode() or "code=" not in response.content.decode()
    )


def test_unknown_client_is_refused(logged_in):
    response = authorize(logged_in, "v" * 50, client_id="no-such-client")
    assert "Location" not in response
