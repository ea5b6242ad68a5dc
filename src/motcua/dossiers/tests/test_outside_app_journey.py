"""An outside app files a dossier with nothing but the contract: a citizen of Hà Nội submits a
birth registration to a ward of Hồ Chí Minh City over /api/v1 with a bearer token, reading
every code, consent and component key from what the API returns."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.identity.testing import bearer

from .helpers import example_data, pdf_bytes

pytestmark = pytest.mark.django_db


def upload(client, reference, component, headers):
    pdf = SimpleUploadedFile("giay-to.pdf", pdf_bytes(), content_type="application/pdf")
    return client.post(
        f"/api/v1/dossiers/{reference}/files", {"component": component, "file": pdf}, **headers
    )


def test_an_app_submits_a_birth_registration_to_a_ward_of_another_province(client, world):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(world.father)}"}
    me = client.get("/api/v1/identity/me", **headers).json()

    found = client.get("/api/v1/procedures", {"q": "dang ky khai sinh", "limit": 5}).json()
    code = found["items"][0]["code"]
    procedure = client.get(f"/api/v1/procedures/{code}").json()
    assert all(c["key"] for c in procedure["components"])

    form = client.get(f"/api/v1/procedures/{code}/form", **headers).json()
    assert form["needs_consent"]
    for needed in form["needs_consent"]:
        given = client.post(
            f"/api/v1/exchange/people/{me['subject_id']}/consents",
            {k: needed[k] for k in ("purpose", "consumer", "service")},
            content_type="application/json",
            **headers,
        )
        assert given.status_code == 201, given.content
    form = client.get(f"/api/v1/procedures/{code}/form", **headers).json()
    assert form["needs_consent"] == []

    units = client.get(
        f"/api/v1/procedures/{code}/receiving-units", {"q": "sai gon"}, **headers
    ).json()
    unit = units["items"][0]
    home = client.get(f"/api/v1/procedures/{code}/receiving-units", {"limit": 1}, **headers).json()[
        "items"
    ][0]
    assert home["near_residence"] and unit["province_code"] != home["province_code"]

    created = client.post(
        "/api/v1/dossiers",
        {"procedure": code, "receiving_unit": unit["code"], "data": example_data(form["schema"])},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    draft = created.json()
    reference = draft["reference"]
    assert draft["missing_components"]
    by_state = {c["state"]: c for c in draft["components"]}
    # The form itself and the ID card the population registry holds take no file.
    for no_file in (by_state["form"], by_state["registry"]):
        refused = upload(client, reference, no_file["key"], headers)
        assert refused.status_code == 400, refused.content
        assert refused.json()["type"] == "urn:motcua:problem:component-takes-no-file"
    for key in draft["missing_components"]:
        stored = upload(client, reference, key, headers)
        assert stored.status_code == 201, stored.content
        assert stored.json()["component"] == key
    ready = client.get(f"/api/v1/dossiers/{reference}", **headers).json()
    assert ready["missing_components"] == []

    submitted = client.post(f"/api/v1/dossiers/{reference}/submit", **headers)
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["code"].startswith(unit["code"].upper() + "-")
    mine = client.get("/api/v1/dossiers", {"status": "submitted"}, **headers).json()
    assert [d["code"] for d in mine["items"]] == [body["code"]]


def test_a_file_for_a_component_the_procedure_does_not_have_is_a_clear_400(client, world):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(world.father)}"}
    created = client.post(
        "/api/v1/dossiers",
        {"procedure": "1.001193", "receiving_unit": "79.26740.tthcc", "data": {}},
        content_type="application/json",
        **headers,
    ).json()
    for component in ("khong-co", "99"):
        response = upload(client, created["reference"], component, headers)
        assert response.status_code == 400 and response.json()["param"] == "component"
