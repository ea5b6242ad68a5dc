"""Integrated services (issue 10): one application makes a parent dossier and one child per
member, each decided by its own agency; results flow on by data; a refusal stops only what
depends on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from motcua.core.errors import InvalidInput
from motcua.dossiers import bundles
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, Status
from motcua.identity import services as identity
from motcua.identity.testing import bearer, make_person
from motcua.registries.population.models import Person
from motcua.wallet.models import InboxMessage, WalletDocument
from motcua.workflow import services as workflow
from motcua.workflow.models import Task

from .conftest import MOTHER_ID, PARENT_ID, WARD_CENTRE
from .helpers import pdf_bytes, pdf_text

pytestmark = pytest.mark.django_db

NEWBORN, DEATH = "3.000722", "2.002913"
BIRTH, RESIDENCE, CARD = "1.001193", "1.004222", "1.001939"
DEATH_REG, REMOVAL, FUNERAL = "1.000656", "1.003197", "1.014177"
FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
# (agency, role) → a test official's personal ID
OFFICIALS = {
    ("01.00070.tthcc", "one_stop_officer"): "001080000301",
    ("01.tthcc", "one_stop_officer"): "001080000302",
    ("01.00070.ubnd", "specialist"): "001080000303",
    ("01.00070.ubnd", "leader"): "001080000304",
    ("01.00070.ca", "specialist"): "001080000305",
    ("01.00070.ca", "leader"): "001080000306",
    ("01.bhxh", "specialist"): "001080000307",
    ("01.bhxh", "leader"): "001080000308",
}


def newborn_data(**child: Any) -> dict[str, Any]:
    """What a father types in the one form (the rest comes from the registries)."""
    return {
        "registration": {"authority_commune_code": "00070"},
        "child": {
            "full_name": "Nguyễn Minh Tuệ",
            "sex": "M",
            "birth_date": "2025-01-15",
            "birth_place_kind": "co-so-y-te",
            "birth_facility": "Bệnh viện Phụ sản Hà Nội",
            "birth_commune_code": "00070",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            **child,
        },
        "applicant": {
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "relation": "cha",
            "phone": "0912345678",
        },
        "other_parent": {"known": True, "parents_married": True},
        "residence": {
            "housing_basis": "so-huu",
            "relation_to_head": "chu-ho",
            "child_relation_to_head": "con",
        },
        "insurance": {"health_facility": "Trạm y tế phường Hoàn Kiếm"},
        "result": {"delivery": "vi-dien-tu"},
        "commitment": {"truthful": True},
    }


def death_data() -> dict[str, Any]:
    return {
        "registration": {"authority_commune_code": "00070"},
        "applicant": {"phone": "0912345678"},
        "deceased": {
            "full_name": "Trần Thị Bình",
            "personal_id": MOTHER_ID,
            "birth_date": "1990-06-01",
            "death_date": "2025-06-01",
            "death_place": "Bệnh viện Bạch Mai",
            "death_notice_no": "GBT-2025-001",
            "relation": "nguoi-than-khac",
        },
        "funeral": {
            "insurance_no": "0101234567",
            "bank_account": "0011001234567",
            "bank": "Vietcombank chi nhánh Hà Nội",
        },
        "result": {"delivery": "vi-dien-tu"},
        "commitment": {"truthful": True},
    }


@pytest.fixture
def agencies(world):
    """The demo processes and one official per (agency, role) a bundle passes through."""
    fixture = Path(workflow.__file__).parent / "fixtures" / "demo_processes.json"
    workflow.import_processes(fixture.read_text(encoding="utf-8"), actor="test")
    for (agency, role), personal_id in OFFICIALS.items():
        make_person(personal_id, full_name=f"Cán bộ {role}")
        identity.appoint_official(personal_id=personal_id, agency_code=agency, roles=[role])
    return world


def official(agency: str, role: str) -> workflow.OfficialRef:
    return workflow.official_ref(OFFICIALS[(agency, role)])


def apply(code: str, data: dict[str, Any], attach: int = 2) -> Dossier:
    """Open, consent to the family data, attach the one paper, submit."""
    draft = bundles.start(FATHER, code, WARD_CENTRE, data)
    dossiers.consent_and_refresh(FATHER, draft.reference)
    dossiers.add_file(
        FATHER, draft.reference, component=attach, name="giay.pdf", content=pdf_bytes()
    )
    return bundles.submit(FATHER, draft.reference).parent


def child(parent: Dossier, procedure: str) -> Dossier:
    return Dossier.objects.get(parent=parent, procedure_code=procedure)


def decide(code: str, *, refuse: str = "") -> None:
    """Every step of the dossier's process, by the official holding it, until it ends."""
    while True:
        task = Task.objects.filter(dossier_code=code, state=Task.State.OPEN).first()
        if task is None:
            return
        who = workflow.official_ref(OFFICIALS[(task.unit, task.role)])
        actions = workflow.allowed_actions(who, task)
        if refuse and "refuse" in actions:
            workflow.act(who, code, "refuse", reason=refuse)
            return
        for action in ("accept", "forward", "sign", "approve", "issue_result"):
            if action in actions:
                workflow.act(who, code, action)
                break
        else:
            raise AssertionError(f"no way on from {task.step}: {actions}")


