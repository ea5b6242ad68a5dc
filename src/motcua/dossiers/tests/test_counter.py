"""Counter intake and assisted submission (issue 11), through the services: a walk-in birth
registration at a Tuyên Quang ward, scanned, certified and received at once; the chip card's
QR code checked against the registry; assisted submission only with the person's consent,
after which the dossier is theirs alone."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from motcua.core.errors import NotFound
from motcua.core.uploads import UploadRefused
from motcua.dossiers import counter
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import AssistConsent, Digitization, Dossier, DossierFile
from motcua.dossiers.tests.conftest import PARENT_ID, World, world  # noqa: F401
from motcua.dossiers.tests.helpers import example_data, pdf_bytes

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"
TQ_WARD = "02215"  # Tỉnh Tuyên Quang, Phường Minh Xuân (where the demo officials are)
TQ_CENTRE = f"08.{TQ_WARD}.tthcc"
TQ_COMMITTEE = f"08.{TQ_WARD}.ubnd"
OFFICER_ID = "008080000101"
SPECIALIST_ID = "008090000102"
LEADER_ID = "008075000103"
TEAM_ID = "008095000104"
# The father's chip card, as its QR code reads (the registry: Nguyễn Văn An, 12/03/1985, M).
FATHER_QR = (
    f"{PARENT_ID}|013456789|Nguyễn Văn An|12031985|Nam|Số 1 phố Tràng Tiền, Hoàn Kiếm, Hà Nội"
    "|10042021"
)
BIRTH_CERTIFICATE = 2  # "Giấy chứng sinh ..." (paper, scanned at the counter)
ID_CARD = 3  # replaced by the population registry


def jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def counter_ca(tmp_path_factory):
    return tmp_path_factory.mktemp("counter-ca")


@pytest.fixture
def tq(world: World, settings, counter_ca):  # noqa: F811
    """The Tuyên Quang ward's one-stop officer, specialist and chairman, a community digital
    technology team member, the demo processes and the counter's registry access."""
    from pathlib import Path

    from motcua.identity import services as identity
    from motcua.identity.testing import make_person
    from motcua.workflow import services as workflow

    settings.RESULTS_CA_DIR = counter_ca
    settings.RESULTS_SIGNING_PROVIDER = "local"
    settings.RESULTS_TSA_URL = ""
    fixture = Path(workflow.__file__).parent / "fixtures" / "demo_processes.json"
    workflow.import_processes(fixture.read_text(encoding="utf-8"), actor="test")
    from motcua.exchange import services as exchange_services

    exchange_services.load_grants(actor="test")  # the data owners' declared grants
    for pid, name, agency, role in (
        (OFFICER_ID, "Hoàng Văn Tiếp", TQ_CENTRE, "one_stop_officer"),
        (SPECIALIST_ID, "Lý Thị Hộ Tịch", TQ_COMMITTEE, "specialist"),
        (LEADER_ID, "Ma Văn Chủ Tịch", TQ_COMMITTEE, "leader"),
        (TEAM_ID, "Nông Thị Số", TQ_COMMITTEE, "digital_team"),
    ):
        make_person(pid, full_name=name)
        identity.appoint_official(personal_id=pid, agency_code=agency, roles=[role], actor="test")
    return SimpleNamespace(
        officer=counter.official(OFFICER_ID),
        specialist=counter.official(SPECIALIST_ID),
        leader=counter.official(LEADER_ID),
        team=counter.official(TEAM_ID),
    )


def birth_data() -> dict:
    from motcua.eforms import services as eforms

    data = example_data(eforms.json_schema(eforms.form_for(BIRTH)))
    data["registration"]["authority_commune_code"] = TQ_WARD
    data["child"]["birth_commune_code"] = TQ_WARD
    return data


def open_walk_in(tq, **extra) -> Dossier:
    dossier = counter.open_at_counter(
        tq.officer, procedure_code=BIRTH, qr=FATHER_QR, data=birth_data(), **extra
    )
    return registry_consent(tq.officer, dossier)


def registry_consent(officer, dossier: Dossier) -> Dossier:
    """The person signs their consent to the registry reads at the counter."""
    signed = counter.record_signature_consent(
        officer,
        procedure_code=dossier.procedure_code,
        personal_id=dossier.applicant_id,
        signature_name="ky.png",
        signature=_png(),
        scope="registry",
    )
    return counter.record_registry_consent(officer, dossier.draft_ref, consent_id=signed.id)


