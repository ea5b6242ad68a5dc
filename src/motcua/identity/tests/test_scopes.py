"""Scopes are enforced: an application the person let only log in (`openid`) reads none of
their data; giving a mandate or acting by it needs a fresh level-2 login and tells the
grantor at once."""

import datetime

import pytest
from django.utils import timezone
from oauth2_provider.models import get_application_model

from motcua.identity.testing import bearer, make_client, make_person
from motcua.notify import services as notify
from motcua.notify.models import OutboxEvent
from motcua.wallet import services as wallet
from motcua.wallet.models import InboxMessage

pytestmark = pytest.mark.django_db

GRANTOR = "079301004567"
GRANTEE = "038090001122"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def people():
    make_client("rp-test", "http://testserver/rp/callback")
    grantor = make_person(GRANTOR, full_name="Trần Thị Bình")
    grantee = make_person(GRANTEE, full_name="Lê Minh Cường")
    document = wallet.add_document(
        owner_id=GRANTOR,
        title="Giấy xác nhận cư trú",
        issuer_name="UBND phường Hoàn Kiếm",
        issued_on=datetime.date(2025, 1, 1),
        content=b"%PDF-1.4 test",
        filename="cu-tru.pdf",
        content_type="application/pdf",
        key="test:residence",
        actor="test",
    )
    return grantor, grantee, document


def api(client, token, path, method="get", body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "post":
        return client.post(f"/api/v1{path}", body or {}, content_type="application/json", **kwargs)
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def mandate_body(days=4 * 365):
    until = timezone.now() + datetime.timedelta(days=days)
    return {"grantee": GRANTEE, "scope": ["*"], "valid_until": until.isoformat()}


def test_a_login_only_token_reads_none_of_the_persons_data(client, people):
    grantor, _grantee, document = people
    token = bearer(grantor, scope="openid", client_id="third-party")
    for method, path, body in [
        ("get", "/dossiers", None),
        ("get", "/wallet", None),
        ("get", f"/wallet/{document.pk}/download", None),
        ("get", "/inbox", None),
        ("get", f"/exchange/people/{GRANTOR}/access-history", None),
        ("get", f"/exchange/people/{GRANTOR}/consents", None),
        ("get", "/identity/mandates", None),
        ("post", "/identity/mandates", mandate_body()),
    ]:
        response = api(client, token, path, method, body)
        assert response.status_code == 403, (path, response.content)
        problem = response.json()
        assert problem["type"] == "urn:motcua:problem:insufficient_scope", path
        assert response["Content-Type"] == "application/problem+json"
    assert api(client, token, "/identity/me").status_code == 200  # logging in is allowed
    assert not grantor.mandates_given.exists()


def test_a_refusal_tells_the_client_which_scope_to_ask_for(client, people):
    grantor, _grantee, _document = people
    token = bearer(grantor, scope="openid", client_id="third-party")
    refused = api(client, token, "/wallet")
    assert refused["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="wallet"'
    anonymous = client.get("/api/v1/wallet")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")


def test_a_token_reads_only_the_parts_the_person_allowed(client, people):
    grantor, _grantee, document = people
    token = bearer(grantor, scope="openid wallet", client_id="third-party")
    assert api(client, token, "/wallet").status_code == 200
    assert api(client, token, f"/wallet/{document.pk}/download").status_code == 200
    assert api(client, token, "/inbox").status_code == 403
    assert api(client, token, "/dossiers").status_code == 403


def test_a_level_1_token_cannot_give_a_mandate(client, people):
    grantor, _grantee, _document = people
    token = bearer(grantor, level=1)
    response = api(client, token, "/identity/mandates", "post", mandate_body())
    assert response.status_code == 403
    assert response.json()["type"] == "urn:motcua:problem:step-up-required"
    assert not grantor.mandates_given.exists()


def test_an_old_login_cannot_give_a_mandate(client, people):
    grantor, _grantee, _document = people
    old = timezone.now() - datetime.timedelta(minutes=11)
    for token in (bearer(grantor, auth_time=old), bearer(grantor, auth_time=None)):
        response = api(client, token, "/identity/mandates", "post", mandate_body())
        assert response.status_code == 403
        problem = response.json()
        assert problem["type"] == "urn:motcua:problem:step-up-required"
        assert "đăng nhập lại" in problem["detail"]
    assert not grantor.mandates_given.exists()


def _inbox_titles(personal_id):
    notify.dispatch()
    return list(
        InboxMessage.objects.filter(recipient_id=personal_id).values_list("title", flat=True)
    )


def test_giving_a_mandate_after_a_fresh_login_tells_the_grantor_at_once(client, people):
    grantor, _grantee, _document = people
    response = api(client, bearer(grantor), "/identity/mandates", "post", mandate_body())
    assert response.status_code == 201, response.content
    assert OutboxEvent.objects.filter(topic="identity.mandate.created").count() == 1
    assert _inbox_titles(GRANTOR) == ["Bạn vừa ủy quyền cho Lê Minh Cường"]


def _exchange(client, actor_token, mandate_id):
    return client.post(
        "/o/token/",
        {
            "grant_type": EXCHANGE,
            "client_id": "rp-test",
            "client_secret": "test-client-secret-not-real",
            "actor_token": actor_token,
            "actor_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "requested_subject": GRANTOR,
            "basis": "mandate",
            "mandate": str(mandate_id),
        },
    )


def test_acting_by_a_mandate_needs_a_fresh_login_and_tells_the_grantor(client, people):
    grantor, grantee, document = people
    created = api(client, bearer(grantor), "/identity/mandates", "post", mandate_body())
    mandate_id = created.json()["id"]
    old = timezone.now() - datetime.timedelta(minutes=30)
    refused = _exchange(client, bearer(grantee, auth_time=old), mandate_id)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert "đăng nhập lại" in refused.json()["error_description"]
    assert not OutboxEvent.objects.filter(topic="identity.mandate.used").exists()

    issued = _exchange(client, bearer(grantee), mandate_id)
    assert issued.status_code == 200, issued.content
    acting = issued.json()["access_token"]
    assert api(client, acting, f"/wallet/{document.pk}/download").status_code == 200
    assert "Lê Minh Cường đang thực hiện thay bạn" in _inbox_titles(GRANTOR)


def test_a_login_only_token_of_the_grantee_cannot_open_the_grantors_wallet(client, people):
    grantor, grantee, document = people
    created = api(client, bearer(grantor), "/identity/mandates", "post", mandate_body())
    token = bearer(grantee, scope="openid")
    issued = _exchange(client, token, created.json()["id"])
    acting = issued.json()["access_token"]
    response = api(client, acting, f"/wallet/{document.pk}/download")
    assert response.status_code == 403


def test_the_consent_screen_names_each_data_scope_in_vietnamese(client, people):
    grantor, _grantee, _document = people
    make_client("third-party", "http://testserver/third/callback")
    get_application_model().objects.filter(client_id="third-party").update(skip_authorization=False)
    client.force_login(grantor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": "third-party",
            "redirect_uri": "http://testserver/third/callback",
            "scope": "openid wallet dossiers",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200, html[:500]
    assert "Xem và tải giấy tờ, kết quả trong Kho dữ liệu điện tử của bạn" in html
    assert "Xem, nộp và theo dõi hồ sơ thủ tục hành chính của bạn" in html
