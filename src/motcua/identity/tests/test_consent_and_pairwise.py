"""External relying parties: the consent screen, consent remembered and revoked, pairwise
subject identifiers, `acr_values` honoured, the `official` scope kept for the back office."""

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from motcua.identity import services
from motcua.identity.models import ClientConsent
from motcua.identity.testing import CLIENT_SECRET, make_person

pytestmark = pytest.mark.django_db


def register(client_id, redirect, *, trusted=False, pairwise=False):
    services.register_client(
        services.ClientSpec(
            client_id=client_id,
            name=f"Dịch vụ {client_id}",
            redirect_uris=[redirect],
            post_logout_redirect_uris=[],
            skip_consent=trusted,
            pairwise_subject=pairwise,
        ),
        CLIENT_SECRET,
    )


def authorize(client, client_id, redirect, scope="openid profile", **extra):
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": scope,
        "state": "st",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return client.get("/o/authorize/?" + urlencode(params)), verifier, params


def allow(client, params):
    form = {k: v for k, v in params.items() if k != "scope"}
    return client.post(
        "/o/authorize/?" + urlencode(params), {**form, "scope": params["scope"], "allow": "1"}
    )


def token_for(client, client_id, redirect, code, verifier):
    basic = base64.b64encode(f"{client_id}:{CLIENT_SECRET}".encode()).decode()
    response = client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return response.json()


def code_of(response):
    assert response.status_code == 302, response.content[:300]
    return parse_qs(urlparse(response["Location"]).query)["code"][0]


def test_external_client_shows_consent_once_and_again_after_revoke(client):
    person = make_person()
    client.force_login(person)
    redirect = "https://dichvu.example.vn/cb"
    register("ext", redirect)

    page, _verifier, params = authorize(client, "ext", redirect)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dịch vụ ext muốn dùng tài khoản định danh của bạn" in text and "Họ và tên" in text
    assert code_of(allow(client, params))
    consent = ClientConsent.objects.get(account=person)
    assert consent.scopes == ["openid", "profile"]

    again, _verifier, _params = authorize(client, "ext", redirect)
    assert again.status_code == 302  # remembered: no second screen

    services.revoke_client_consent(person, consent.pk)
    after, _verifier, _params = authorize(client, "ext", redirect)
    assert after.status_code == 200  # asked again


def test_more_scopes_than_consented_ask_again(client):
    client.force_login(make_person())
    redirect = "https://dichvu.example.vn/cb"
    register("ext", redirect)
    _page, _verifier, params = authorize(client, "ext", redirect)
    allow(client, params)
    wider, _verifier, _params = authorize(client, "ext", redirect, scope="openid profile address")
    assert wider.status_code == 200


def test_trusted_client_skips_consent(client):
    client.force_login(make_person())
    register("portal-x", "http://testserver/cb", trusted=True)
    response, _verifier, _params = authorize(client, "portal-x", "http://testserver/cb")
    assert response.status_code == 302
    assert not ClientConsent.objects.exists()


def test_pairwise_clients_cannot_join_users_by_sub(client):
    person = make_person()
    client.force_login(person)
    subs = {}
    for client_id, redirect in (
        ("svc-a", "https://a.example.vn/cb"),
        ("svc-b", "https://b.example.vn/cb"),
    ):
        register(client_id, redirect, trusted=True, pairwise=True)
        response, verifier, _params = authorize(client, client_id, redirect)
        tokens = token_for(client, client_id, redirect, code_of(response), verifier)
        info = client.get(
            "/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
        ).json()
        subs[client_id] = info["sub"]
        id_token = tokens["id_token"].split(".")[1]
        id_claims = json.loads(base64.urlsafe_b64decode(id_token + "=" * (-len(id_token) % 4)))
        assert id_claims["sub"] == info["sub"]  # OIDC Core: the same sub in both
    assert subs["svc-a"] != subs["svc-b"]
    assert str(person.sub) not in subs.values()
    register("svc-public", "https://c.example.vn/cb", trusted=True)
    response, verifier, _params = authorize(client, "svc-public", "https://c.example.vn/cb")
    tokens = token_for(client, "svc-public", "https://c.example.vn/cb", code_of(response), verifier)
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.json()["sub"] == str(person.sub)


def test_level_2_is_refused_to_a_level_1_account_with_a_clear_page(client):
    client.force_login(make_person(level=1))
    register("portal-x", "http://testserver/cb", trusted=True)
    response, _verifier, _params = authorize(
        client, "portal-x", "http://testserver/cb", acr_values="urn:motcua:loa:2"
    )
    assert response.status_code == 403
    assert "mới ở mức độ 1" in response.content.decode()


def test_level_2_account_gets_level_2(client):
    client.force_login(make_person(level=2))
    register("portal-x", "http://testserver/cb", trusted=True)
    response, _verifier, _params = authorize(
        client, "portal-x", "http://testserver/cb", acr_values="urn:motcua:loa:2"
    )
    assert response.status_code == 302


def test_official_scope_is_only_for_the_back_office_client(client, settings):
    client.force_login(make_person())
    register("ext", "https://dichvu.example.vn/cb", trusted=True)
    response, _verifier, _params = authorize(
        client, "ext", "https://dichvu.example.vn/cb", scope="openid official"
    )
    assert "code=" not in response.get("Location", "")
    settings.OIDC_OFFICIAL_CLIENTS = ["ext"]
    allowed, _verifier, _params = authorize(
        client, "ext", "https://dichvu.example.vn/cb", scope="openid official"
    )
    assert "code=" in allowed["Location"]
