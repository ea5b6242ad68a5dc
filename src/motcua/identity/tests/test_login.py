import json

import pyotp
import pytest
from django.test import override_settings

from motcua.audit.models import AuditEntry
from motcua.identity import services
from motcua.identity.testing import PASSWORD, make_person, totp_now

pytestmark = pytest.mark.django_db

LOGIN = "/dinh-danh/dang-nhap/"
SAME_MESSAGE = "Số định danh, mật khẩu hoặc mã xác thực không đúng"


def post_login(client, identifier, password, code, next_url="/", ip="10.0.0.1"):
    return client.post(
        LOGIN,
        {"identifier": identifier, "password": password, "code": code, "next": next_url},
        REMOTE_ADDR=ip,
    )


def wrong_code(account):
    code = totp_now(account)
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_login_page_is_vietnamese_with_labelled_fields(client):
    html = client.get(LOGIN).content.decode()
    assert "Đăng nhập bằng định danh điện tử" in html
    for field in ("id_identifier", "id_password", "id_code"):
        assert f'<label for="{field}">' in html


def test_person_logs_in_with_id_password_and_totp(client):
    person = make_person()
    response = post_login(client, person.username, PASSWORD, totp_now(person), "/thu-tuc/")
    assert response.status_code == 302
    assert response["Location"] == "/thu-tuc/"
    assert client.session["_auth_user_id"] == str(person.pk)
    assert AuditEntry.objects.filter(
        action="identity.login.succeeded", actor=person.username
    ).exists()


def test_login_never_redirects_off_site(client):
    person = make_person()
    response = post_login(
        client, person.username, PASSWORD, totp_now(person), "https://evil.example/"
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize("case", ["wrong-password", "wrong-code", "unknown-id", "malformed-id"])
def test_every_failure_gives_the_same_message(client, case):
    person = make_person()
    identifier, password, code = person.username, PASSWORD, totp_now(person)
    if case == "wrong-password":
        password = "not-the-password"
    elif case == "wrong-code":
        code = wrong_code(person)
    elif case == "unknown-id":
        identifier = "079301004567"
    else:
        identifier = "abc"
    response = post_login(client, identifier, password, code)
    assert response.status_code == 401
    assert SAME_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_totp_code_works_only_once(client):
    person = make_person()
    code = totp_now(person)
    assert post_login(client, person.username, PASSWORD, code).status_code == 302
    client.logout()
    response = post_login(client, person.username, PASSWORD, code)
    assert response.status_code == 401


def test_five_failures_lock_the_id_for_fifteen_minutes(client):
    person = make_person()
    for _ in range(services.MAX_FAILURES):
        assert post_login(client, person.username, "wrong", totp_now(person)).status_code == 401
    response = post_login(client, person.username, PASSWORD, totp_now(person))
    assert response.status_code == 429
    assert "tạm khóa 15 phút" in response.content.decode()
    assert AuditEntry.objects.filter(action="identity.login.locked", actor=person.username).exists()


def test_an_unknown_id_is_locked_the_same_way(client):
    for _ in range(services.MAX_FAILURES):
        assert post_login(client, "079301004567", "wrong", "123456").status_code == 401
    response = post_login(client, "079301004567", "wrong", "123456")
    assert response.status_code == 429
    assert "tạm khóa 15 phút" in response.content.decode()


def test_many_failures_from_one_address_are_throttled(client):
    person = make_person()
    for n in range(services.MAX_FAILURES_PER_IP):
        post_login(client, f"0010850{n:05d}", "wrong", "123456", ip="10.9.9.9")
    response = post_login(client, person.username, PASSWORD, totp_now(person), ip="10.9.9.9")
    assert response.status_code == 429
    assert (
        post_login(client, person.username, PASSWORD, totp_now(person), ip="10.1.1.1").status_code
        == 302
    )


def test_audit_entries_hold_no_password_or_code(client):
    person = make_person()
    code = wrong_code(person)
    post_login(client, person.username, "secret-guess-123", code)
    post_login(client, person.username, PASSWORD, totp_now(person))
    dumped = json.dumps(list(AuditEntry.objects.values("data")), ensure_ascii=False)
    assert "secret-guess-123" not in dumped and PASSWORD not in dumped and code not in dumped


def test_development_phone_shows_the_current_code(client):
    person = make_person()
    html = client.get(f"/dien-thoai/{person.username}/").content.decode()
    assert pyotp.TOTP(person.totp_secret).now() in html


@override_settings(MOTCUA_ENV="production")
def test_phone_page_is_404_under_production_settings(client):
    person = make_person()
    assert client.get(f"/dien-thoai/{person.username}/").status_code == 404
    assert "dien-thoai" not in client.get(LOGIN).content.decode()


def test_login_page_is_english_when_chosen(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(LOGIN).content.decode()
    assert "Log in with your digital ID" in html
    assert "Personal ID or enterprise code" in html


@pytest.mark.parametrize("code", ["١٢٣٤٥٦", "１２３４５６"])
def test_a_code_in_non_ascii_digits_is_a_wrong_code_not_a_server_error(client, code):
    person = make_person()
    response = post_login(client, person.username, PASSWORD, code)
    assert response.status_code == 401
    assert SAME_MESSAGE in response.content.decode()
