"""Introspection keeps pairwise identifiers pairwise: no client learns the personal ID or the
global `sub`, and only registered resource servers may introspect other clients' tokens."""

import base64

import pytest

from motcua.identity import services
from motcua.identity.oidc import pairwise_sub
from motcua.identity.testing import CLIENT_SECRET, bearer, make_client, make_person

pytestmark = pytest.mark.django_db


def basic(client_id):
    return "Basic " + base64.b64encode(f"{client_id}:{CLIENT_SECRET}".encode()).decode()


def introspect(client, caller, token):
    return client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=basic(caller))


@pytest.fixture
def clients():
    services.register_client(
        services.ClientSpec(
            client_id="pairwise-app",
            name="Ứng dụng bên thứ ba",
            redirect_uris=["https://app.example.vn/callback"],
            post_logout_redirect_uris=[],
            skip_consent=False,
            pairwise_subject=True,
        ),
        CLIENT_SECRET,
    )
    make_client("other-app", "https://other.example.vn/callback")
    make_client("resource-server", "https://rs.example.vn/callback")


def test_a_pairwise_client_sees_only_its_pairwise_sub(client, clients):
    person = make_person()
    token = bearer(person, scope="openid", client_id="pairwise-app")
    seen = introspect(client, "pairwise-app", token)
    assert seen.status_code == 200
    data = seen.json()
    assert data["active"] is True
    assert "username" not in data
    assert data["sub"] == pairwise_sub(str(person.sub), "app.example.vn")
    body = seen.content.decode()
    assert person.username not in body and str(person.sub) not in body


def test_a_client_cannot_introspect_another_clients_token(client, clients):
    person = make_person()
    token = bearer(person, scope="openid", client_id="pairwise-app")
    assert introspect(client, "other-app", token).json() == {"active": False}


def test_a_registered_resource_server_introspects_any_token(client, clients, settings):
    settings.OIDC_RESOURCE_SERVERS = ["resource-server"]
    person = make_person()
    token = bearer(person, scope="openid", client_id="pairwise-app")
    data = introspect(client, "resource-server", token).json()
    assert data["active"] is True and data["client_id"] == "pairwise-app"
    assert data["sub"] == str(person.sub)
    assert "username" not in data


def test_a_client_without_credentials_learns_nothing(client, clients):
    person = make_person()
    token = bearer(person, scope="openid", client_id="pairwise-app")
    response = client.post("/o/introspect/", {"token": token})
    assert response.status_code in (401, 403)
    assert person.username not in response.content.decode()
