"""What the back office refuses, and that a refusal changes nothing: a citizen on the
back-office API and pages, an official of another unit on the pages, a leader signing with a
revoked certificate."""

from __future__ import annotations

from pathlib import Path

import pytest

from motcua.backoffice.oidc import SESSION_OFFICIAL
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, Status
from motcua.dossiers.tests.conftest import PARENT_ID, WARD_CENTRE, world  # noqa: F401
from motcua.identity import services as identity
from motcua.identity.testing import bearer, make_person
from motcua.wallet.models import WalletDocument
from motcua.workflow import services as workflow
from motcua.workflow.models import Task

pytestmark = pytest.mark.django_db
FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
WARD_POLICE = "01.00070.ca"  # decides the residence confirmation (1.010041)


def appoint(personal_id: str, agency: str, role: str) -> str:
    make_person(personal_id, full_name="Cán Bộ Thử")
    identity.appoint_official(personal_id=personal_id, agency_code=agency, roles=[role])
    return personal_id


def api_headers(personal_id: str) -> dict[str, str]:
    from motcua.identity.models import Account

    account = Account.objects.get(username=personal_id)
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def as_official(client, personal_id: str, agency: str) -> None:
    """The session the back-office login leaves (tests of the login: test_official_login)."""
    session = client.session
    session[SESSION_OFFICIAL] = {"personal_id": personal_id, "agency_code": agency}
    session.save()


@pytest.fixture
def submitted(world):  # noqa: F811
    from motcua.dossiers.tests.helpers import attach_required, example_data
    from motcua.eforms import services as eforms

    fixture = Path(workflow.__file__).parent / "fixtures" / "demo_processes.json"
    workflow.import_processes(fixture.read_text(encoding="utf-8"), actor="test")
    data = example_data(eforms.json_schema(eforms.form_for("1.010041")))
    dossier = dossiers.create_draft(FATHER, "1.010041", WARD_CENTRE, data)
    attach_required(FATHER, dossier)
    return dossiers.submit(FATHER, dossier.reference)


def unchanged(dossier: Dossier) -> None:
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    task = Task.objects.get(dossier_id=dossier.id)
    assert (task.step, task.state, task.assignee) == ("receive", Task.State.OPEN, "")


def test_a_citizens_token_can_neither_act_nor_claim(client, submitted, world):  # noqa: F811
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(world.father)}"}
    task = Task.objects.get(dossier_id=submitted.id)
    acted = client.post(
        f"/api/v1/backoffice/dossiers/{submitted.code}/actions",
        {"action": "accept"},
        content_type="application/json",
        **headers,
    )
    claimed = client.post(f"/api/v1/backoffice/tasks/{task.id}/claim", **headers)
    assert acted.status_code in (401, 403) and claimed.status_code in (401, 403)
    assert acted["Content-Type"] == "application/problem+json"
    unchanged(submitted)


def test_a_citizen_on_the_back_office_pages_is_sent_to_the_officials_login(
    client,
    submitted,
    world,  # noqa: F811
):
    from motcua.portal.oidc import SESSION_CITIZEN

    session = client.session  # logged in to the portal as a citizen
    session[SESSION_CITIZEN] = {"sub": "citizen-sub", "personal_id": PARENT_ID}
    session.save()
    page = client.get(f"/can-bo/ho-so/{submitted.code}/")
    assert page.status_code == 302 and page["Location"].startswith("/can-bo/dang-nhap/")
    posted = client.post(f"/can-bo/ho-so/{submitted.code}/", {"action": "accept"})
    assert posted.status_code == 302 and posted["Location"].startswith("/can-bo/dang-nhap/")
    unchanged(submitted)


def test_an_official_of_another_unit_can_neither_open_nor_act_on_the_page(client, submitted):
    saigon = appoint("079080000201", "79.26740.tthcc", "one_stop_officer")
    as_official(client, saigon, "79.26740.tthcc")
    assert client.get(f"/can-bo/ho-so/{submitted.code}/").status_code == 404
    posted = client.post(f"/can-bo/ho-so/{submitted.code}/", {"action": "accept"})
    assert posted.status_code == 404
    assert submitted.code not in client.get("/can-bo/").content.decode()
    unchanged(submitted)


def test_another_role_of_the_same_unit_does_not_see_the_dossier(client, submitted):
    helper = appoint("001080000202", WARD_CENTRE, "digital_team")
    as_official(client, helper, WARD_CENTRE)
    assert client.get(f"/can-bo/ho-so/{submitted.code}/").status_code == 404
    response = client.get(f"/api/v1/backoffice/dossiers/{submitted.code}", **api_headers(helper))
    assert response.status_code == 404
    officer = appoint("001080000203", WARD_CENTRE, "one_stop_officer")
    as_official(client, officer, WARD_CENTRE)
    page = client.get(f"/can-bo/ho-so/{submitted.code}/")
    assert page.status_code == 200
    assert "— Nộp hồ sơ (" in page.content.decode()  # the history in words, not codes


def test_a_leader_whose_certificate_was_revoked_cannot_sign(client, submitted, settings, tmp_path):
    from motcua.core.pdf import render_document
    from motcua.results import services as results
    from motcua.results.models import ResultDocument

    settings.RESULTS_CA_DIR = tmp_path / "ca"
    settings.RESULTS_SIGNING_PROVIDER = "local"
    settings.RESULTS_TSA_URL = ""
    officer = appoint("001080000211", WARD_CENTRE, "one_stop_officer")
    police = appoint("001180000212", WARD_POLICE, "specialist")
    chief = appoint("001075000213", WARD_POLICE, "leader")
    for who, action in ((officer, "accept"), (police, "forward")):
        workflow.act(workflow.official_ref(who), submitted.code, action)
    # The chief's key is compromised: his certificate is revoked.
    results.sign_pdf(render_document(title="Thử", issuer="CA", rows=[]), signer_personal_id=chief)
    assert results.revoke_certificate(chief, "Lộ khóa bí mật") == 1
    before = WalletDocument.objects.filter(owner_id=PARENT_ID).count()

    response = client.post(
        f"/api/v1/backoffice/dossiers/{submitted.code}/actions",
        {"action": "sign"},
        content_type="application/json",
        **api_headers(chief),
    )
    assert response.status_code == 403, response.content
    problem = response.json()
    assert problem["type"] == "urn:motcua:problem:certificate-revoked"
    assert problem["title"] == "Chứng thư số đã bị thu hồi"
    submitted.refresh_from_db()
    assert submitted.status == Status.PROCESSING
    task = Task.objects.get(dossier_id=submitted.id, state=Task.State.OPEN)
    assert (task.step, task.unit) == ("sign", WARD_POLICE)
    assert WalletDocument.objects.filter(owner_id=PARENT_ID).count() == before
    assert not ResultDocument.objects.filter(dossier_code=submitted.code).exists()
