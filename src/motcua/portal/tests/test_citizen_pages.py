"""The logged-in person's portal pages: switching to acting for a child, the wallet and inbox,
mandates (revoked mid-session), "my data" and the applications they allowed."""

import datetime

import pytest
from django.utils import timezone

from motcua.audit.models import AuditEntry
from motcua.exchange import selectors as exchange_selectors
from motcua.identity import services as identity
from motcua.identity.models import ClientConsent
from motcua.identity.testing import CHILD_ID, make_client, make_person, registry_family
from motcua.wallet import selectors as wallet_selectors
from motcua.wallet import services as wallet

pytestmark = pytest.mark.django_db


def log_in(client, account, level=None):
    session = client.session
    session["portal_citizen"] = {
        "sub": str(account.sub),
        "name": account.full_name,
        "personal_id": account.username,
        "subject_kind": account.kind,
        "acr": f"urn:motcua:loa:{level or account.assurance_level}",
        "auth_time": int(timezone.now().timestamp()),
    }
    session.save()


def doc(owner, key, title):
    return wallet.add_document(
        owner_id=owner,
        title=title,
        issuer_name="UBND phường Hoàn Kiếm",
        issued_on=datetime.date(2020, 1, 1),
        content=b"{}",
        filename="giay-to.json",
        content_type="application/json",
        key=key,
        actor="test",
    )


@pytest.fixture
def parent(db):
    registry_family()
    account = make_person()
    doc(account.username, "p1", "Giấy xác nhận cư trú")
    doc(CHILD_ID, "c1", "Giấy khai sinh")
    return account


def test_pages_need_a_login(client):
    response = client.get("/vi-giay-to/")
    assert (
        response.status_code == 302 and "/dang-nhap/?next=%2Fvi-giay-to%2F" in response["Location"]
    )


def test_parent_switches_to_acting_for_the_child_and_back(client, parent):
    log_in(client, parent)
    page = client.get("/thuc-hien-thay/").content.decode()
    assert "Nguyễn Minh Khang" in page and "Công ty TNHH Một Cửa Demo" in page

    switched = client.post(
        "/thuc-hien-thay/", {"subject_id": CHILD_ID, "basis": "parent"}, follow=True
    )
    text = switched.content.decode()
    assert "Đang thực hiện thay cho: <strong>Nguyễn Minh Khang</strong>" in text
    assert "Giấy khai sinh" in text and "Giấy xác nhận cư trú" not in text

    child_doc = wallet_selectors.documents_of(CHILD_ID).get()
    assert client.get(f"/vi-giay-to/{child_doc.id}/tai-ve/").status_code == 200
    entry = AuditEntry.objects.get(action="wallet.document.downloaded")
    assert (entry.actor, entry.acting_for) == (parent.username, CHILD_ID)

    client.post("/thuc-hien-thay/", {"action": "stop"})
    assert "Giấy xác nhận cư trú" in client.get("/vi-giay-to/").content.decode()


def test_a_withdrawn_document_is_shown_as_revoked_in_the_wallet(client, parent):
    wallet.revoke_document("p1", actor="test", reason="Cấp nhầm")
    log_in(client, parent)
    page = client.get("/vi-giay-to/").content.decode()
    assert "Giấy xác nhận cư trú" in page and "Đã thu hồi" in page


def test_a_stranger_cannot_switch_to_the_child(client, parent):
    stranger = make_person("038090001122", full_name="Lê Minh Cường")
    log_in(client, stranger)
    response = client.post("/thuc-hien-thay/", {"subject_id": CHILD_ID, "basis": "parent"})
    assert response.status_code == 403
    assert "không có căn cứ" in response.content.decode()
    assert "portal_acting" not in client.session


