"""/api/v1/backoffice/counter with officials' tokens: a walk-in dossier scanned and received
over the API; a QR code that differs from the registry and a fake scan refused; assisted
submission refused without the person's consent, and with it owned by the person alone."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.tests.conftest import PARENT_ID, world  # noqa: F401
from motcua.dossiers.tests.helpers import pdf_bytes, png_bytes
from motcua.dossiers.tests.test_counter import (  # noqa: F401 - fixtures used by name
    BIRTH,
    BIRTH_CERTIFICATE,
    FATHER_QR,
    OFFICER_ID,
    SPECIALIST_ID,
    TEAM_ID,
    TQ_CENTRE,
    _code_sent_to,
    birth_data,
    counter_ca,
    jpeg_bytes,
    tq,
)
from motcua.identity.testing import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tq")]
BASE = "/api/v1/backoffice/counter"


def official_headers(personal_id: str) -> dict[str, str]:
    from motcua.identity.models import Account

    account = Account.objects.get(username=personal_id)
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def citizen_headers(personal_id: str) -> dict[str, str]:
    from motcua.identity.models import Account

    return {"HTTP_AUTHORIZATION": f"Bearer {bearer(Account.objects.get(username=personal_id))}"}


def post_json(client, path, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


def open_walk_in(client, headers) -> dict:
    opened = post_json(
        client,
        f"{BASE}/dossiers",
        {"procedure": BIRTH, "qr": FATHER_QR, "data": birth_data()},
        headers,
    )
    assert opened.status_code == 201, opened.content
    return registry_consent(client, opened.json()["draft_ref"], headers)


def registry_consent(client, ref: str, headers) -> dict:
    """The person reads back the code sent to them: their consent to the registry reads."""
    asked = client.post(f"{BASE}/dossiers/{ref}/registry-consent/code", **headers)
    assert asked.status_code == 201, asked.content
    consent_id = asked.json()["id"]
    code = _code_sent_to(PARENT_ID)
    confirmed = post_json(client, f"{BASE}/consents/{consent_id}/confirm", {"code": code}, headers)
    assert confirmed.json()["state"] == "given", confirmed.content
    consented = post_json(
        client, f"{BASE}/dossiers/{ref}/registry-consent", {"consent_id": consent_id}, headers
    )
    assert consented.status_code == 200, consented.content
    return consented.json()


def test_a_walk_in_is_scanned_in_two_pages_and_received_over_the_api(client):
    headers = official_headers(OFFICER_ID)
    dossier = open_walk_in(client, headers)
    assert dossier["channel"] == "counter" and dossier["applicant_id"] == PARENT_ID
    assert dossier["prefill"]["applicant.full_name"]["read_only"] is True
    held = [c["position"] for c in dossier["components"] if c["held_by_registry"]]
    assert 3 in held  # the ID card: the population registry stands in for it

    scanned = client.post(
        f"{BASE}/dossiers/{dossier['draft_ref']}/scans",
        {
            "component": BIRTH_CERTIFICATE,
            "certify": "true",
            "pages": [
                SimpleUploadedFile("trang-1.jpg", jpeg_bytes(), "image/jpeg"),
                SimpleUploadedFile("trang-2.png", png_bytes(), "image/png"),
            ],
        },
        **headers,
    )
    assert scanned.status_code == 201, scanned.content
    assert scanned.json()["pages"] == 2 and scanned.json()["certified"] is True

    received = post_json(client, f"{BASE}/dossiers/{dossier['draft_ref']}/receive", {}, headers)
    assert received.status_code == 200, received.content
    body = received.json()
    assert body["status"] == "received" and body["code"].startswith(TQ_CENTRE.upper())
    assert body["assistance"]["assisted_by"] == OFFICER_ID
    pdf = client.get(f"{BASE}/dossiers/{body['code']}/receipt", **headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # The father follows it on his own account.
    mine = client.get(f"/api/v1/dossiers/{body['code']}", **citizen_headers(PARENT_ID))
    assert mine.status_code == 200 and mine.json()["status"] == "received"
    assert (mine.json()["channel"], mine.json()["assisted_by_name"]) == (
        "counter",
        "Hoàng Văn Tiếp",
    )


def test_a_qr_code_that_differs_from_the_registry_is_refused_over_the_api(client):
    forged = FATHER_QR.replace("|Nam|", "|Nữ|")
    response = post_json(client, f"{BASE}/identify", {"qr": forged}, official_headers(OFFICER_ID))
    assert response.status_code == 400
    assert response.json()["type"] == "urn:motcua:problem:identity-mismatch"
    assert "giới tính" in response.json()["detail"]
    good = post_json(client, f"{BASE}/identify", {"qr": FATHER_QR}, official_headers(OFFICER_ID))
    assert good.status_code == 200 and good.json()["full_name"] == "Nguyễn Văn An"


def test_a_fake_scan_is_refused_over_the_api_and_nothing_is_attached(client):
    headers = official_headers(OFFICER_ID)
    dossier = open_walk_in(client, headers)
    fake = SimpleUploadedFile("trang-1.png", b"GIF89a not a png at all", "image/png")
    response = client.post(
        f"{BASE}/dossiers/{dossier['draft_ref']}/scans",
        {"component": BIRTH_CERTIFICATE, "pages": [fake]},
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:motcua:problem:upload-refused"
    again = client.get(f"{BASE}/dossiers/{dossier['draft_ref']}", **headers).json()
    assert all(not c["files"] for c in again["components"])


def test_assisted_submission_needs_consent_and_then_belongs_to_the_person(client):
    team = official_headers(TEAM_ID)
    refused = post_json(client, f"{BASE}/assisted", {"receiving_unit": TQ_CENTRE}, team)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:motcua:problem:consent-required"

    asked = post_json(
        client, f"{BASE}/consents", {"procedure": BIRTH, "personal_id": PARENT_ID}, team
    )
    assert asked.status_code == 201 and asked.json()["state"] == "pending"
    consent_id = asked.json()["id"]
    pending = post_json(
        client, f"{BASE}/assisted", {"consent_id": consent_id, "receiving_unit": TQ_CENTRE}, team
    )
    assert pending.status_code == 403

    code = _code_sent_to(PARENT_ID)
    confirmed = post_json(client, f"{BASE}/consents/{consent_id}/confirm", {"code": code}, team)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "given"
    started = post_json(
        client,
        f"{BASE}/assisted",
        {"consent_id": consent_id, "receiving_unit": TQ_CENTRE, "data": birth_data()},
        team,
    )
    assert started.status_code == 201, started.content
    ref = started.json()["draft_ref"]
    assert started.json()["channel"] == "assisted"
    registry_consent(client, ref, team)
    attached = client.post(
        f"{BASE}/dossiers/{ref}/scans",
        {"component": BIRTH_CERTIFICATE, "pages": [SimpleUploadedFile("gcs.pdf", pdf_bytes())]},
        **team,
    )
    assert attached.status_code == 201, attached.content
    submitted = client.post(f"{BASE}/assisted/{ref}/submit", **team)
    assert submitted.status_code == 200, submitted.content
    code_ = submitted.json()["code"]
    assert submitted.json()["assistance"]["assisted_by_name"] == "Nông Thị Số"
    assert submitted.json()["applicant_name"] == "Nguyễn Văn An"

    # The father: in "my dossiers", and he can act on it.
    father = citizen_headers(PARENT_ID)
    listed = client.get("/api/v1/dossiers", **father).json()["items"]
    assert [d["code"] for d in listed] == [code_]
    assert (listed[0]["channel"], listed[0]["assisted_by_name"]) == ("assisted", "Nông Thị Số")
    withdrawn = client.post(f"/api/v1/dossiers/{code_}/withdraw", **father)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    # The helper: 404 as a citizen, 404 at the counter, 404 in the back office.
    helper = citizen_headers(TEAM_ID)
    assert client.get(f"/api/v1/dossiers/{code_}", **helper).status_code == 404
    assert client.get("/api/v1/dossiers", **helper).json()["items"] == []
    assert client.get(f"{BASE}/dossiers/{code_}", **team).status_code == 404
    assert client.get(f"/api/v1/backoffice/dossiers/{code_}", **team).status_code == 404


def test_a_citizens_token_is_refused_on_counter_endpoints(client):
    response = post_json(client, f"{BASE}/identify", {"qr": FATHER_QR}, citizen_headers(PARENT_ID))
    assert response.status_code == 403


def test_the_officer_alone_cannot_record_the_persons_registry_consent(client):
    headers = official_headers(OFFICER_ID)
    opened = post_json(
        client,
        f"{BASE}/dossiers",
        {"procedure": BIRTH, "qr": FATHER_QR, "data": birth_data()},
        headers,
    )
    ref = opened.json()["draft_ref"]
    refused = post_json(client, f"{BASE}/dossiers/{ref}/registry-consent", {}, headers)
    assert refused.status_code == 403, refused.content
    assert refused.json()["type"] == "urn:motcua:problem:consent-required"


def test_an_official_without_a_counter_role_cannot_look_a_person_up(client):
    specialist = official_headers(SPECIALIST_ID)
    refused = post_json(client, f"{BASE}/identify", {"personal_id": PARENT_ID}, specialist)
    assert refused.status_code == 403, refused.content
    assert "Nguyễn Văn An" not in refused.content.decode()
