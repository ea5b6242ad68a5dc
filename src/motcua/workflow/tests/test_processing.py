"""An official's day: queues, claiming, acting on the step that is theirs, and nothing
else; a dossier travelling to the competent authority; the clock on supplements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.core.calendar import default_calendar
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, Status, SupplementRequest
from motcua.workflow import services
from motcua.workflow.models import Task

from .helpers import (
    FATHER,
    JUDICIAL,
    LAND,
    PROVINCE_CENTRE,
    WARD_CENTRE,
    WARD_UBND,
    data_for,
    official,
    submitted,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def ward(processes):
    """Phường Hoàn Kiếm: a one-stop officer, a civil status officer and the chairman."""
    return {
        "officer": official("001080900001", WARD_CENTRE, "one_stop_officer"),
        "civil": official("001180900002", WARD_UBND, "specialist"),
        "chairman": official("001075900003", WARD_UBND, "leader", unit_codes=(WARD_CENTRE,)),
    }


def test_a_submitted_birth_dossier_opens_a_receive_task_for_the_wards_one_stop_officer(ward):
    dossier = submitted()
    task = Task.objects.get(dossier_id=dossier.id)
    assert (task.step, task.unit, task.role, task.state) == (
        "receive",
        WARD_CENTRE,
        "one_stop_officer",
        Task.State.OPEN,
    )
    assert task.due_at > task.opened_at
    assert services.queue(ward["officer"]) == [task]
    assert services.queue(ward["civil"]) == []


def test_the_commune_process_runs_to_a_result_in_the_e_wallet(ward, results):
    dossier = submitted()
    nxt = services.act(ward["officer"], dossier.code, "accept")
    assert (nxt.step, nxt.unit, nxt.role) == ("process", WARD_UBND, "specialist")
    nxt = services.act(ward["civil"], dossier.code, "forward")
    assert nxt.step == "sign"
    assert services.act(ward["chairman"], dossier.code, "sign") is None
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert results() == [(dossier.code, ward["chairman"].personal_id)]
    actions = [e.action for e in dossiers.timeline(dossier)]
    # received at the centre, forwarded to the ward's committee, where it is decided
    assert actions[-5:] == ["received", "forwarded", "processing", "result_ready", "returned"]
    steps = Task.objects.filter(dossier_id=dossier.id).order_by("seq")
    assert [(t.step, t.action, t.state) for t in steps] == [
        ("receive", "accept", "done"),
        ("process", "forward", "done"),
        ("sign", "sign", "done"),
    ]


def test_an_official_of_another_unit_gets_not_found_and_cannot_act(ward):
    dossier = submitted()
    saigon = official("079080900004", "79.26740.tthcc", "one_stop_officer")
    with pytest.raises(NotFound):
        services.case(saigon, dossier.code)
    with pytest.raises(PermissionDenied):
        services.act(saigon, dossier.code, "accept")
    assert Task.objects.get(dossier_id=dossier.id).state == Task.State.OPEN


def test_an_action_not_allowed_in_the_current_step_is_a_conflict(ward):
    dossier = submitted()
    with pytest.raises(Conflict, match="không cho phép thao tác “Ký số”"):
        services.act(ward["officer"], dossier.code, "sign")
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_a_specialist_cannot_do_the_one_stop_officers_step(ward):
    dossier = submitted()
    both = official("001085900005", WARD_CENTRE, "specialist")
    with pytest.raises(PermissionDenied, match="Cán bộ một cửa"):
        services.act(both, dossier.code, "accept")


def test_refusing_needs_a_reason_and_ends_the_process(ward):
    dossier = submitted()
    with pytest.raises(InvalidInput):
        services.act(ward["officer"], dossier.code, "refuse", reason="  ")
    assert (
        services.act(ward["officer"], dossier.code, "refuse", reason="Không đúng thẩm quyền")
        is None
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED
    assert not Task.objects.filter(dossier_id=dossier.id, state="open").exists()


def test_case_shows_allowed_actions_and_is_audited_with_purpose(ward):
    dossier = submitted()
    seen = services.case(ward["officer"], dossier.code)
    assert seen.task.step == "receive"
    assert seen.actions == ["accept", "request_supplement", "refuse"]
    assert services.case(ward["chairman"], dossier.code).actions == []  # sees, cannot act
    entries = AuditEntry.objects.filter(action="workflow.case_viewed").order_by("seq")
    assert [(e.actor, e.purpose) for e in entries] == [
        (ward["officer"].personal_id, f"xu-ly-ho-so:{dossier.code}"),
        (ward["chairman"].personal_id, f"xu-ly-ho-so:{dossier.code}"),
    ]


def test_claim_assign_and_queues(ward):
    dossier = submitted()
    services.act(ward["officer"], dossier.code, "accept")
    task = Task.objects.get(dossier_id=dossier.id, state="open")
    second = official("001190900006", WARD_UBND, "specialist")
    with pytest.raises(PermissionDenied):
        services.assign(ward["civil"], task.id, second.personal_id)  # not a leader
    with pytest.raises(InvalidInput):
        services.assign(ward["chairman"], task.id, ward["officer"].personal_id)  # wrong role
    services.claim(ward["civil"], task.id)
    with pytest.raises(Conflict):
        services.claim(second, task.id)
    assert services.queue(second) == []
    services.assign(ward["chairman"], task.id, second.personal_id)  # reassigned
    assert services.queue(second) == [Task.objects.get(pk=task.pk)]
    with pytest.raises(PermissionDenied):
        services.act(ward["civil"], dossier.code, "forward")
    assert [t.pk for t in services.queue(ward["chairman"], scope="unit")] == [task.pk]
    with pytest.raises(PermissionDenied):
        services.queue(second, scope="unit")


def test_rework_goes_back_to_the_specialist_who_processed(ward):
    dossier = submitted()
    services.act(ward["officer"], dossier.code, "accept")
    services.act(ward["civil"], dossier.code, "forward")
    with pytest.raises(InvalidInput):
        services.act(ward["chairman"], dossier.code, "return_for_rework")
    back = services.act(ward["chairman"], dossier.code, "return_for_rework", reason="Sai tên")
    assert (back.step, back.assignee) == ("process", ward["civil"].personal_id)


def test_a_withdrawn_dossier_has_no_open_task(ward):
    dossier = submitted()
    dossiers.withdraw(FATHER, dossier.code)
    task = Task.objects.get(dossier_id=dossier.id)
    assert (task.state, task.action) == (Task.State.CANCELLED, "withdrawn")


def test_a_land_dossier_received_in_hanoi_for_a_parcel_in_ca_mau_is_decided_by_ca_mau(processes):
    hanoi = official("001080900011", PROVINCE_CENTRE, "one_stop_officer")
    ca_mau = official("096080900012", "96.so-nnmt", "specialist")
    data = data_for(LAND)
    data["request"]["commune_code"] = "32002"  # Phường An Xuyên, Cà Mau
    dossier = submitted(LAND, PROVINCE_CENTRE, data)
    nxt = services.act(hanoi, dossier.code, "accept")
    assert nxt.unit == "96.so-nnmt" and nxt.role == "specialist"
    assert services.queue(ca_mau) == [nxt]
    # Both units see it, each in their role; only Cà Mau acts now.
    assert services.case(hanoi, dossier.code).actions == []
    assert services.case(ca_mau, dossier.code).actions == ["request_supplement", "forward"]


def test_a_business_is_registered_in_the_province_of_its_seat(processes):
    hanoi = official("001080900021", PROVINCE_CENTRE, "one_stop_officer")
    data = data_for("2.001583")
    data["request"]["commune_code"] = "02215"  # seat in Tuyên Quang
    dossier = submitted("2.001583", PROVINCE_CENTRE, data)
    assert services.act(hanoi, dossier.code, "accept").unit == "08.so-tc"


def test_a_supplement_under_resume_moves_the_due_date_by_the_working_days_waited(processes):
    officer = official("001080900031", PROVINCE_CENTRE, "one_stop_officer")
    specialist = official("001180900032", "01.so-tp", "specialist")
    dossier = submitted(JUDICIAL, PROVINCE_CENTRE)
    services.act(officer, dossier.code, "accept")
    dossier.refresh_from_db()
    due, task = dossier.due_date, Task.objects.get(dossier_id=dossier.id, state="open")
    services.act(specialist, dossier.code, "request_supplement", reason="Thiếu bản sao CCCD")
    dossier.refresh_from_db()
    assert dossier.status == Status.PAUSED
    assert not Task.objects.filter(dossier_id=dossier.id, state="open").exists()
    # The applicant answers ten calendar days later.
    asked_at = timezone.now() - dt.timedelta(days=10)
    SupplementRequest.objects.filter(dossier=dossier).update(requested_at=asked_at)
    Task.objects.filter(pk=task.pk).update(closed_at=asked_at)
    dossiers.answer_supplement(FATHER, dossier.code, note="Đã bổ sung")
    dossier.refresh_from_db()
    calendar = default_calendar()
    waited = calendar.working_days_between(asked_at, timezone.now())
    assert waited > 0
    assert dossier.due_date == calendar.add_working_days(due, waited)
    reopened = Task.objects.get(dossier_id=dossier.id, state="open")
    assert (reopened.step, reopened.assignee) == ("process", specialist.personal_id)
    assert reopened.due_at.date() == calendar.add_working_days(task.due_at.date(), waited)


def test_a_step_paused_for_a_supplement_resumes_at_any_hour(processes, clock):
    """Asked and answered the same minute, at any hour: the step reopens with its own deadline."""
    officer = official("001080900031", PROVINCE_CENTRE, "one_stop_officer")
    specialist = official("001180900032", "01.so-tp", "specialist")
    dossier = submitted(JUDICIAL, PROVINCE_CENTRE)
    services.act(officer, dossier.code, "accept")
    task = Task.objects.get(dossier_id=dossier.id, state="open")
    before = Dossier.objects.get(pk=dossier.pk).status
    services.act(specialist, dossier.code, "request_supplement", reason="Thiếu bản sao CCCD")
    dossiers.answer_supplement(FATHER, dossier.code, note="Đã bổ sung")
    dossier.refresh_from_db()
    assert dossier.status == before
    reopened = Task.objects.get(dossier_id=dossier.id, state="open")
    assert (reopened.step, reopened.due_at) == ("process", task.due_at)


def test_the_province_process_signs_at_the_department_and_returns_at_the_centre(processes, results):
    officer = official("001080900041", PROVINCE_CENTRE, "one_stop_officer")
    specialist = official("001180900042", "01.so-tp", "specialist")
    director = official("001075900043", "01.so-tp", "leader")
    police = official("001085900044", "01.ca", "specialist")
    dossier = submitted(JUDICIAL, PROVINCE_CENTRE)
    services.act(officer, dossier.code, "accept")
    consult = services.act(specialist, dossier.code, "consult")
    assert consult.unit == "01.ca"
    services.act(police, dossier.code, "forward")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING  # consulting did not stop the clock
    services.act(specialist, dossier.code, "forward")
    back = services.act(director, dossier.code, "sign")
    assert (back.step, back.unit) == ("return", PROVINCE_CENTRE)
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    services.act(officer, dossier.code, "issue_result")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert results() == [(dossier.code, director.personal_id)]
    # The applicant's history says where the dossier went: centre → department → police
    # → department → centre, each a row that leaves the status as it was.
    moves = [e for e in dossiers.timeline(dossier) if e.action == "forwarded"]
    assert [m.data["to_unit"] for m in moves] == [
        "01.so-tp",
        "01.ca",
        "01.so-tp",
        PROVINCE_CENTRE,
    ]
    assert moves[0].note.startswith("Sở Tư pháp")  # the agency's name, not its code
    assert moves[0].action_label == "Chuyển hồ sơ đến"
    assert all(m.from_status == m.to_status for m in moves)


def test_replaying_every_dossiers_history_gives_its_stored_status(ward):
    finished, refused, waiting, supplemented = submitted(), submitted(), submitted(), submitted()
    for code in (finished.code,):
        services.act(ward["officer"], code, "accept")
        services.act(ward["civil"], code, "forward")
        services.act(ward["chairman"], code, "sign")
    services.act(ward["officer"], refused.code, "refuse", reason="Sai thẩm quyền")
    services.act(ward["officer"], supplemented.code, "request_supplement", reason="Ảnh mờ")
    dossiers.answer_supplement(FATHER, supplemented.code, note="Đã chụp lại")
    services.act(ward["officer"], supplemented.code, "accept")
    assert Task.objects.get(dossier_id=waiting.id).state == "open"
    for dossier in Dossier.objects.exclude(code=None):
        assert dossiers.replay_status(dossier) == dossier.status, dossier.code


def test_under_restart_the_reopened_step_gets_its_full_share_again(processes):
    hanoi = official("001080900081", PROVINCE_CENTRE, "one_stop_officer")
    ca_mau = official("096080900082", "96.so-nnmt", "specialist")
    data = data_for(LAND)
    data["request"]["commune_code"] = "32002"
    dossier = submitted(LAND, PROVINCE_CENTRE, data)
    services.act(hanoi, dossier.code, "accept")
    assert services.clock_rule(dossier) == "restart"
    services.act(ca_mau, dossier.code, "request_supplement", reason="Thiếu hợp đồng")
    asked_at = timezone.now() - dt.timedelta(days=30)
    Task.objects.filter(dossier_id=dossier.id, action="request_supplement").update(
        closed_at=asked_at, due_at=asked_at
    )
    dossiers.answer_supplement(FATHER, dossier.code, note="Đã bổ sung")
    reopened = Task.objects.get(dossier_id=dossier.id, state="open")
    assert reopened.unit == "96.so-nnmt" and reopened.due_at > timezone.now()
