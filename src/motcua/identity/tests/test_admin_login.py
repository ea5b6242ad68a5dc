"""The admin is reached only through the provider's login (password + TOTP) at level 2."""

import pyotp
import pytest
from django.contrib.auth import get_user_model

from motcua.identity.testing import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/dinh-danh/dang-nhap/"


@pytest.fixture
def operator():
    return get_user_model().objects.create_superuser(
        "quantri",
        password=PASSWORD,
        assurance_level=2,
        totp_secret=pyotp.random_base32(),
    )


def idp_login(client, account, password=PASSWORD, code=None, ip="10.0.0.1"):
    return client.post(
        LOGIN,
        {
            "identifier": account.username,
            "password": password,
            "code": code or pyotp.TOTP(account.totp_secret).now(),
            "next": "/admin/",
        },
        REMOTE_ADDR=ip,
    )


def test_the_admin_password_form_never_logs_anyone_in(client, operator):
    for _ in range(30):
        client.post("/admin/login/", {"username": "quantri", "password": "sai-mat-khau"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "quantri", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_password_session_without_the_providers_second_factor_is_refused(client, operator):
    client.force_login(operator)  # what a password-only login would have given
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_get_into_the_admin_with_password_and_totp(client, operator):
    response = idp_login(client, operator)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/identity/account/").status_code == 200


def test_a_level_one_staff_account_is_not_let_into_the_admin(client, operator):
    operator.assurance_level = 1
    operator.save()
    idp_login(client, operator)
    assert client.get("/admin/").status_code == 302


def test_a_wrong_code_keeps_the_operator_out(client, operator):
    code = pyotp.TOTP(operator.totp_secret).now()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert idp_login(client, operator, code=wrong).status_code == 401
    assert client.get("/admin/").status_code == 302


def test_the_demo_administrator_logs_in_with_the_code_its_phone_shows(client, settings, tmp_path):
    import io
    import re
    import stat

    from motcua.demo.management.commands.load_demo import Command

    settings.VAR_DIR = tmp_path
    Command(stdout=io.StringIO())._demo_admin()
    kept = tmp_path / "demo-admin.txt"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    password = re.search(r"password: (\S+)", kept.read_text()).group(1)
    code = re.search(r"\b(\d{6})\b", client.get("/dien-thoai/admin/").content.decode()).group(1)
    response = client.post(
        LOGIN,
        {"identifier": "admin", "password": password, "code": code, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
