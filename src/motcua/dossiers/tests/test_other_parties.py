"""Other parties' registry data (finding 2): naming someone as the other party of a marriage
reads nothing about them; their data is read only when they confirm inside the dossier, on
their behalf, and every read says on whose behalf and for which dossier."""

from __future__ import annotations

import json

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import Status
from motcua.eforms import services as eforms
from motcua.exchange import selectors as exchange_selectors
from motcua.exchange.models import MessageLogEntry

from .conftest import MOTHER_ID, PARENT_ID, STRANGER_ID, WARD_CENTRE
from .helpers import attach_required, example_data

pytestmark = pytest.mark.django_db
MARRIAGE = "1.000894"
FATHER = services.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")


@pytest.fixture
def single(world):
    """An and Bình are not married yet; both consented to their own family data."""
    from motcua.exchange import services as exchange
    from motcua.registries.population.models import Person

    Person.objects.filter(personal_id__in=[PARENT_ID, MOTHER_ID]).update(
        marital_status="single", spouse=None
    )
    exchange.grant_consent(PARENT_ID, f"thu-tuc:{MARRIAGE}", consumer="motcua-eforms")
    return world


def marriage_data(spouse_id: str) -> dict:
    data = example_data(eforms.json_schema(eforms.form_for(MARRIAGE)))
    data["spouse"] = {**data.get("spouse", {}), "personal_id": spouse_id}
    return data


def log_in(client, account):
    session = client.session
    session["portal_citizen"] = {
        "sub": str(account.sub),
        "name": account.full_name,
        "personal_id": account.username,
        "subject_kind": account.kind,
        "acr": f"urn:motcua:loa:{account.assurance_level}",
    }
    session.save()


def test_naming_a_stranger_as_spouse_reads_and_shows_nothing_about_them(client, single):
    draft = services.create_draft(FATHER, MARRIAGE, WARD_CENTRE, marriage_data(MOTHER_ID))
    draft = services.update_draft(FATHER, draft.reference, data=marriage_data(STRANGER_ID))
    assert "Lê Văn Cường" not in json.dumps(draft.prefill, ensure_ascii=False)
    assert not MessageLogEntry.objects.filter(subject__in=[STRANGER_ID, MOTHER_ID]).exists()
    log_in(client, single.father)
    page = client.get(f"/ho-so/{draft.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lê Văn Cường" not in html and "26740" not in html


def test_the_applicant_sees_the_party_was_asked_not_their_data(single):
    draft = services.create_draft(FATHER, MARRIAGE, WARD_CENTRE, marriage_data(MOTHER_ID))
    attach_required(FATHER, draft)
    draft = services.submit(FATHER, draft.reference)
    assert draft.status == Status.DRAFT
    assert (
        services.next_step(draft) == "Chờ bên còn lại xác nhận trên tài khoản định danh của mình."
    )
    assert "Trần Thị Bình" not in json.dumps([draft.data, draft.prefill], ensure_ascii=False)
    assert not MessageLogEntry.objects.filter(subject=MOTHER_ID).exists()


def test_the_party_is_read_on_their_own_behalf_when_they_confirm(single):
    draft = services.create_draft(FATHER, MARRIAGE, WARD_CENTRE, marriage_data(MOTHER_ID))
    attach_required(FATHER, draft)
    services.submit(FATHER, draft.reference)
    dossier = services.answer_party(MOTHER_ID, draft.draft_ref, confirm=True)
    assert dossier.status == Status.SUBMITTED
    assert dossier.data["spouse"]["full_name"] == "Trần Thị Bình"
    reads = MessageLogEntry.objects.filter(subject=MOTHER_ID)
    assert reads.exists()
    assert {(e.requester, e.dossier) for e in reads} == {(f"citizen:{MOTHER_ID}", draft.draft_ref)}
    _total, rows = exchange_selectors.access_history(MOTHER_ID)
    said = " ".join(r["summary"] for r in rows)
    assert "theo yêu cầu của chính bạn" in said and f"cho hồ sơ {draft.draft_ref}" in said
    assert f"làm thủ tục {MARRIAGE}" in said


def test_after_confirming_the_partys_data_is_not_shown_to_the_applicant(client, single):
    from motcua.identity.testing import bearer

    draft = services.create_draft(FATHER, MARRIAGE, WARD_CENTRE, marriage_data(MOTHER_ID))
    attach_required(FATHER, draft)
    services.submit(FATHER, draft.reference)
    dossier = services.answer_party(MOTHER_ID, draft.draft_ref, confirm=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(single.father)}"}
    body = client.get(f"/api/v1/dossiers/{dossier.code}", **headers).json()
    assert body["status"] == Status.SUBMITTED and body["pending_parties"] == []
    assert body["data"]["spouse"]["personal_id"] == MOTHER_ID  # what the applicant typed
    assert "Trần Thị Bình" not in json.dumps(body, ensure_ascii=False)
    assert not {"full_name", "birth_date", "sex", "permanent_address"} & set(body["data"]["spouse"])
    assert body["data"]["applicant"]["full_name"] == "Nguyễn Văn An"
