"""Acting for someone else: a parent for a minor child, a legal representative for an
enterprise, anyone by a mandate — through the token exchange grant, with the basis
re-checked on every request and both people named in the audit log."""

import base64
import datetime

import pytest
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.identity import services
from motcua.identity.testing import (
    CHILD_ID,
    CLIENT_SECRET,
    ENTERPRISE_CODE,
    bearer,
    make_client,
    make_person,
    registry_family,
)
from motcua.wallet import services as wallet

pytestmark = pytest.mark.django_db

BASIC = "Basic " + base64.b64encode(f"rp-test:{CLIENT_SECRET}".encode()).decode()
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


@pytest.fixture
def family():
    make_client("rp-test", "http://testserver/rp/callback")
    data = registry_family()
    data["parent_account"] = make_person()
    wallet.add_document(
        owner_id=CHILD_ID,
        title="Giấy khai sinh",
        issuer_name="UBND phường Hoàn Kiếm",
        issued_on=datetime.date(2016, 1, 1),
        content=b'{"ho_ten": "Nguyen Minh Khang"}',
        filename="khai-sinh.json",
        content_type="application/json",
        key="test:child-birth",
        actor="test",
    )
    return data


def exchange(client, actor_token, subject, basis, **extra):
    return client.post(
        "/o/token/",
        {
            "grant_type": EXCHANGE,
            "actor_token": actor_token,
            "actor_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "requested_subject": subject,
            "basis": basis,
            **extra,
        },
        HTTP_AUTHORIZATION=BASIC,
    )


