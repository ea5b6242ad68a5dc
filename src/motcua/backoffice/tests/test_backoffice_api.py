"""/api/v1/backoffice with officials' tokens: the queue, a dossier, actions; refusals for a
citizen's token, an official of another unit and an action the step does not allow."""

from __future__ import annotations

import pytest

from motcua.dossiers import services as dossiers
from motcua.dossiers.tests.conftest import PARENT_ID, WARD_CENTRE, world  # noqa: F401
from motcua.identity import services as identity
from motcua.identity.testing import bearer, make_person
from motcua.workflow.models import Task

pytestmark = pytest.mark.django_db
FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")


def official(personal_id, agency, roles):
    account = make_person(personal_id, full_name="Cán Bộ Thử")
    identity.appoint_official(
        personal_id=personal_id, agency_code=agency, roles=roles, actor="test"
    )
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def submitted(world):  # noqa: F811
    from pathlib import Path

    from motcua.dossiers.tests.helpers import attach_required, example_data
    from motcua.eforms import services as eforms
    from motcua.workflow import services as workflow

    fixture = Path(workflow.__file__).parent / "fixtures" / "demo_processes.json"
    workflow.import_processes(fixture.read_text(encoding="utf-8"), actor="test")

    data = example_data(eforms.json_schema(eforms.form_for("1.010041")))
    dossier = dossiers.create_draft(FATHER, "1.010041", WARD_CENTRE, data)
    attach_required(FATHER, dossier)
    return dossiers.submit(FATHER, dossier.reference)


def test_the_wards_officer_sees_the_dossier_and_accepts_it(client, submitted):
    headers = official("001080000101", WARD_CENTRE, ["one_stop_officer"])
    queue = client.get("/api/v1/backoffice/queue", **headers)
    assert queue.status_code == 200, queue.content
    assert queue.json()["total"] == 1
    assert [t["dossier_code"] for t in queue.json()["items"]] == [submitted.code]
    beyond = client.get("/api/v1/backoffice/queue", {"limit": 1, "offset": 1}, **headers).json()
    assert (beyond["total"], beyond["items"]) == (1, [])
    case = client.get(f"/api/v1/backoffice/dossiers/{submitted.code}", **headers).json()
    assert "accept" in case["allowed_actions"]
    done = client.post(
        f"/api/v1/backoffice/dossiers/{submitted.code}/actions",
        {"action": "accept"},
        content_type="application/json",
        **headers,
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "received"


def test_an_action_the_step_does_not_allow_is_refused(client, submitted):
    headers = official("001080000101", WARD_CENTRE, ["one_stop_officer"])
    response = client.post(
        f"/api/v1/backoffice/dossiers/{submitted.code}/actions",
        {"action": "sign"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 409
    assert Task.objects.get(dossier_code=submitted.code, state="open").step


def test_an_official_of_another_unit_gets_not_found(client, submitted):
    headers = official("079080000102", "79.26740.tthcc", ["one_stop_officer"])
    assert client.get(f"/api/v1/backoffice/dossiers/{submitted.code}", **headers).status_code == 404
    assert client.get("/api/v1/backoffice/queue", **headers).json()["total"] == 0


def test_a_citizens_token_is_refused_on_backoffice_endpoints(client, submitted, world):  # noqa: F811
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(world.father)}"}
    assert client.get("/api/v1/backoffice/queue", **headers).status_code in (401, 403)
    response = client.get(f"/api/v1/backoffice/dossiers/{submitted.code}", **headers)
    assert response.status_code in (401, 403)


def test_an_official_cannot_accept_their_own_dossier_over_the_api_or_the_page(client, submitted):
    from motcua.identity.models import Account

    account = Account.objects.get(username=PARENT_ID)
    identity.appoint_official(
        personal_id=PARENT_ID, agency_code=WARD_CENTRE, roles=["one_stop_officer"], actor="t"
    )
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    refused = client.post(
        f"/api/v1/backoffice/dossiers/{submitted.code}/actions",
        {"action": "accept"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert refused.status_code == 403, refused.content
    problem = refused.json()
    assert problem["type"] == "urn:motcua:problem:conflict-of-interest"
    assert "xung đột lợi ích" in problem["detail"]

    session = client.session
    session["backoffice_official"] = {
        "personal_id": PARENT_ID,
        "agency_code": WARD_CENTRE,
        "roles": ["one_stop_officer"],
        "name": "Nguyễn Văn An",
    }
    session.save()
    page = client.post(f"/can-bo/ho-so/{submitted.code}/", {"action": "accept"})
    assert page.status_code == 400
    assert "xung đột lợi ích" in page.content.decode()
    assert Task.objects.get(dossier_code=submitted.code, state="open").step == "receive"
