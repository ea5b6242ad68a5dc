"""Issuing a dossier's result: the procedure's template, delivery to the applicant's
e-wallet once with structured data, the audit and outbox entries, Vietnamese text."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from motcua.audit.models import AuditEntry
from motcua.core.tests.qr import needs_pdftoppm, qr_payloads
from motcua.notify.models import OutboxEvent
from motcua.results import services
from motcua.results.errors import ResultNotIssuable, SignerNotAllowed
from motcua.results.models import ResultDocument
from motcua.wallet.models import WalletDocument

from .conftest import MOTHER_ID, PARENT_ID, RESIDENCE, received_dossier

pytestmark = pytest.mark.django_db


def test_issuing_twice_delivers_one_document_to_the_wallet_with_structured_data(leader):
    dossier = received_dossier()
    first = services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    second = services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    assert first.pk == second.pk
    assert ResultDocument.objects.filter(dossier_code=dossier.code).count() == 1
    wallet = WalletDocument.objects.get(owner_id=PARENT_ID, idempotency_key=f"result:{first.pk}")
    assert WalletDocument.objects.filter(owner_id=PARENT_ID, title=first.title).count() == 1
    assert wallet.sha256 == first.sha256 and wallet.content_type == "application/pdf"
    assert wallet.data["child"]["full_name"] == "Nguyễn Minh Khang"
    assert wallet.data["child"]["birth_date"] == "2025-01-15"
    assert wallet.data["father_personal_id"] == PARENT_ID
    assert wallet.data["mother_personal_id"] == MOTHER_ID
    assert wallet.data["verify_url"] == f"https://dichvucong.example.vn/xac-thuc/{first.pk}/"
    assert first.template_code == "trich-luc-khai-sinh" and first.template_version == 1
    assert first.title == "TRÍCH LỤC KHAI SINH"


def test_a_birth_is_announced_for_the_population_registry_once(leader):
    dossier = received_dossier()
    services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    events = OutboxEvent.objects.filter(topic="results.birth_registered")
    assert events.count() == 1
    assert events.get().payload["child"]["full_name"] == "Nguyễn Minh Khang"
    assert OutboxEvent.objects.filter(topic="results.issued").count() == 1
    assert AuditEntry.objects.filter(action="results.document.issued").count() == 1


def test_another_procedure_uses_its_own_template_and_no_birth_event(leader):
    dossier = received_dossier(RESIDENCE)
    document = services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    assert document.template_code == "xac-nhan-cu-tru"
    assert document.title == "GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"
    assert document.data["person"]["personal_id"] == PARENT_ID
    assert document.data["valid_until"]
    assert not OutboxEvent.objects.filter(topic="results.birth_registered").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext missing")
def test_the_vietnamese_text_of_the_result_is_extractable(leader, tmp_path):
    document = services.issue_for_dossier(received_dossier().code, signer_personal_id=leader)
    path = tmp_path / "r.pdf"
    with document.file.open("rb") as handle:
        path.write_bytes(handle.read())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TRÍCH LỤC KHAI SINH",
        "Nguyễn Minh Khang",
        "Bệnh viện Phụ sản Hà Nội",
        "Phạm Thị Lãnh Đạo",
        f"/xac-thuc/{document.pk}/",
    ):
        assert words in text, words


def test_only_a_leader_signs_a_result(officer):
    with pytest.raises(SignerNotAllowed):
        services.issue_for_dossier(received_dossier().code, signer_personal_id=officer)
    assert not ResultDocument.objects.exists()


def test_a_withdrawn_dossier_gets_no_result(leader):
    from motcua.dossiers import services as dossiers

    dossier = received_dossier()
    applicant = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID)
    dossiers.withdraw(applicant, dossier.code, "Không cần nữa")
    with pytest.raises(ResultNotIssuable):
        services.issue_for_dossier(dossier.code, signer_personal_id=leader)


def test_revoked_and_replaced_results_fail_verification(leader):
    dossier = received_dossier()
    first = services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    with first.file.open("rb") as handle:
        first_pdf = handle.read()
    second = services.replace_document(
        first.pk, signer_personal_id=leader, reason="Sai quê quán", data={}
    )
    first.refresh_from_db()
    assert first.status == "replaced" and first.replaced_by == second
    assert services.issue_for_dossier(dossier.code, signer_personal_id=leader) == second
    replaced = services.verify_pdf(first_pdf)
    assert not replaced.valid and replaced.status == "replaced"
    assert "Kết quả đã được thay thế bằng một kết quả khác." in replaced.reasons

    services.revoke_document(second.pk, actor=leader, reason="Cấp sai thẩm quyền")
    with second.file.open("rb") as handle:
        revoked = services.verify_pdf(handle.read())
    assert not revoked.valid and revoked.status == "revoked"
    assert any("thu hồi" in r for r in revoked.reasons)


def test_the_owners_wallet_shows_revoked_and_replaced_results_as_no_longer_valid(leader):
    from motcua.wallet.models import WalletDocument

    dossier = received_dossier()
    first = services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    second = services.replace_document(first.pk, signer_personal_id=leader, reason="Sai", data={})

    def in_wallet(document):
        return WalletDocument.objects.get(idempotency_key=f"result:{document.pk}")

    assert not in_wallet(first).is_valid and in_wallet(first).status == "revoked"
    assert in_wallet(second).is_valid
    services.revoke_document(second.pk, actor=leader, reason="Cấp sai thẩm quyền")
    assert not in_wallet(second).is_valid
    assert WalletDocument.objects.filter(owner_id=first.owner_id).count() == 2  # kept, marked


@needs_pdftoppm
def test_the_results_qr_code_opens_its_verification_page_on_the_public_address(leader, settings):
    settings.MOTCUA_PUBLIC_URL = "http://127.0.0.1:8123"
    document = services.issue_for_dossier(received_dossier().code, signer_personal_id=leader)
    with document.file.open("rb") as handle:
        pdf = handle.read()

    assert qr_payloads(pdf) == [f"http://127.0.0.1:8123/xac-thuc/{document.pk}/"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext missing")
def test_a_result_issued_in_the_vietnamese_night_carries_the_vietnamese_date(leader, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from motcua.dossiers.tests.helpers import pdf_text

    dossier = received_dossier()
    late = dt.datetime(2026, 12, 2, 20, 0, tzinfo=dt.UTC)  # 03:00 on 3 December in Hà Nội
    monkeypatch.setattr(timezone, "now", lambda: late)
    document = services.issue_for_dossier(dossier.code, signer_personal_id=leader)
    with document.file.open("rb") as handle:
        text = " ".join(pdf_text(handle.read()).split())
    assert "03/12/2026" in text
    assert "02/12/2026" not in text
