"""PAdES signing by an official's key from the local key store, and verification: a valid
signature, a tampered file, a file we never issued, revoked certificates."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from motcua.core.pdf import render_document
from motcua.results import services
from motcua.results.errors import CertificateRevoked, SignerNotAllowed
from motcua.results.models import SigningCertificate

from .conftest import received_dossier

pytestmark = pytest.mark.django_db


def _issued(leader: str) -> tuple[object, bytes]:
    document = services.issue_for_dossier(received_dossier().code, signer_personal_id=leader)
    with document.file.open("rb") as handle:
        return document, handle.read()


def _tamper(pdf: bytes) -> bytes:
    """Change one byte inside the first content stream: the file still parses."""
    start = pdf.index(b"stream\n", 200) + len(b"stream\n")
    data = bytearray(pdf)
    data[start + 20] ^= 0xFF
    return bytes(data)


def test_an_issued_result_verifies_as_valid(leader):
    document, pdf = _issued(leader)
    verification = services.verify_pdf(pdf)
    assert verification.valid, verification.reasons
    assert verification.document == document
    assert verification.signature_intact and verification.signature_trusted
    assert verification.signer_name == "Phạm Thị Lãnh Đạo"
    assert verification.status == "valid"
    assert verification.signed_at is not None


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_pdfsig_finds_a_valid_signature_by_the_leader(leader, tmp_path):
    _document, pdf = _issued(leader)
    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    report = out.stdout + out.stderr
    assert "Signature is Valid" in report, report
    assert "Phạm Thị Lãnh Đạo" in report
    assert "ETSI.CAdES.detached" in report  # PAdES


def test_a_byte_modified_result_fails_with_the_reason(leader):
    _document, pdf = _issued(leader)
    verification = services.verify_pdf(_tamper(pdf))
    assert not verification.valid
    assert verification.document is None
    assert any("bị sửa sau khi ký" in r for r in verification.reasons), verification.reasons
    assert any("Không phải tài liệu đã cấp" in r for r in verification.reasons)


def test_a_pdf_we_did_not_issue_fails_as_not_issued(leader):
    pdf = render_document(title="GIẤY KHAI SINH", issuer="Không rõ", rows=[("Họ tên", "X")])
    unsigned = services.verify_pdf(pdf)
    assert not unsigned.valid
    assert "Tệp không có chữ ký số." in unsigned.reasons
    # Even signed by one of our officials, a PDF that is not an issued result is refused.
    signed = services.verify_pdf(services.sign_pdf(pdf, signer_personal_id=leader))
    assert not signed.valid
    assert signed.signature_intact and signed.signature_trusted
    assert signed.reasons == [
        "Không phải tài liệu đã cấp: tệp không trùng khớp với kết quả nào do hệ thống cấp."
    ]


def test_garbage_is_reported_unreadable(db):
    verification = services.verify_pdf(b"%PDF-1.7\nnot really")
    assert not verification.valid
    assert "Tệp không đọc được như một tệp PDF." in verification.reasons


def test_signing_with_a_revoked_certificate_is_refused(leader):
    pdf = render_document(title="Thư xin lỗi", issuer="UBND", rows=[("Số", "1")])
    services.sign_pdf(pdf, signer_personal_id=leader)  # issues the certificate
    assert services.revoke_certificate(leader, "Lộ khóa bí mật") == 1
    with pytest.raises(CertificateRevoked):
        services.sign_pdf(pdf, signer_personal_id=leader)
    with pytest.raises(CertificateRevoked):
        services.issue_for_dossier(received_dossier().code, signer_personal_id=leader)


def test_a_result_signed_after_its_certificate_was_revoked_is_reported(leader):
    _document, pdf = _issued(leader)
    record = SigningCertificate.objects.get(personal_id=leader)
    # Revoked before the signing time (a compromise dated back; the signing time in the PDF
    # has whole seconds): the signature no longer counts.
    SigningCertificate.objects.filter(pk=record.pk).update(
        revoked_at=record.issued_at - dt.timedelta(seconds=1), revocation_reason="Lộ khóa"
    )
    verification = services.verify_pdf(pdf)
    assert not verification.valid and verification.certificate_revoked
    assert any("thu hồi trước thời điểm ký" in r for r in verification.reasons)


def test_a_result_signed_before_revocation_stays_valid(leader):
    _document, pdf = _issued(leader)
    services.revoke_certificate(leader, "Nghỉ hưu")
    verification = services.verify_pdf(pdf)
    assert verification.valid, verification.reasons


def test_only_officials_sign(world):
    from motcua.dossiers.tests.conftest import PARENT_ID

    with pytest.raises(SignerNotAllowed):
        services.sign_pdf(b"%PDF-1.7", signer_personal_id=PARENT_ID)


def test_the_official_certificate_names_the_official_and_the_ca_key_is_private(leader, settings):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    pdf = render_document(title="Văn bản", issuer="UBND", rows=[("Số", "1")])
    services.sign_pdf(pdf, signer_personal_id=leader)
    record = SigningCertificate.objects.get(personal_id=leader)
    cert = x509.load_pem_x509_certificate(record.certificate_pem.encode())
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == leader
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Phạm Thị Lãnh Đạo"
    assert "Hoàn Kiếm" in str(subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)
    assert "ENCRYPTED PRIVATE KEY" in record.key_pem_encrypted
    key_file = settings.RESULTS_CA_DIR / "ca-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert services.ensure_demo_ca() == settings.RESULTS_CA_DIR / "ca-cert.pem"  # idempotent