def test_a_walk_in_birth_registration_is_scanned_certified_and_received_at_once(tq):
    from motcua.results import services as results
    from motcua.wallet.models import InboxMessage, WalletDocument
    from motcua.workflow.models import Task

    dossier = open_walk_in(tq)
    assert dossier.channel == Dossier.Channel.COUNTER
    assert dossier.assisted_by == OFFICER_ID and dossier.applicant_id == PARENT_ID
    # The form is prefilled as online, with the same read-only registry values.
    prefilled = dossier.prefill["values"]["applicant.full_name"]
    assert prefilled["value"] == "Nguyễn Văn An" and prefilled["read_only"]

    record = counter.scan(
        tq.officer,
        dossier.draft_ref,
        component=BIRTH_CERTIFICATE,
        pages=[("trang-1.jpg", jpeg_bytes()), ("trang-2.pdf", pdf_bytes())],
        certify=True,
    )
    assert record.pages == 2 and len(record.page_hashes) == 2
    assert record.certified and record.certified_by == OFFICER_ID
    with record.copy.open("rb") as handle:
        copy = handle.read()
    check = results.verify_pdf(copy)
    assert check.signature_intact and check.signature_trusted, check.reasons

    received = counter.submit_and_receive(tq.officer, dossier.draft_ref)
    assert received.status == "received"
    assert received.code.startswith(TQ_CENTRE.upper())
    assert received.due_date is not None
    history = [e.action for e in dossiers.timeline(received)]
    assert history[-3:] == ["submitted", "received", "forwarded"]  # on to the committee
    nxt = Task.objects.get(dossier_id=received.id, state="open")
    assert (nxt.unit, nxt.role) == (TQ_COMMITTEE, "specialist")
    # The receipt reaches the father's e-wallet and inbox; it names the officer.
    document = WalletDocument.objects.get(
        owner_id=PARENT_ID, idempotency_key__startswith="receipt:"
    )
    assert document.data["ma_ho_so"] == received.code
    assert InboxMessage.objects.filter(recipient_id=PARENT_ID, title__contains=received.code)
    _dossier, pdf = counter.counter_receipt(tq.officer, received.code)
    assert pdf.startswith(b"%PDF-")
    rows = dict(counter.assistance_rows(received))
    assert rows["Cán bộ tiếp nhận"] == f"Hoàng Văn Tiếp — {OFFICER_ID}"
    assert rows["Hình thức nộp"] == "Trực tiếp"
    # The officer's draft access ends with the submission; the father owns the dossier.
    with pytest.raises(NotFound):
        counter.draft_of(tq.officer, received.code)
    father = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID)
    assert received in dossiers.mine(father)


def test_a_component_the_registry_replaces_is_not_scanned(tq):
    dossier = open_walk_in(tq)
    with pytest.raises(counter.InvalidInput, match="Nhà nước đã có"):
        counter.scan(
            tq.officer, dossier.draft_ref, component=ID_CARD, pages=[("cccd.jpg", jpeg_bytes())]
        )
    assert not DossierFile.objects.filter(dossier=dossier).exists()


def test_a_qr_code_that_differs_from_the_registry_is_refused(tq):
    forged = FATHER_QR.replace("Nguyễn Văn An", "Nguyễn Văn Ân").replace("12031985", "12031986")
    with pytest.raises(counter.IdentityMismatch, match="họ và tên, ngày sinh"):
        counter.open_at_counter(tq.officer, procedure_code=BIRTH, qr=forged, data=birth_data())
    assert not Dossier.objects.filter(applicant_id=PARENT_ID).exists()


def test_a_qr_code_that_is_not_a_chip_cards_is_refused(tq):
    with pytest.raises(counter.InvalidInput, match="không phải mã QR trên thẻ căn cước"):
        counter.identify(tq.officer, qr="https://example.vn/?id=001085012345")


def test_a_fake_scanned_page_is_refused_and_nothing_is_kept(tq):
    dossier = open_walk_in(tq)
    with pytest.raises(UploadRefused) as refused:
        counter.scan(
            tq.officer,
            dossier.draft_ref,
            component=BIRTH_CERTIFICATE,
            pages=[("trang-1.jpg", jpeg_bytes()), ("trang-2.jpg", b"<html>not a scan</html>")],
        )
    assert refused.value.reason == "unsupported-type"
    assert not DossierFile.objects.filter(dossier=dossier).exists()
    assert not Digitization.objects.filter(dossier=dossier).exists()


