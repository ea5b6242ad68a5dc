"""The citizen journey over /api/v1 with a bearer token: form with prefill, draft, files,
submit (idempotent), timeline, receipt, public lookup; and the attacks on it."""

from __future__ import annotations

import pytest

from motcua.dossiers.models import ComponentRecord, Dossier
from motcua.identity.testing import bearer

from .conftest import MOTHER_ID, OTHER_WARD_CENTRE, PARENT_ID, WARD_CENTRE
from .helpers import example_data, pdf_bytes

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"


def auth(account, **kw):
    return {"HTTP_AUTHORIZATION": f"Bearer {bearer(account, **kw)}"}


def consent(account, code=BIRTH):
    from motcua.exchange import services as exchange

    exchange.grant_consent(
        account.username,
        f"thu-tuc:{code}",
        consumer="motcua-eforms",
        service="population.person.family",
    )


def birth_draft(client, account, unit=WARD_CENTRE):
    headers = auth(account)
    consent(account)
    form = client.get(f"/api/v1/procedures/{BIRTH}/form", **headers).json()
    data = example_data(form["schema"])
    created = client.post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "receiving_unit": unit, "data": data},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    return created.json(), headers, form


def attach_birth_certificate(client, reference, headers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("giay-chung-sinh.pdf", pdf_bytes(), content_type="application/pdf")
    return client.post(
        f"/api/v1/dossiers/{reference}/files", {"component": 2, "file": upload}, **headers
    )


def test_without_consent_the_family_data_is_not_read_and_the_form_says_why(client, world):
    form = client.get(f"/api/v1/procedures/{BIRTH}/form", **auth(world.father)).json()
    assert form["needs_consent"] == [
        {
            "service": "population.person.family",
            "purpose": f"thu-tuc:{BIRTH}",
            "consumer": "motcua-eforms",
            "label": "Quan hệ gia đình, tình trạng hôn nhân của công dân",
        }
    ]
    assert "Trần Thị Bình" not in {v["value"] for v in form["prefill"].values()}
    assert any("đồng ý" in p for p in form["problems"])


def test_the_consent_the_form_asks_for_given_as_it_says_fills_in_the_other_parent(client, world):
    headers = auth(world.father)
    form = client.get(f"/api/v1/procedures/{BIRTH}/form", **headers).json()
    for needed in form["needs_consent"]:
        given = client.post(
            f"/api/v1/exchange/people/{PARENT_ID}/consents",
            {k: needed[k] for k in ("purpose", "consumer", "service")},
            content_type="application/json",
            **headers,
        )
        assert given.status_code == 201, given.content
    again = client.get(f"/api/v1/procedures/{BIRTH}/form", **headers).json()
    assert again["needs_consent"] == []
    assert "Trần Thị Bình" in {v["value"] for v in again["prefill"].values()}


def test_a_consent_for_the_bare_procedure_code_of_the_schema_example_has_effect(client, world):
    headers = auth(world.father)
    given = client.post(
        f"/api/v1/exchange/people/{PARENT_ID}/consents",
        {"purpose": BIRTH, "service": "population.person.family"},
        content_type="application/json",
        **headers,
    )
    assert given.status_code == 201 and given.json()["purpose"] == f"thu-tuc:{BIRTH}"
    form = client.get(f"/api/v1/procedures/{BIRTH}/form", **headers).json()
    assert "Trần Thị Bình" in {v["value"] for v in form["prefill"].values()}


def test_consenting_on_the_draft_fills_in_the_other_parent(client, world):
    headers = auth(world.father)
    created = client.post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "receiving_unit": WARD_CENTRE, "data": {}},
        content_type="application/json",
        **headers,
    ).json()
    after = client.post(f"/api/v1/dossiers/{created['reference']}/consent", **headers)
    assert after.status_code == 200
    prefill = Dossier.objects.get(draft_ref=created["reference"]).prefill
    assert "Trần Thị Bình" in str(prefill)


