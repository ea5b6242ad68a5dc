"""Conflict of interest: an official does not act on a dossier in which they are the
applicant, a party or the person acting for the applicant — not at intake, not at a later
step; a colleague does."""

from __future__ import annotations

import pytest

from motcua.dossiers.errors import ConflictOfInterest
from motcua.dossiers.models import Status
from motcua.dossiers.tests.conftest import PARENT_ID
from motcua.identity import services as identity
from motcua.identity.models import Account
from motcua.identity.testing import make_person
from motcua.workflow import services
from motcua.workflow.models import Task

from .helpers import WARD_CENTRE, WARD_UBND, official, submitted

pytestmark = pytest.mark.django_db


def appoint_the_father(agency: str, role: str) -> services.OfficialRef:
    """The applicant of the test dossiers (the father) is also an official."""
    if not Account.objects.filter(username=PARENT_ID).exists():
        make_person(PARENT_ID)
    identity.appoint_official(personal_id=PARENT_ID, agency_code=agency, roles=[role])
    return services.official_ref(PARENT_ID)


def test_an_official_cannot_accept_their_own_dossier_at_intake(processes):
    dossier = submitted()
    himself = appoint_the_father(WARD_CENTRE, "one_stop_officer")
    with pytest.raises(ConflictOfInterest, match="người nộp"):
        services.act(himself, dossier.code, "accept")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert Task.objects.get(dossier_id=dossier.id).state == Task.State.OPEN
    colleague = official("001080900011", WARD_CENTRE, "one_stop_officer")
    assert services.act(colleague, dossier.code, "accept").step == "process"


def test_an_official_cannot_process_a_step_of_their_own_dossier(processes):
    dossier = submitted()
    services.act(official("001080900011", WARD_CENTRE, "one_stop_officer"), dossier.code, "accept")
    himself = appoint_the_father(WARD_UBND, "specialist")
    with pytest.raises(ConflictOfInterest):
        services.act(himself, dossier.code, "forward")
    with pytest.raises(ConflictOfInterest):
        services.claim(himself, Task.objects.get(dossier_id=dossier.id, state="open").pk)
    assert Task.objects.get(dossier_id=dossier.id, state="open").step == "process"


def test_a_party_to_the_dossier_cannot_receive_it(processes):
    from motcua.dossiers import services as dossiers
    from motcua.dossiers.tests.conftest import MOTHER_ID
    from motcua.dossiers.tests.helpers import attach_required
    from motcua.registries.population.models import Person

    from .helpers import FATHER, consent, data_for

    marriage = "1.000894"
    Person.objects.filter(personal_id__in=[PARENT_ID, MOTHER_ID]).update(
        marital_status="single", spouse=None
    )
    consent(marriage)
    data = data_for(marriage)
    data["spouse"] = {**data.get("spouse", {}), "personal_id": MOTHER_ID}
    dossier = dossiers.create_draft(FATHER, marriage, WARD_CENTRE, data)
    attach_required(FATHER, dossier)
    dossiers.submit(FATHER, dossier.reference)
    dossier = dossiers.answer_party(MOTHER_ID, dossier.draft_ref, confirm=True)
    assert dossier.code
    if not Account.objects.filter(username=MOTHER_ID).exists():
        make_person(MOTHER_ID, full_name="Trần Thị Bình")
    identity.appoint_official(
        personal_id=MOTHER_ID, agency_code=WARD_CENTRE, roles=["one_stop_officer"]
    )
    the_bride = services.official_ref(MOTHER_ID)
    with pytest.raises(ConflictOfInterest, match="bên liên quan"):
        services.act(the_bride, dossier.code, "accept")
    assert services.case(the_bride, dossier.code).actions == []


def test_the_parent_who_submitted_for_a_child_cannot_receive_it(processes):
    from motcua.dossiers import services as dossiers
    from motcua.dossiers.tests.conftest import CHILD_ID
    from motcua.dossiers.tests.helpers import attach_required

    from .helpers import consent, data_for

    for_child = dossiers.Applicant(
        subject_id=CHILD_ID, actor_id=PARENT_ID, name="Nguyễn Minh Khang", basis="parent"
    )
    consent("1.010041")
    dossier = dossiers.create_draft(for_child, "1.010041", WARD_CENTRE, data_for("1.010041"))
    attach_required(for_child, dossier)
    dossier = dossiers.submit(for_child, dossier.reference)
    parent = appoint_the_father(WARD_CENTRE, "one_stop_officer")
    with pytest.raises(ConflictOfInterest, match="nộp thay"):
        services.act(parent, dossier.code, "accept")