def test_a_level_1_session_is_asked_to_step_up(client, parent):
    log_in(client, parent, level=1)
    response = client.post("/thuc-hien-thay/", {"subject_id": CHILD_ID, "basis": "parent"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "mức độ 2" in text and "/dang-nhap/?acr=2" in text


def test_another_persons_document_is_not_found_in_the_portal(client, parent):
    other = doc("038090001122", "o1", "Của người khác")
    log_in(client, parent)
    assert client.get(f"/vi-giay-to/{other.id}/tai-ve/").status_code == 404


def test_a_mandate_revoked_mid_session_ends_the_acting_at_once(client, db):
    grantor = make_person("079301004567", full_name="Trần Thị Bình", level=1)
    grantee = make_person("038090001122", full_name="Lê Minh Cường")
    wallet.send_message(
        recipient_id=grantor.username, title="Thư của Bình", body=".", key="b1", actor="t"
    )
    mandate = identity.create_mandate(
        grantor,
        grantee.username,
        ["*"],
        timezone.now() + datetime.timedelta(days=5),
        level=2,
        auth_time=timezone.now(),
    )
    log_in(client, grantee)
    client.post(
        "/thuc-hien-thay/",
        {"subject_id": grantor.username, "basis": "mandate", "mandate": mandate.pk},
    )
    assert "Thư của Bình" in client.get("/hop-thu/").content.decode()

    identity.revoke_mandate(grantor, mandate.pk)

    page = client.get("/hop-thu/").content.decode()
    assert "Thư của Bình" not in page
    assert "không còn hiệu lực" in page


def test_a_level_1_session_cannot_give_a_mandate_in_the_portal(client, db):
    grantor = make_person("079301004567", full_name="Trần Thị Bình", level=1)
    make_person("038090001122", full_name="Lê Minh Cường")
    log_in(client, grantor)
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    refused = client.post(
        "/uy-quyen/", {"grantee": "038090001122", "scope": "*", "valid_until": until}
    )
    assert refused.status_code == 403 and "đăng nhập lại" in refused.content.decode()
    assert identity.mandates_given(grantor) == []


def test_person_gives_and_revokes_a_mandate_in_the_portal(client, db):
    grantor = make_person("079301004567", full_name="Trần Thị Bình")
    make_person("038090001122", full_name="Lê Minh Cường")
    log_in(client, grantor)
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    created = client.post(
        "/uy-quyen/", {"grantee": "038090001122", "scope": "1.001193", "valid_until": until}
    )
    assert created.status_code == 302
    mandate = identity.mandates_given(grantor)[0]
    assert mandate.scope == ["1.001193"]
    client.post(f"/uy-quyen/{mandate.pk}/thu-hoi/")
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    bad = client.post("/uy-quyen/", {"grantee": "079301004567", "scope": "*", "valid_until": until})
    assert bad.status_code == 400 and "chính mình" in bad.content.decode()


def test_inbox_marks_a_message_read(client, db):
    person = make_person()
    message = wallet.send_message(
        recipient_id=person.username,
        title="Kết quả hồ sơ",
        body="Đã có kết quả",
        key="r1",
        actor="t",
        kind="result",
    )
    log_in(client, person)
    assert "1 thông báo chưa đọc" in client.get("/hop-thu/").content.decode()
    client.post(f"/hop-thu/{message.id}/da-doc/")
    message.refresh_from_db()
    assert message.read_at is not None


def test_my_data_shows_who_read_what_and_manages_consent(client, parent):
    identity.acting_options(parent)  # identity reads the registries about this person
    log_in(client, parent)
    page = client.get("/du-lieu-cua-toi/").content.decode()
    assert "population.person.children" in page and "identity.acting_for" in page
    assert "chính bạn" in page  # on whose behalf identity read it
    client.post("/du-lieu-cua-toi/", {"purpose": "1.001193", "service": ""})
    consent = exchange_selectors.consents_of(parent.username).get()
    client.post("/du-lieu-cua-toi/", {"action": "revoke", "consent": consent.pk})
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_applications_page_lists_and_revokes_consents(client, db):
    from oauth2_provider.models import get_application_model

    person = make_person()
    make_client("ext", "https://dichvu.example.vn/cb")
    application = get_application_model().objects.get(client_id="ext")
    identity.record_client_consent(person, application, ["openid", "profile"])
    log_in(client, person)
    assert "Test ext" in client.get("/ung-dung-da-cap-quyen/").content.decode()
    consent = ClientConsent.objects.get()
    client.post("/ung-dung-da-cap-quyen/", {"consent": consent.pk})
    consent.refresh_from_db()
    assert consent.revoked_at is not None