def test_form_shows_parents_prefilled_with_their_source(client, world):
    consent(world.father)
    form = client.get(f"/api/v1/procedures/{BIRTH}/form", **auth(world.father)).json()
    values = {v["value"] for v in form["prefill"].values()}
    assert {"Nguyễn Văn An", "Trần Thị Bình"} <= values
    sources = {v["source"] for v in form["prefill"].values()}
    assert "Cơ sở dữ liệu quốc gia về dân cư" in sources
    assert form["schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_birth_registration_journey_from_draft_to_public_lookup(client, world):
    draft, headers, _form = birth_draft(client, world.father)
    reference = draft["reference"]
    assert draft["status"] == "draft"
    assert attach_birth_certificate(client, reference, headers).status_code == 201

    submitted = client.post(f"/api/v1/dossiers/{reference}/submit", **headers)
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["code"].startswith(WARD_CENTRE.upper() + "-")
    assert [e["action"] for e in body["timeline"]] == ["created", "submitted"]
    assert body["timeline"][1]["action_label"] == "Nộp hồ sơ"
    # The ID card the state holds was not uploaded: the registry record stood in for it.
    record = ComponentRecord.objects.get(dossier__code=body["code"], registry="population")
    assert record.subject == PARENT_ID and record.record_version

    mine = client.get("/api/v1/dossiers", **headers).json()
    assert [d["code"] for d in mine["items"]] == [body["code"]] and mine["total"] == 1
    receipt = client.get(f"/api/v1/dossiers/{body['code']}/receipt", **headers)
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")

    public = client.get(
        f"/api/v1/public/dossiers/{body['code']}", {"secret": body["lookup_secret"]}
    ).json()
    assert public["status"] == "submitted"
    assert "applicant_id" not in public and "data" not in public
    wrong = client.get(f"/api/v1/public/dossiers/{body['code']}", {"secret": "WRONG123"})
    assert wrong.status_code == 404


def test_a_retried_submit_with_the_same_idempotency_key_returns_the_same_dossier(client, world):
    draft, headers, _ = birth_draft(client, world.father)
    attach_birth_certificate(client, draft["reference"], headers)
    url = f"/api/v1/dossiers/{draft['reference']}/submit"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="k-123", **headers)
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="k-123", **headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["code"] == again.json()["code"]
    assert Dossier.objects.exclude(code=None).count() == 1
    without_key = client.post(url, **headers)
    assert without_key.status_code == 409


def test_another_citizens_dossier_is_not_found(client, world):
    draft, _headers, _ = birth_draft(client, world.father)
    stranger = auth(world.stranger)
    for response in (
        client.get(f"/api/v1/dossiers/{draft['reference']}", **stranger),
        client.patch(
            f"/api/v1/dossiers/{draft['reference']}",
            {"data": {}},
            content_type="application/json",
            **stranger,
        ),
        client.post(f"/api/v1/dossiers/{draft['reference']}/submit", **stranger),
        client.post(f"/api/v1/dossiers/{draft['reference']}/withdraw", **stranger),
    ):
        assert response.status_code == 404
    assert Dossier.objects.get(draft_ref=draft["reference"]).status == "draft"


def test_a_forged_prefilled_value_is_refused_with_the_field_named(client, world):
    draft, headers, form = birth_draft(client, world.father)
    read_only = [path for path, v in form["prefill"].items() if v["read_only"]]
    assert read_only
    group, field = read_only[0].split(".", 1)
    data = dict(draft["data"])
    data[group] = {**data.get(group, {}), field: "Tên Giả Mạo"}
    response = client.patch(
        f"/api/v1/dossiers/{draft['reference']}",
        {"data": data},
        content_type="application/json",
        **headers,
    )
    if response.status_code == 200:  # drafts keep it; the submit must refuse it
        attach_birth_certificate(client, draft["reference"], headers)
        response = client.post(f"/api/v1/dossiers/{draft['reference']}/submit", **headers)
    assert response.status_code == 400
    problem = response.json()
    assert any(".".join(e["loc"]) == read_only[0] for e in problem["errors"])
    assert Dossier.objects.get(draft_ref=draft["reference"]).code is None