def test_one_application_opens_one_dossier_per_member_and_only_the_first_goes_out(agencies):
    parent = apply(NEWBORN, newborn_data())
    assert parent.status == Status.SUBMITTED and parent.code
    birth, residence, card = (child(parent, c) for c in (BIRTH, RESIDENCE, CARD))
    assert birth.status == Status.SUBMITTED and birth.code
    # Residence and the card wait for the child's personal ID: not sent to their agency.
    assert residence.status == Status.DRAFT and card.status == Status.DRAFT
    assert not Task.objects.filter(dossier_id__in=[residence.id, card.id]).exists()
    task = Task.objects.get(dossier_id=birth.id)
    assert (task.unit, task.role) == ("01.00070.tthcc", "one_stop_officer")
    # The birth member was filled from the one form and the registries, not re-typed.
    assert birth.data["child"]["full_name"] == "Nguyễn Minh Tuệ"
    assert birth.data["other_parent"]["full_name"] == "Trần Thị Bình"
    assert birth.files.count() == 1
    assert parent.appointment_date is not None and parent.due_date is not None


def test_results_flow_on_by_data_through_three_agencies_to_both_wallets(agencies):
    parent = apply(NEWBORN, newborn_data())
    birth = child(parent, BIRTH)
    decide(birth.code)
    # The signed birth registration created the child in the population registry.
    baby = Person.objects.get(full_name="Nguyễn Minh Tuệ")
    assert baby.father.personal_id == PARENT_ID and baby.mother.personal_id == MOTHER_ID
    assert baby.personal_id.startswith("001225")  # Hà Nội, a boy born in 2025
    residence = child(parent, RESIDENCE)
    assert residence.status == Status.SUBMITTED
    assert residence.data["members"][0]["personal_id"] == baby.personal_id
    assert residence.data["new_residence"]["commune_code"] == "00070"
    card = child(parent, CARD)
    assert card.status == Status.DRAFT  # the card needs the residence too
    decide(residence.code)
    baby.refresh_from_db()
    assert baby.permanent_commune_code == "00070"
    assert baby.household_id == Person.objects.get(personal_id=PARENT_ID).household_id
    card.refresh_from_db()
    assert card.status == Status.SUBMITTED
    assert card.data["request"]["personal_id"] == baby.personal_id
    assert card.data["request"]["residence_commune_code"] == "00070"
    assert card.receiving_unit == WARD_CENTRE
    decide(card.code)
    deciders = {
        t.unit
        for t in Task.objects.filter(dossier_code__in=[birth.code, residence.code, card.code])
        if t.action == "sign"
    }
    assert deciders == {"01.00070.ubnd", "01.00070.ca", "01.bhxh"}
    parent.refresh_from_db()
    assert parent.status == Status.RETURNED, [
        (c.procedure_code, c.status, list(c.events.values_list("action", flat=True)))
        for c in parent.children.all()
    ]
    assert dossiers.replay_status(parent) == parent.status
    for owner in (PARENT_ID, baby.personal_id):
        titles = WalletDocument.objects.filter(owner_id=owner).count()
        assert titles == 3, owner
    view = bundles.view(parent)
    assert [m.state for m in view.members] == ["result", "result", "result"]
    assert any("Nguyễn Minh Tuệ" in str(m.dossier.data) for m in view.members)
    labels = [row.action for row in view.timeline]
    assert "Thành phần có kết quả" in labels and "Tiếp nhận hồ sơ" in labels


