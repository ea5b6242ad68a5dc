"""A complete login through the real HTTP endpoints, driven by an independent OIDC client
library (Authlib) and verified with the provider's published JWKS (joserfc)."""

import secrets
from urllib.parse import urljoin

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from motcua.identity.testing import CLIENT_SECRET, make_client, make_person, submit_login_form

pytestmark = pytest.mark.django_db(transaction=True)


def test_full_login_with_an_independent_oidc_client(live_server):
    issuer = live_server.url
    redirect_uri = f"{issuer}/rp/callback"
    person = make_person()
    make_client("rp-test", redirect_uri)

    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == issuer
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "urn:motcua:loa:2" in discovery["acr_values_supported"]

    rp = OAuth2Session(
        "rp-test",
        CLIENT_SECRET,
        scope="openid profile birthdate personal_id address",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = rp.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )

    browser = requests.Session()
    login_page = browser.get(url, timeout=10)  # not logged in: the provider's login form
    assert "/dinh-danh/dang-nhap/" in login_page.url
    after_login = submit_login_form(browser, login_page, person)
    assert after_login.status_code == 302
    authorize = browser.get(
        urljoin(issuer, after_login.headers["Location"]), allow_redirects=False, timeout=10
    )
    assert authorize.status_code == 302, authorize.text[:3000]
    callback = authorize.headers["Location"]
    assert callback.startswith(redirect_uri)

    token = rp.fetch_token(
        discovery["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
        state=state,
    )
    assert token["token_type"].lower() == "bearer" and token["refresh_token"]

    jwks = requests.get(discovery["jwks_uri"], timeout=10).json()
    id_token = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"])
    assert id_token.header["alg"] == "RS256"
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": "rp-test"},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(id_token.claims)
    claims = id_token.claims
    assert claims["acr"] == "urn:motcua:loa:2"
    assert claims["name"] == "Nguyễn Văn An"
    assert claims["personal_id"] == person.username
    assert claims["sub"] == str(person.sub) != person.username

    userinfo = rp.get(discovery["userinfo_endpoint"], timeout=10).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["acr"] == "urn:motcua:loa:2"
    assert userinfo["address"]["formatted"].startswith("Số 1 phố Tràng Tiền")

    refreshed = rp.refresh_token(discovery["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