def test_new_pages_after_certification_withdraw_the_certification(tq):
    dossier = open_walk_in(tq)
    kwargs = {"component": BIRTH_CERTIFICATE}
    counter.scan(
        tq.officer, dossier.draft_ref, pages=[("a.jpg", jpeg_bytes())], certify=True, **kwargs
    )
    record = counter.scan(tq.officer, dossier.draft_ref, pages=[("b.png", _png())], **kwargs)
    assert record.pages == 2 and not record.certified and not record.copy_sha256


def _png() -> bytes:
    from motcua.dossiers.tests.helpers import png_bytes

    return png_bytes()


def test_a_digital_team_member_may_scan_but_not_certify(tq):
    consent = counter.record_signature_consent(
        tq.team,
        procedure_code=BIRTH,
        personal_id=PARENT_ID,
        signature_name="ky.png",
        signature=_png(),
    )
    dossier = counter.start_assisted(
        tq.team, consent_id=consent.id, receiving_unit=TQ_CENTRE, data=birth_data()
    )
    with pytest.raises(counter.PermissionDenied):
        counter.scan(
            tq.team,
            dossier.draft_ref,
            component=BIRTH_CERTIFICATE,
            pages=[("a.jpg", jpeg_bytes())],
            certify=True,
        )


# ---------------------------------------------------------------------------- assisted


def _code_sent_to(personal_id: str) -> str:
    from motcua.wallet.models import InboxMessage

    message = InboxMessage.objects.filter(
        recipient_id=personal_id, idempotency_key__startswith="assist-code:"
    ).latest("created_at")
    found = re.search(r"Mã xác nhận: (\d{6})", message.body)
    assert found, message.body
    return found.group(1)


def test_assisted_submission_without_the_persons_consent_is_refused(tq):
    with pytest.raises(counter.ConsentRequired):
        counter.start_assisted(tq.team, consent_id=None, receiving_unit=TQ_CENTRE)
    pending = counter.request_consent_code(tq.team, procedure_code=BIRTH, personal_id=PARENT_ID)
    with pytest.raises(counter.ConsentRequired):
        counter.start_assisted(tq.team, consent_id=pending.id, receiving_unit=TQ_CENTRE)
    wrong = "000000" if _code_sent_to(PARENT_ID) != "000000" else "111111"
    with pytest.raises(counter.ConsentCodeInvalid, match="còn 4 lần"):
        counter.confirm_consent_code(tq.team, pending.id, wrong)
    with pytest.raises(counter.ConsentRequired):
        counter.start_assisted(tq.team, consent_id=pending.id, receiving_unit=TQ_CENTRE)
    assert not Dossier.objects.filter(applicant_id=PARENT_ID).exists()


def test_the_code_is_kept_only_as_a_hash_and_locks_after_five_wrong_tries(tq):
    consent = counter.request_consent_code(tq.team, procedure_code=BIRTH, personal_id=PARENT_ID)
    code = _code_sent_to(PARENT_ID)
    stored = AssistConsent.objects.get(pk=consent.pk)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(counter.CODE_ATTEMPTS):
        with pytest.raises(counter.ConsentCodeInvalid):
            counter.confirm_consent_code(tq.team, consent.id, wrong)
    with pytest.raises(counter.ConsentCodeInvalid, match="hết hạn hoặc bị nhập sai"):
        counter.confirm_consent_code(tq.team, consent.id, code)
    assert AssistConsent.objects.get(pk=consent.pk).state == "failed"


def test_an_expired_code_gives_no_consent(tq):
    import datetime as dt

    from django.utils import timezone

    consent = counter.request_consent_code(tq.team, procedure_code=BIRTH, personal_id=PARENT_ID)
    code = _code_sent_to(PARENT_ID)
    AssistConsent.objects.filter(pk=consent.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(counter.ConsentCodeInvalid):
        counter.confirm_consent_code(tq.team, consent.id, code)


def test_with_consent_the_person_owns_the_assisted_dossier_and_the_helper_loses_it(tq):
    from motcua.dossiers.tests.helpers import attach_required

    consent = counter.request_consent_code(tq.team, procedure_code=BIRTH, personal_id=PARENT_ID)
    counter.confirm_consent_code(tq.team, consent.id, _code_sent_to(PARENT_ID))
    draft = counter.start_assisted(
        tq.team, consent_id=consent.id, receiving_unit=TQ_CENTRE, data=birth_data()
    )
    registry_consent(tq.team, draft)
    helper_as_applicant = dossiers.Applicant(
        subject_id=PARENT_ID, actor_id=TEAM_ID, basis="assisted"
    )
    attach_required(helper_as_applicant, draft)
    submitted = counter.submit_assisted(tq.team, draft.draft_ref)

    assert submitted.status == "submitted" and submitted.channel == Dossier.Channel.ASSISTED
    shown = counter.assistance(submitted)
    assert shown["applicant_name"] == "Nguyễn Văn An"
    assert shown["assisted_by_name"] == "Nông Thị Số"
    assert shown["consent"].startswith("Mã xác nhận một lần lúc")
    # The father sees it as his own and can act on it.
    father = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID)
    assert [d.code for d in dossiers.mine(father)] == [submitted.code]
    dossiers.withdraw(father, submitted.code, "Nộp nhầm")
    # The helper does not: not as a citizen, not at the counter.
    helper_as_citizen = dossiers.Applicant(subject_id=TEAM_ID, actor_id=TEAM_ID)
    assert dossiers.mine(helper_as_citizen) == []
    with pytest.raises(NotFound):
        dossiers.get_for(helper_as_citizen, submitted.code)
    with pytest.raises(NotFound):
        counter.draft_of(tq.team, submitted.code)
    with pytest.raises(NotFound):
        counter.submit_assisted(tq.team, submitted.draft_ref)


