import time

import pytest
from joserfc.jwk import ECKey

from motcua.exchange import services
from motcua.exchange.models import MessageLogEntry

from .conftest import OTHER_PID, PID

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange/services/population.person.basic"


def _post(client, token, subject=PID, purpose="1.001193", url=URL):
    return client.post(
        url,
        {"subject": subject, "purpose": purpose},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


@pytest.fixture
def granted(consumer, person):
    services.grant_access(consumer, "population.person.basic", ["1.001193"], actor="test")


def test_valid_client_assertion_gets_the_data(client, granted, assertion):
    response = _post(client, assertion())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"]["full_name"] == "Nguyễn Văn An"
    assert body["registry"] == "population"


def test_missing_assertion_is_401(client, granted):
    response = _post(client, None)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_assertion_signed_with_another_key_is_401(client, granted, assertion):
    response = _post(client, assertion(_key=ECKey.generate_key("P-256")))
    assert response.status_code == 401
    assert response.json()["type"] == "urn:motcua:problem:invalid-client"
    assert not MessageLogEntry.objects.exists()


def test_expired_assertion_is_401(client, granted, assertion):
    past = int(time.time()) - 3600
    assert _post(client, assertion(iat=past, exp=past + 60)).status_code == 401


def test_assertion_for_another_audience_is_401(client, granted, assertion):
    assert _post(client, assertion(aud="https://evil.example/")).status_code == 401


def test_assertion_living_too_long_is_401(client, granted, assertion):
    assert _post(client, assertion(exp=int(time.time()) + 86400)).status_code == 401


def test_replayed_jti_is_401(client, granted, assertion):
    token = assertion(jti="once")
    assert _post(client, token).status_code == 200
    again = _post(client, token)
    assert again.status_code == 401
    assert "jti" in again.json()["detail"]


def test_policy_denial_is_403_naming_the_reason_without_data(client, granted, assertion):
    response = _post(client, assertion(), purpose="other")
    assert response.status_code == 403
    body = response.json()
    assert body["type"] == "urn:motcua:problem:wrong-purpose"
    assert "data" not in body and "Nguyễn" not in response.content.decode()
    response = _post(client, assertion(), url="/api/v1/exchange/services/population.person.family")
    assert response.json()["type"] == "urn:motcua:problem:no-grant"


def test_unknown_service_and_subject_are_404(client, granted, assertion):
    assert _post(client, assertion(), url=URL + ".nope").status_code == 404
    assert _post(client, assertion(), subject="001099999999").status_code == 404


def test_bad_body_is_400(client, granted, assertion):
    response = client.post(
        URL,
        {"purpose": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {assertion()}"},
    )
    assert response.status_code == 400


def test_services_are_listed(client, consumer):
    listed = client.get("/api/v1/exchange/services").json()
    assert listed["total"] == len(listed["items"])
    codes = {s["code"] for s in listed["items"]}
    assert {"population.person.basic", "population.person.residence", "enterprise.by_code"} <= codes


def _login(client, personal_id):
    session = client.session
    session["motcua_personal_id"] = personal_id
    session.save()


def test_person_sees_history_and_manages_consent(client, granted, assertion):
    assert client.get(f"/api/v1/exchange/people/{PID}/access-history").status_code == 401
    _post(client, assertion())
    _login(client, PID)
    history = client.get(f"/api/v1/exchange/people/{PID}/access-history").json()
    assert history["total"] == 1
    assert history["items"][0]["consumer"] == "ubnd-hoan-kiem"
    created = client.post(
        f"/api/v1/exchange/people/{PID}/consents",
        {"purpose": "1.000894", "service": "population.person.family"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    consent_id = created.json()["id"]
    listed = client.get(f"/api/v1/exchange/people/{PID}/consents").json()
    assert listed["total"] == 1 and [c["id"] for c in listed["items"]] == [consent_id]
    revoked = client.delete(f"/api/v1/exchange/people/{PID}/consents/{consent_id}")
    assert revoked.json()["revoked_at"]


def test_person_cannot_see_another_persons_history(client, person):
    _login(client, OTHER_PID)
    assert client.get(f"/api/v1/exchange/people/{PID}/access-history").status_code == 403


def test_the_person_sees_on_whose_behalf_and_for_which_dossier_they_were_read(
    client, granted, assertion
):
    response = client.post(
        URL,
        {
            "subject": PID,
            "purpose": "1.001193",
            "requester": "official:001080000301",
            "dossier": "01.00070.TTHCC-251202-0001",
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {assertion()}"},
    )
    assert response.status_code == 200, response.content
    _login(client, PID)
    item = client.get(f"/api/v1/exchange/people/{PID}/access-history").json()["items"][0]
    assert item["requester"] == "official:001080000301"
    assert item["dossier"] == "01.00070.TTHCC-251202-0001"
    assert "theo yêu cầu của cán bộ 001080000301" in item["summary"]
    assert "cho hồ sơ 01.00070.TTHCC-251202-0001" in item["summary"]


def test_a_malformed_requester_is_refused_and_nothing_is_read(client, granted, assertion):
    response = client.post(
        URL,
        {"subject": PID, "purpose": "1.001193", "requester": "<script>"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {assertion()}"},
    )
    assert response.status_code == 422 or response.status_code == 400
    assert not MessageLogEntry.objects.exists()