def api(client, token, path, method="get"):
    return getattr(client, method)(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_parent_acts_for_their_minor_child_and_the_audit_names_both(client, family):
    parent = family["parent_account"]
    response = exchange(client, bearer(parent), CHILD_ID, "parent")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert body["act"] == {"sub": str(parent.sub)} and body["sub"] != str(parent.sub)
    token = body["access_token"]

    me = api(client, token, "/identity/me").json()
    assert me["subject_id"] == CHILD_ID and me["act"] == {"sub": str(parent.sub)}
    documents = api(client, token, "/wallet").json()["items"]
    assert [d["title"] for d in documents] == ["Giấy khai sinh"]

    download = api(client, token, f"/wallet/{documents[0]['id']}/download")
    assert download.status_code == 200 and download.content.startswith(b'{"ho_ten"')
    entry = AuditEntry.objects.filter(action="wallet.document.downloaded").get()
    assert (entry.actor, entry.acting_for) == (parent.username, CHILD_ID)
    issued = AuditEntry.objects.filter(action="identity.token.issued").last()
    assert (issued.actor, issued.acting_for) == (parent.username, CHILD_ID)


def test_when_identity_loses_its_exchange_grant_acting_fails_closed(client, family):
    from motcua.exchange import services as exchange_services
    from motcua.exchange.models import Grant

    token = exchange(client, bearer(family["parent_account"]), CHILD_ID, "parent").json()
    for grant in Grant.objects.filter(service__code="population.person.children"):
        exchange_services.revoke_grant(grant.pk, actor="test")
    assert api(client, token["access_token"], "/wallet").status_code == 403


def test_discovery_announces_the_token_exchange_grant(client):
    data = client.get("/.well-known/openid-configuration").json()
    assert EXCHANGE in data["grant_types_supported"]


def test_userinfo_of_an_acting_token_is_about_the_child_and_names_the_actor(client, family):
    parent = family["parent_account"]
    token = exchange(client, bearer(parent, scope="openid profile"), CHILD_ID, "parent").json()
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    assert info.status_code == 200
    claims = info.json()
    assert claims["name"] == "Nguyễn Minh Khang"
    assert claims["sub"] == token["sub"] and claims["act"] == {"sub": str(parent.sub)}


def test_introspection_names_subject_and_actor_until_the_basis_ends(client, family):
    parent = family["parent_account"]
    token = exchange(client, bearer(parent), CHILD_ID, "parent").json()
    seen = client.post(
        "/o/introspect/", {"token": token["access_token"]}, HTTP_AUTHORIZATION=BASIC
    ).json()
    assert seen["active"] is True
    assert seen["sub"] == token["sub"] and seen["act"] == {"sub": str(parent.sub)}
    family["child"].birth_date = datetime.date(2000, 1, 1)
    family["child"].save()
    gone = client.post("/o/introspect/", {"token": token["access_token"]}, HTTP_AUTHORIZATION=BASIC)
    assert gone.json() == {"active": False}


def test_a_stranger_cannot_act_for_the_child(client, family):
    stranger = make_person("038090001122", full_name="Lê Minh Cường")
    response = exchange(client, bearer(stranger), CHILD_ID, "parent")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert AuditEntry.objects.filter(
        action="identity.acting.refused", actor=stranger.username, acting_for=CHILD_ID
    ).exists()
    # and with their own token the child's document is simply not there
    child_doc = wallet.add_document(
        owner_id=CHILD_ID,
        title="Khác",
        issuer_name="UBND",
        issued_on=datetime.date(2020, 1, 1),
        content=b"x",
        filename="x.txt",
        key="test:other",
        actor="test",
    )
    own = bearer(stranger)
    assert api(client, own, "/wallet").json()["total"] == 0
    missing = api(client, own, f"/wallet/{child_doc.id}/download")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_an_adult_child_is_not_acted_for(client, family):
    family["child"].birth_date = timezone.localdate().replace(year=timezone.localdate().year - 19)
    family["child"].save()
    response = exchange(client, bearer(family["parent_account"]), CHILD_ID, "parent")
    assert response.status_code == 400


def test_a_child_coming_of_age_mid_session_ends_the_acting(client, family):
    token = exchange(client, bearer(family["parent_account"]), CHILD_ID, "parent").json()
    assert api(client, token["access_token"], "/wallet").status_code == 200
    family["child"].birth_date = datetime.date(2000, 1, 1)
    family["child"].save()
    refused = api(client, token["access_token"], "/wallet")
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:motcua:problem:acting-refused"


def test_legal_representative_acts_for_the_enterprise(client, family):
    response = exchange(
        client, bearer(family["parent_account"]), ENTERPRISE_CODE, "legal_representative"
    )
    assert response.status_code == 200
    me = api(client, response.json()["access_token"], "/identity/me").json()
    assert (me["subject_id"], me["kind"]) == (ENTERPRISE_CODE, "organisation")


def test_a_level_1_account_must_step_up_before_acting(client, family):
    response = exchange(client, bearer(family["parent_account"], level=1), CHILD_ID, "parent")
    assert response.status_code == 400
    assert "mức độ 2" in response.json()["error_description"]


def test_token_exchange_needs_the_client_the_actor_token_was_issued_to(client, family):
    make_client("other-rp", "http://testserver/other/callback")
    token = bearer(family["parent_account"], client_id="other-rp")
    assert exchange(client, token, CHILD_ID, "parent").status_code == 400
    wrong_secret = "Basic " + base64.b64encode(b"rp-test:wrong").decode()
    response = client.post(
        "/o/token/",
        {"grant_type": EXCHANGE, "actor_token": bearer(family["parent_account"])},
        HTTP_AUTHORIZATION=wrong_secret,
    )
    assert response.status_code == 401


@pytest.fixture
def mandate_pair():
    make_client("rp-test", "http://testserver/rp/callback")
    grantor = make_person("079301004567", full_name="Trần Thị Bình", level=1)
    grantee = make_person("038090001122", full_name="Lê Minh Cường")
    wallet.send_message(
        recipient_id=grantor.username, title="Thông báo", body="...", key="t:1", actor="test"
    )
    mandate = services.create_mandate(
        grantor,
        grantee.username,
        ["*"],
        timezone.now() + datetime.timedelta(days=30),
        level=2,
        auth_time=timezone.now(),
    )
    return grantor, grantee, mandate


def test_a_revoked_mandate_is_refused_on_the_next_request(client, mandate_pair):
    grantor, grantee, mandate = mandate_pair
    response = exchange(
        client, bearer(grantee), grantor.username, "mandate", mandate=str(mandate.pk)
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    inbox = api(client, token, "/inbox")
    assert inbox.status_code == 200 and inbox.json()["total"] == 1

    services.revoke_mandate(grantor, mandate.pk)

    refused = api(client, token, "/inbox")
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:motcua:problem:acting-refused"
    assert AuditEntry.objects.filter(
        action="identity.mandate.revoked", actor=grantor.username
    ).exists()


def test_an_expired_mandate_stops_working(client, mandate_pair):
    grantor, grantee, mandate = mandate_pair
    token = exchange(
        client, bearer(grantee), grantor.username, "mandate", mandate=str(mandate.pk)
    ).json()["access_token"]
    type(mandate).objects.filter(pk=mandate.pk).update(
        valid_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert api(client, token, "/inbox").status_code == 403


def test_only_the_grantor_revokes_a_mandate(mandate_pair):
    from motcua.core.errors import NotFound

    _grantor, grantee, mandate = mandate_pair
    with pytest.raises(NotFound):
        services.revoke_mandate(grantee, mandate.pk)


def test_a_procedure_limited_mandate_does_not_open_the_wallet(client, mandate_pair):
    grantor, grantee, _mandate = mandate_pair
    limited = services.create_mandate(
        grantor,
        grantee.username,
        ["1.001193"],
        timezone.now() + datetime.timedelta(days=3),
        level=2,
        auth_time=timezone.now(),
    )
    token = exchange(
        client, bearer(grantee), grantor.username, "mandate", mandate=str(limited.pk)
    ).json()["access_token"]
    assert api(client, token, "/inbox").status_code == 403
    assert api(client, token, "/identity/me").json()["basis"] == "mandate"


WARD_ID = "001060012349"


def _guardianship(guardian_id):
    from motcua.registries.civil_status.models import CivilEvent
    from motcua.registries.population.models import Person as RegistryPerson

    RegistryPerson.objects.create(
        personal_id=WARD_ID,
        full_name="Nguyễn Văn Bảo",
        birth_date=datetime.date(1960, 2, 2),
        sex="M",
        province_code="01",
    )
    return CivilEvent.objects.create(
        kind=CivilEvent.Kind.GUARDIANSHIP,
        registration_no="GH-01-2024-0001",
        commune_code="00070",
        registered_on=datetime.date(2024, 5, 6),
        subject_id=WARD_ID,
        other_party_id=guardian_id,
        province_code="01",
    )


def test_a_guardian_acts_for_their_ward_until_the_guardianship_ends(client, family):
    registration = _guardianship(family["parent"].personal_id)
    response = exchange(client, bearer(family["parent_account"]), WARD_ID, "guardian")
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert api(client, token, "/identity/me").json()["subject_id"] == WARD_ID

    registration.delete()  # the guardianship is ended in the civil status registry
    assert api(client, token, "/identity/me").status_code in (401, 403)


def test_someone_who_is_not_the_guardian_cannot_act_for_the_ward(client, family):
    _guardianship("079090012348")
    response = exchange(client, bearer(family["parent_account"]), WARD_ID, "guardian")
    assert response.status_code in (400, 403)