def test_a_consent_serves_one_dossier_only(tq):
    consent = counter.record_signature_consent(
        tq.team,
        procedure_code=BIRTH,
        personal_id=PARENT_ID,
        signature_name="ky.png",
        signature=_png(),
    )
    counter.start_assisted(tq.team, consent_id=consent.id, receiving_unit=TQ_CENTRE)
    with pytest.raises(counter.ConsentRequired):
        counter.start_assisted(tq.team, consent_id=consent.id, receiving_unit=TQ_CENTRE)


def test_a_signature_that_is_not_an_image_gives_no_consent(tq):
    with pytest.raises(UploadRefused):
        counter.record_signature_consent(
            tq.team,
            procedure_code=BIRTH,
            personal_id=PARENT_ID,
            signature_name="ky.pdf",
            signature=pdf_bytes(),
        )
    assert not AssistConsent.objects.exists()


def test_a_specialist_may_not_assist(tq):
    with pytest.raises(counter.PermissionDenied):
        counter.request_consent_code(tq.specialist, procedure_code=BIRTH, personal_id=PARENT_ID)


# ---------------------------------------------------------------------------- paper results


def test_a_paper_result_is_digitized_certified_into_the_e_wallet_and_reused(tq):
    import datetime as dt

    from motcua.wallet.models import WalletDocument

    record = counter.digitize_paper_result(
        tq.officer,
        qr=FATHER_QR,
        title="Giấy khai sinh (bản chính giấy)",
        issuer_name="Ủy ban nhân dân phường Hoàn Kiếm",
        issued_on=dt.date(1985, 4, 1),
        number="123/1985",
        pages=[("khai-sinh.jpg", jpeg_bytes())],
    )
    assert record.kind == "result" and record.certified and record.pages == 1
    document = WalletDocument.objects.get(pk=record.wallet_document)
    assert document.owner_id == PARENT_ID and document.data["chung_thuc_tu_ban_chinh"] is True
    assert document.sha256 == record.copy_sha256
    assert [c.pk for c in counter.certified_copies(PARENT_ID)] == [record.pk]

    # A later online dossier takes the certified copy instead of paper.
    father = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
    draft = dossiers.create_draft(father, BIRTH, "01.00070.tthcc", {})
    added = counter.reuse_certified_copy(
        father, draft.reference, component=BIRTH_CERTIFICATE, digitization_id=record.pk
    )
    assert [f.sha256 for f in added] == record.page_hashes
    stranger = dossiers.Applicant(subject_id="079090012348", actor_id="079090012348")
    with pytest.raises(NotFound):
        counter.reuse_certified_copy(
            stranger, draft.reference, component=BIRTH_CERTIFICATE, digitization_id=record.pk
        )


def test_codes_to_one_person_are_limited(tq):
    for _ in range(counter.CODES_PER_TTL):
        counter.request_consent_code(tq.team, procedure_code=BIRTH, personal_id=PARENT_ID)
    with pytest.raises(counter.Conflict, match="nhiều mã xác nhận"):
        counter.request_consent_code(tq.officer, procedure_code=BIRTH, personal_id=PARENT_ID)


def test_an_official_who_lost_the_role_no_longer_reaches_the_draft(tq):
    from motcua.identity import services as identity

    dossier = open_walk_in(tq)
    identity.appoint_official(
        personal_id=OFFICER_ID, agency_code=TQ_CENTRE, roles=["specialist"], actor="test"
    )
    with pytest.raises(NotFound):
        counter.draft_of(counter.official(OFFICER_ID), dossier.draft_ref)
