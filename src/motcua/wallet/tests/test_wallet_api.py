"""A citizen's e-wallet and inbox over the API (mobile app): their own items only, 404 for
anyone else's, officials' tokens refused; deliveries are idempotent."""

import datetime

import pytest

from motcua.audit.models import AuditEntry
from motcua.core.errors import Conflict
from motcua.identity import services as identity
from motcua.identity.testing import bearer, make_person
from motcua.wallet import services

pytestmark = pytest.mark.django_db


def add(owner, key, title="Giấy xác nhận cư trú"):
    return services.add_document(
        owner_id=owner,
        title=title,
        issuer_name="Công an phường Hoàn Kiếm",
        issued_on=datetime.date(2025, 8, 1),
        valid_until=datetime.date(2030, 8, 1),
        content=b"noi dung",
        filename="cu-tru.txt",
        content_type="text/plain",
        data={"so": 1},
        key=key,
        actor="test",
    )


def get(client, token, path, method="get"):
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def an(db):
    return make_person()


def test_citizen_lists_and_downloads_their_documents_with_an_audit_entry(client, an):
    document = add(an.username, "k1")
    token = bearer(an)
    page = get(client, token, "/wallet").json()
    listed = page["items"]
    assert page["total"] == 1
    assert [(d["title"], d["issuer_name"], d["is_valid"]) for d in listed] == [
        ("Giấy xác nhận cư trú", "Công an phường Hoàn Kiếm", True)
    ]
    assert listed[0]["sha256"] == document.sha256
    download = get(client, token, f"/wallet/{document.id}/download")
    assert download.status_code == 200 and download.content == b"noi dung"
    assert "attachment" in download["Content-Disposition"]
    entry = AuditEntry.objects.get(action="wallet.document.downloaded")
    assert (entry.actor, entry.acting_for) == (an.username, "")


def test_the_wallet_pages_through_every_document(client, an):
    added = {add(an.username, f"k{n}").id for n in range(3)}
    token = bearer(an)
    first = get(client, token, "/wallet?limit=2").json()
    rest = get(client, token, "/wallet?limit=2&offset=2").json()
    assert first["total"] == rest["total"] == 3
    assert {d["id"] for d in first["items"] + rest["items"]} == {str(i) for i in added}


def test_another_persons_document_and_message_are_not_found(client, an):
    other = make_person("038090001122", full_name="Lê Minh Cường")
    theirs = add(other.username, "k2")
    message = services.send_message(
        recipient_id=other.username, title="Riêng", body="x", key="m1", actor="test"
    )
    token = bearer(an)
    for path, method in (
        (f"/wallet/{theirs.id}/download", "get"),
        (f"/inbox/{message.id}/read", "post"),
        ("/wallet/not-a-uuid/download", "get"),
    ):
        response = get(client, token, path, method)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"
    message.refresh_from_db()
    assert message.read_at is None


def test_inbox_lists_unread_and_marks_read(client, an):
    first = services.send_message(
        recipient_id=an.username,
        title="Hồ sơ đã được tiếp nhận",
        body="...",
        kind="dossier_status",
        key="m-a",
        actor="test",
    )
    services.send_message(
        recipient_id=an.username,
        title="Yêu cầu bổ sung",
        body="...",
        key="m-b",
        actor="test",
        kind="supplement_request",
    )
    token = bearer(an)
    page = get(client, token, "/inbox").json()
    assert (page["total"], page["unread"]) == (2, 2)
    assert get(client, token, f"/inbox/{first.id}/read", "post").json()["read_at"]
    unread = get(client, token, "/inbox?unread=true").json()
    assert [m["title"] for m in unread["items"]] == ["Yêu cầu bổ sung"]


def test_delivery_is_idempotent_by_key(an):
    assert add(an.username, "same").id == add(an.username, "same").id
    with pytest.raises(Conflict):
        add("038090001122", "same")
    one = services.send_message(recipient_id=an.username, title="T", body="b", key="x", actor="t")
    two = services.send_message(recipient_id=an.username, title="T", body="b", key="x", actor="t")
    assert one.id == two.id


def test_without_a_token_the_wallet_answers_401(client):
    response = client.get("/api/v1/wallet")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.fixture
def official(units_loaded, db):
    from motcua.units.models import Agency

    account = make_person("038090001122", full_name="Lê Minh Cường")
    agency = Agency.objects.filter(code__endswith=".tthcc").first()
    identity.appoint_official(
        personal_id=account.username, agency_code=agency.code, roles=["one_stop_officer"]
    )
    return account


def test_an_officials_token_is_refused_on_citizen_endpoints(client, official):
    token = bearer(official, scope="openid profile official", client_id="backoffice-test")
    response = get(client, token, "/wallet")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert get(client, token, "/identity/official/me").json()["roles"] == ["one_stop_officer"]


def test_a_citizens_token_is_refused_on_official_endpoints(client, official):
    token = bearer(official)  # the same person, but a citizen's token (no `official` scope)
    response = get(client, token, "/identity/official/me")
    assert response.status_code == 403
    assert response.json()["type"] == "urn:motcua:problem:permission-denied"
    assert get(client, token, "/wallet").status_code == 200


def test_an_official_scope_token_of_a_non_official_is_no_token(client, an):
    token = bearer(an, scope="openid official", client_id="backoffice-test")
    assert get(client, token, "/identity/official/me").status_code == 401