def test_a_refused_birth_registration_stops_residence_and_insurance(agencies):
    parent = apply(NEWBORN, newborn_data())
    birth = child(parent, BIRTH)
    decide(birth.code, refuse="Giấy chứng sinh không đọc được.")
    parent.refresh_from_db()
    residence, card = child(parent, RESIDENCE), child(parent, CARD)
    assert residence.status == Status.WITHDRAWN and card.status == Status.WITHDRAWN
    assert not Task.objects.filter(dossier_id__in=[residence.id, card.id]).exists()
    assert "Giấy chứng sinh không đọc được." in residence.events.last().note
    assert parent.status == Status.REFUSED
    assert not Person.objects.filter(full_name="Nguyễn Minh Tuệ").exists()
    told = InboxMessage.objects.get(recipient_id=PARENT_ID, title__contains="bị từ chối")
    assert "Đăng ký khai sinh" in told.title and "Việc cần làm" in told.body
    assert "Đăng ký thường trú" in told.body and "Giấy chứng sinh không đọc được." in told.body
    states = {m.procedure_code: m.state for m in bundles.view(parent).members}
    assert states == {BIRTH: "refused", RESIDENCE: "stopped", CARD: "stopped"}


def test_a_refused_insurance_card_leaves_the_other_two_results_valid(agencies):
    from motcua.results import services as results

    parent = apply(NEWBORN, newborn_data())
    decide(child(parent, BIRTH).code)
    decide(child(parent, RESIDENCE).code)
    card = child(parent, CARD)
    decide(card.code, refuse="Nơi đăng ký khám chữa bệnh ban đầu không nhận thẻ mới.")
    for code in (child(parent, BIRTH).code, child(parent, RESIDENCE).code):
        assert results.result_of(code) is not None and results.result_of(code).status == "valid"
    parent.refresh_from_db()
    assert parent.status == Status.RETURNED  # what could be decided was
    assert WalletDocument.objects.filter(owner_id=PARENT_ID).count() == 2
    told = InboxMessage.objects.get(recipient_id=PARENT_ID, title__contains="bị từ chối")
    assert "Cấp thẻ" in told.title or "BHYT" in told.title


def test_a_supplement_request_pauses_only_that_member(agencies):
    parent = apply(NEWBORN, newborn_data())
    decide(child(parent, BIRTH).code)
    residence = child(parent, RESIDENCE)
    workflow.act(official("01.00070.tthcc", "one_stop_officer"), residence.code, "accept")
    police = official("01.00070.ca", "specialist")
    workflow.act(police, residence.code, "request_supplement", reason="Bổ sung ảnh sổ hộ khẩu.")
    residence.refresh_from_db()
    birth = child(parent, BIRTH)
    assert residence.status == Status.PAUSED
    assert birth.status == Status.RETURNED and birth.due_date is not None
    assert residence.supplements.filter(answered_at__isnull=True).count() == 1
    assert not birth.supplements.exists()


