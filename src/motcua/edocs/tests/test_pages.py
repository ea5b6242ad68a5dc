"""The officials' pages under /van-ban/: compose and send, the recipient registers and returns
a document with a reason, the sender sees the state; another agency gets a 404; login needed."""

from __future__ import annotations

import re

import pytest

from motcua.edocs import services
from motcua.edocs.models import Document

from .conftest import draft, me

pytestmark = pytest.mark.django_db


def login(client, personal_id):
    official = me(personal_id)
    session = client.session
    session["backoffice_official"] = {
        "personal_id": official.personal_id,
        "name": official.name,
        "agency_code": official.agency_code,
        "roles": list(official.roles),
    }
    session.save()


def test_compose_send_register_return_on_the_pages(client, hanoi, hcmc):
    login(client, hanoi.clerk)
    form = client.get("/van-ban/soan/")
    assert form.status_code == 200 and "Soạn và gửi văn bản" in form.content.decode()
    sent = client.post(
        "/van-ban/soan/",
        {
            "doc_type": "giay-moi",
            "summary": "Mời dự hội nghị tổng kết công tác hộ tịch",
            "recipients": hcmc.agency,
            "signer": hanoi.leader,
            "signer_position": "Giám đốc",
            "urgency": "urgent",
            "confidentiality": "normal",
            "body": "Thời gian: 8 giờ ngày 15/12.",
            "intent": "prepare",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    assert not Document.objects.exists()  # submitted for signing: no number, no signature
    client.logout()
    login(client, hanoi.leader)
    waiting = client.get("/van-ban/?so=du-thao").content.decode()
    assert "Văn Thư" in waiting
    page = client.get(sent["Location"]).content.decode()
    assert "Mời dự hội nghị" in page and "Ký số và ban hành" in page
    signed = client.post(sent["Location"], {"action": "sign"})
    assert signed.status_code == 302, signed.content.decode()[:2000]
    outgoing = Document.objects.get(owner_agency=hanoi.agency)
    assert outgoing.number_symbol == "01/GM-STP"

    client.logout()
    login(client, hcmc.clerk)
    inbox = client.get("/van-ban/").content.decode()
    assert "01/GM-STP" in inbox and "Mời dự hội nghị" in inbox
    copy = Document.objects.get(owner_agency=hcmc.agency)
    page = client.get(f"/van-ban/{copy.pk}/").content.decode()
    assert "Vào sổ văn bản đến" in page and "ký số PAdES" in page
    client.post(f"/van-ban/{copy.pk}/", {"action": "register"})
    refused = client.post(f"/van-ban/{copy.pk}/", {"action": "return", "reason": ""})
    assert refused.status_code == 400 and "Cần lý do trả lại" in refused.content.decode()
    client.post(f"/van-ban/{copy.pk}/", {"action": "return", "reason": "Sai nơi nhận"})
    pdf = client.get(f"/van-ban/{copy.pk}/tep/1/")
    assert pdf.content.startswith(b"%PDF-")

    client.logout()
    login(client, hanoi.clerk)
    page = client.get(f"/van-ban/{outgoing.pk}/").content.decode()
    assert "Bị trả lại: Sai nơi nhận" in page
    assert re.search(r"Đã vào sổ văn bản đến", page)


def test_another_agency_gets_not_found_and_anonymous_users_log_in(client, hanoi, hcmc, danang):
    sent = services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    anonymous = client.get(f"/van-ban/{sent.pk}/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/can-bo/dang-nhap/?next=%2Fvan-ban%2F{sent.pk}%2F"
    login(client, danang.clerk)
    assert client.get(f"/van-ban/{sent.pk}/").status_code == 404
    assert client.get(f"/van-ban/{sent.pk}/tep/1/").status_code == 404


def test_a_clerk_cannot_sign_in_the_leaders_name_on_the_pages(client, hanoi, hcmc):
    login(client, hanoi.clerk)
    form = {
        "doc_type": "cong-van",
        "summary": "V/v phối hợp xác minh",
        "recipients": hcmc.agency,
        "signer": hanoi.leader,
        "signer_position": "Giám đốc",
        "intent": "sign",
    }
    refused = client.post("/van-ban/soan/", form)
    assert refused.status_code == 403
    assert "Chỉ người ký tự ký số" in refused.content.decode()
    prepared = client.post("/van-ban/soan/", {**form, "intent": "prepare"})
    page = client.get(prepared["Location"]).content.decode()
    assert "Ký số và ban hành" not in page and "Đang chờ" in page
    stolen = client.post(prepared["Location"], {"action": "sign"})
    assert stolen.status_code == 403
    assert not Document.objects.exists()