def test_submitting_without_a_required_component_names_what_is_missing(client, world):
    draft, headers, _ = birth_draft(client, world.father)
    response = client.post(f"/api/v1/dossiers/{draft['reference']}/submit", **headers)
    assert response.status_code == 400
    assert "Giấy chứng sinh" in response.json()["detail"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("giay.pdf", b"MZ\x90\x00 not a pdf at all"),
        ("giay.pdf", b"%PDF-1.7\n garbage garbage"),
        ("anh.png", b"<html><script>alert(1)</script></html>"),
        ("rong.pdf", b""),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_saved(client, world, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    draft, headers, _ = birth_draft(client, world.father)
    response = client.post(
        f"/api/v1/dossiers/{draft['reference']}/files",
        {"component": 2, "file": SimpleUploadedFile(name, content)},
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Dossier.objects.get(draft_ref=draft["reference"]).files.exists()


def test_an_oversized_file_is_refused(client, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MOTCUA_UPLOAD_MAX_BYTES = 1000
    draft, headers, _ = birth_draft(client, world.father)
    response = client.post(
        f"/api/v1/dossiers/{draft['reference']}/files",
        {"component": 2, "file": SimpleUploadedFile("to.pdf", pdf_bytes() + b" " * 2000)},
        **headers,
    )
    assert response.status_code == 400
    assert "MB" in response.json()["detail"] or "lớn" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/dossiers", "{not json"),
        ("post", "/api/v1/dossiers", '{"procedure": 5}'),
        ("patch", "/api/v1/dossiers/{ref}", '{"data": "text"}'),
        ("post", "/api/v1/dossiers/{ref}/supplement", '{"note": ["x"]}'),
        ("post", "/api/v1/dossiers/{ref}/rating", '{"score": 9}'),
    ],
)
def test_a_malformed_body_gets_a_problem_and_changes_nothing(client, world, method, path, body):
    draft, headers, _ = birth_draft(client, world.father)
    before = Dossier.objects.count()
    response = getattr(client, method)(
        path.format(ref=draft["reference"]), body, content_type="application/json", **headers
    )
    assert response.status_code in (400, 409, 422)
    assert response["Content-Type"] == "application/problem+json"
    assert Dossier.objects.count() == before


def test_any_service_centre_in_the_country_can_receive(client, world):
    draft, _headers, _ = birth_draft(client, world.father, unit=OTHER_WARD_CENTRE)
    assert draft["receiving_unit"] == OTHER_WARD_CENTRE


def test_a_unit_that_does_not_handle_the_procedure_is_refused(client, world):
    headers = auth(world.father)
    response = client.post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "receiving_unit": "01.00070.ubnd", "data": {}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["param"] == "receiving_unit"


def test_without_a_token_the_api_answers_401(client, world):
    assert client.get("/api/v1/dossiers").status_code == 401
    assert client.get("/api/v1/dossiers", HTTP_AUTHORIZATION="Bearer forged").status_code == 401


def test_the_mother_sees_her_own_prefill_not_the_fathers_draft(client, world):
    birth_draft(client, world.father)
    assert client.get("/api/v1/dossiers", **auth(world.mother)).json()["items"] == []
    form = client.get(f"/api/v1/procedures/{BIRTH}/form", **auth(world.mother)).json()
    assert MOTHER_ID in {str(v["value"]) for v in form["prefill"].values()}


def test_a_level_1_session_is_asked_to_step_up_for_a_level_2_procedure(client, world):
    headers = auth(world.father, level=1)
    response = client.post(
        "/api/v1/dossiers",
        {"procedure": "3.000333", "receiving_unit": "01.tthcc", "data": {}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:motcua:problem:step-up-required"
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("secret", ["é", "MÃ-TRA-CỨU", "秘密"])
def test_a_non_ascii_lookup_secret_is_not_found_not_a_server_error(client, world, secret):
    draft, headers, _ = birth_draft(client, world.father)
    attach_birth_certificate(client, draft["reference"], headers)
    code = client.post(f"/api/v1/dossiers/{draft['reference']}/submit", **headers).json()["code"]
    response = client.get(f"/api/v1/public/dossiers/{code}", {"secret": secret})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_an_upload_without_a_multipart_boundary_is_refused_with_a_400(client, world):
    draft, headers, _ = birth_draft(client, world.father)
    response = client.post(
        f"/api/v1/dossiers/{draft['reference']}/files",
        b"--x\r\nContent-Disposition: form-data; name=component\r\n\r\n2\r\n--x--\r\n",
        content_type="multipart/form-data",
        **headers,
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "boundary" in response.json()["detail"]
    assert not Dossier.objects.get(draft_ref=draft["reference"]).files.exists()