def test_bundle_two_through_the_api(client, agencies):
    from motcua.identity.models import Account

    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer(Account.objects.get(username=PARENT_ID))}"}
    opened = client.post(
        "/api/v1/bundles",
        {"service": DEATH, "receiving_unit": WARD_CENTRE, "data": death_data()},
        content_type="application/json",
        **headers,
    )
    assert opened.status_code == 201, opened.content
    reference = opened.json()["reference"]
    assert [m["code"] for m in opened.json()["members"]] == [DEATH_REG, REMOVAL, FUNERAL]
    attached = client.post(
        f"/api/v1/dossiers/{reference}/files",
        {"component": 2, "file": _upload()},
        **headers,
    )
    assert attached.status_code == 201, attached.content
    submitted = client.post(f"/api/v1/bundles/{reference}/submit", **headers)
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    code = body["code"]
    states = {m["code"]: m["state"] for m in body["members"]}
    assert states == {DEATH_REG: "filed", REMOVAL: "waiting", FUNERAL: "waiting"}
    parent = Dossier.objects.get(code=code)
    decide(child(parent, DEATH_REG).code)
    mother = Person.objects.get(personal_id=MOTHER_ID)
    assert mother.status == "dead"
    removal, funeral = child(parent, REMOVAL), child(parent, FUNERAL)
    assert funeral.receiving_unit == "01.tthcc"  # a province-level procedure
    decide(removal.code)
    decide(funeral.code)
    mother.refresh_from_db()
    assert mother.permanent_commune_code == ""
    got = client.get(f"/api/v1/bundles/{code}", **headers).json()
    assert got["status"] == Status.RETURNED
    assert {m["state"] for m in got["members"]} == {"result"}
    assert any(row["member"] == "Hưởng trợ cấp mai táng" for row in got["timeline"])
    receipt = client.get(f"/api/v1/bundles/{code}/receipt.pdf", **headers)
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")
    stranger = make_person("079090099999", full_name="Người Lạ")
    other = {"HTTP_AUTHORIZATION": f"Bearer {bearer(stranger)}"}
    assert client.get(f"/api/v1/bundles/{code}", **other).status_code == 404


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("giay-bao-tu.pdf", pdf_bytes("Giấy báo tử"), "application/pdf")


def test_withdrawing_the_application_withdraws_every_member_not_yet_decided(agencies):
    parent = apply(NEWBORN, newborn_data())
    birth = child(parent, BIRTH)
    dossiers.withdraw(FATHER, parent.code, "Gia đình chuyển nơi ở.")
    statuses = {c.procedure_code: c.status for c in parent.children.all()}
    assert statuses == {
        BIRTH: Status.WITHDRAWN,
        RESIDENCE: Status.WITHDRAWN,
        CARD: Status.WITHDRAWN,
    }
    assert not Task.objects.filter(dossier_id=birth.id, state=Task.State.OPEN).exists()


def test_the_bundle_receipt_prints_the_submission_time_in_vietnam_time(agencies):
    import datetime as dt

    parent = apply(NEWBORN, newborn_data())
    at_utc = dt.datetime(2026, 12, 2, 11, 43, tzinfo=dt.UTC)  # 18:43 in Hà Nội
    Dossier.objects.filter(pk=parent.pk).update(submitted_at=at_utc, fee_amount=1500000)
    parent.refresh_from_db()
    text = " ".join(pdf_text(bundles.receipt_pdf(parent)).split())
    assert "18:43 02/12/2026" in text
    assert "11:43" not in text and "UTC" not in text
    assert "1.500.000 đồng" in text


