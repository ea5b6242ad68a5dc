"""The counter's pages (/can-bo/quay/) for a logged-in official: a QR code that differs from
the registry is refused on the page; a community digital technology team member gets the
person's consent by a code, opens the draft and sees both names; a paper result goes into
the owner's e-wallet."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.backoffice.oidc import SESSION_OFFICIAL
from motcua.dossiers.models import AssistConsent, Dossier
from motcua.dossiers.tests.conftest import PARENT_ID, world  # noqa: F401
from motcua.dossiers.tests.test_counter import (  # noqa: F401 - fixtures used by name
    BIRTH,
    FATHER_QR,
    OFFICER_ID,
    TEAM_ID,
    TQ_CENTRE,
    TQ_COMMITTEE,
    _code_sent_to,
    counter_ca,
    jpeg_bytes,
    tq,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tq")]


def logged_in(client, personal_id: str, agency: str, role: str):
    session = client.session
    session[SESSION_OFFICIAL] = {
        "personal_id": personal_id,
        "agency_code": agency,
        "roles": [role],
        "name": "",
    }
    session.save()
    return client


def test_a_qr_code_that_differs_from_the_registry_is_refused_on_the_counter_page(client):
    desk = logged_in(client, OFFICER_ID, TQ_CENTRE, "one_stop_officer")
    assert "Đối chiếu và mở tờ khai" in desk.get("/can-bo/quay/").content.decode()
    forged = FATHER_QR.replace("12031985", "13031985")
    page = desk.post("/can-bo/quay/", {"qr": forged, "procedure": BIRTH})
    assert page.status_code == 400
    assert "không khớp với Cơ sở dữ liệu quốc gia về dân cư: ngày sinh" in page.content.decode()
    assert not Dossier.objects.exists()
    opened = desk.post("/can-bo/quay/", {"personal_id": PARENT_ID, "procedure": BIRTH})
    assert opened.status_code == 302
    form = desk.get(opened["Location"]).content.decode()
    assert "Nhà nước đã có, không phải nộp giấy" in form
    assert "Tiếp nhận hồ sơ" in form


def test_a_team_member_gets_consent_by_code_and_the_draft_shows_both_names(client):
    team = logged_in(client, TEAM_ID, TQ_COMMITTEE, "digital_team")
    asked = team.post(
        "/can-bo/quay/ho-tro/", {"personal_id": PARENT_ID, "procedure": BIRTH, "method": "code"}
    )
    assert asked.status_code == 302, asked.content.decode()[:2000]
    consent = AssistConsent.objects.get()
    wrong = "000000" if _code_sent_to(PARENT_ID) != "000000" else "111111"
    refused = team.post(asked["Location"], {"action": "confirm", "code": wrong})
    assert refused.status_code == 400 and "Mã xác nhận không đúng" in refused.content.decode()
    team.post(asked["Location"], {"action": "confirm", "code": _code_sent_to(PARENT_ID)})
    page = team.get(asked["Location"]).content.decode()
    assert TQ_CENTRE in page  # the ward's centre is offered first
    started = team.post(asked["Location"], {"action": "start", "receiving_unit": TQ_CENTRE})
    assert started.status_code == 302
    draft = team.get(started["Location"]).content.decode()
    assert "Nguyễn Văn An" in draft and "Nông Thị Số" in draft
    assert "Nộp hồ sơ thay người dân" in draft and "Tiếp nhận hồ sơ</button>" not in draft
    consent.refresh_from_db()
    assert consent.dossier is not None and consent.dossier.channel == "assisted"


def test_a_paper_result_is_digitized_into_the_e_wallet_from_the_page(client):
    from motcua.wallet.models import WalletDocument

    desk = logged_in(client, OFFICER_ID, TQ_CENTRE, "one_stop_officer")
    page = desk.post(
        "/can-bo/quay/ket-qua-giay/",
        {
            "qr": FATHER_QR,
            "title": "Giấy chứng nhận kết hôn",
            "issuer_name": "Ủy ban nhân dân phường Hoàn Kiếm",
            "issued_on": "2010-05-20",
            "pages": [SimpleUploadedFile("ket-hon.jpg", jpeg_bytes(), "image/jpeg")],
        },
    )
    assert page.status_code == 200, page.content.decode()[:2000]
    assert "vào ví giấy tờ của Nguyễn Văn An" in page.content.decode()
    assert WalletDocument.objects.filter(
        owner_id=PARENT_ID, title="Giấy chứng nhận kết hôn"
    ).exists()


def test_a_specialist_cannot_open_a_counter_dossier(client):
    desk = logged_in(client, "008090000102", TQ_COMMITTEE, "specialist")
    page = desk.post("/can-bo/quay/", {"personal_id": PARENT_ID, "procedure": BIRTH})
    assert page.status_code == 400
    assert "Chỉ cán bộ một cửa" in page.content.decode()


def test_the_person_consents_to_the_registry_reads_by_a_code_on_the_counter_page(client):
    desk = logged_in(client, OFFICER_ID, TQ_CENTRE, "one_stop_officer")
    opened = desk.post("/can-bo/quay/", {"personal_id": PARENT_ID, "procedure": BIRTH})
    form = opened["Location"]
    refused = desk.post(form, {"action": "consent_confirm", "code": "123456"})
    assert refused.status_code == 400 and "Chưa gửi mã xác nhận" in refused.content.decode()
    desk.post(form, {"action": "consent_code"})
    assert "Xác nhận mã" in desk.get(form).content.decode()
    done = desk.post(form, {"action": "consent_confirm", "code": _code_sent_to(PARENT_ID)})
    assert done.status_code == 302
    assert "dữ liệu đã được điền sẵn" in desk.get(form).content.decode()
