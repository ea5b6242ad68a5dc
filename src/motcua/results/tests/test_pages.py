"""The public verification pages: a result's page shows its issuer, date, signer and status
and checks an uploaded copy; the general page checks any PDF."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.results import services

from .conftest import received_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(leader):
    document = services.issue_for_dossier(received_dossier().code, signer_personal_id=leader)
    with document.file.open("rb") as handle:
        return document, handle.read()


def _upload(content: bytes, name: str = "ket-qua.pdf") -> dict:
    return {"tep": SimpleUploadedFile(name, content, content_type="application/pdf")}


def test_the_result_page_shows_issuer_date_signer_and_status(client, issued):
    document, _pdf = issued
    page = client.get(f"/xac-thuc/{document.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "TRÍCH LỤC KHAI SINH" in html
    assert "Ủy ban nhân dân Phường Hoàn Kiếm" in html
    assert document.issued_at.astimezone(services.VN_TZ).strftime("%d/%m/%Y") in html
    assert "Phạm Thị Lãnh Đạo" in html
    assert "Còn hiệu lực" in html
    assert "Nguyễn Minh Khang" not in html  # no personal data on a public page


def test_a_revoked_result_page_says_so(client, issued, leader):
    document, _pdf = issued
    services.revoke_document(document.pk, actor=leader, reason="Cấp nhầm")
    assert "Đã thu hồi" in client.get(f"/xac-thuc/{document.pk}/").content.decode()


def test_uploading_the_issued_copy_confirms_it(client, issued):
    document, pdf = issued
    html = client.post(f"/xac-thuc/{document.pk}/", _upload(pdf)).content.decode()
    assert "Tệp hợp lệ" in html


def test_uploading_a_modified_copy_gives_the_reasons(client, issued):
    from .test_signing import _tamper

    document, pdf = issued
    html = client.post("/xac-thuc/", _upload(_tamper(pdf))).content.decode()
    assert "Tệp không hợp lệ" in html
    assert "bị sửa sau khi ký" in html
    assert "Không phải tài liệu đã cấp" in html


def test_a_non_pdf_upload_is_refused_with_a_message(client, db):
    page = client.post("/xac-thuc/", _upload(b"GIF89a....", name="anh.pdf"))
    assert page.status_code == 400
    assert "chỉ PDF" in page.content.decode()


def test_an_unknown_result_is_not_found(client, db):
    page = client.get("/xac-thuc/6f1c2b1e-0000-4000-8000-000000000000/")
    assert page.status_code == 404
    assert "Không tìm thấy kết quả" in page.content.decode()