def test_the_signed_birth_is_written_through_the_exchange_into_its_signed_log(agencies):
    from motcua.exchange import log
    from motcua.exchange.models import MessageLogEntry

    parent = apply(NEWBORN, newborn_data())
    birth = child(parent, BIRTH)
    decide(birth.code)
    baby = Person.objects.get(full_name="Nguyễn Minh Tuệ")
    entry = MessageLogEntry.objects.get(service="population.person.register_birth")
    assert entry.consumer == "motcua-dossiers" and entry.outcome == "written"
    assert entry.subject == baby.personal_id and entry.purpose == f"thu-tuc:{BIRTH}"
    assert entry.requester == f"citizen:{PARENT_ID}" and entry.dossier == birth.code
    checked, broken = log.verify_entries(log.stored_entries(), log.default_public_keys())
    assert broken is None and checked >= 1
    # The requester and the dossier are signed: changing them breaks the entry.
    row = next(e for e in log.stored_entries() if e["hash"] == entry.hash)
    assert log.compute_hash({**row, "requester": "citizen:001085099999"}) != entry.hash


def test_without_the_owners_write_grant_the_birth_is_not_written(agencies):
    from motcua.exchange import services as exchange
    from motcua.exchange.errors import AccessDenied
    from motcua.exchange.models import Grant

    grant = Grant.objects.get(
        consumer__code="motcua-dossiers",
        service__code="population.person.register_birth",
        revoked_at__isnull=True,
    )
    exchange.revoke_grant(grant.pk, actor="owner:bo-cong-an")
    parent = apply(NEWBORN, newborn_data())
    birth = child(parent, BIRTH)
    with pytest.raises(AccessDenied) as refused:
        decide(birth.code)
    assert refused.value.reason == "no-grant"
    assert not Person.objects.filter(full_name="Nguyễn Minh Tuệ").exists()
    assert not Grant.objects.filter(
        consumer__code="motcua-dossiers",
        service__code="population.person.register_birth",
        revoked_at__isnull=True,
    ).exists()  # and the bundle did not grant it to itself


def _blocked_notes(parent: Dossier) -> list[str]:
    return [e.note for e in parent.events.filter(action="member_blocked")]


def test_a_member_a_rule_refuses_is_blocked_with_the_reason(agencies, monkeypatch):
    parent = apply(NEWBORN, newborn_data())

    def refused(parent, child, member, facts):
        raise InvalidInput("Thiếu giấy tờ của thành phần này.")

    monkeypatch.setattr(bundles, "_file_member", refused)
    decide(child(parent, BIRTH).code)
    notes = _blocked_notes(parent)
    assert notes and all("Thiếu giấy tờ của thành phần này." in n for n in notes)
    assert child(parent, BIRTH).status in (Status.RESULT_READY, Status.RETURNED)


def test_a_bug_releasing_a_member_keeps_the_signed_result_and_hides_its_internals(
    agencies, monkeypatch
):
    parent = apply(NEWBORN, newborn_data())

    def buggy(parent, child, member, facts):
        raise KeyError("internal_column_name")

    monkeypatch.setattr(bundles, "_file_member", buggy)
    decide(child(parent, BIRTH).code)
    notes = _blocked_notes(parent)
    assert notes and all("internal_column_name" not in n for n in notes)
    assert all("Hệ thống gặp lỗi" in n for n in notes)
    assert child(parent, BIRTH).status in (Status.RESULT_READY, Status.RETURNED)


def test_reading_facts_skips_missing_or_refused_events_but_not_a_broken_exchange(
    agencies, monkeypatch
):
    from django.db import OperationalError

    from motcua.core.errors import NotFound
    from motcua.exchange import services as exchange

    parent = apply(NEWBORN, newborn_data())
    real = bundles._call

    def failing(failure):
        def call(service, subject, parent):
            if service == bundles.FACT_EVENTS:
                raise failure
            return real(service, subject, parent)

        return call

    for expected in (NotFound("no events"), exchange.AccessDenied("no-grant", "Không được phép.")):
        monkeypatch.setattr(bundles, "_call", failing(expected))
        assert bundles._read_facts(parent, PARENT_ID)["person"]
    monkeypatch.setattr(bundles, "_call", failing(OperationalError("connection refused")))
    with pytest.raises(OperationalError):
        bundles._read_facts(parent, PARENT_ID)
