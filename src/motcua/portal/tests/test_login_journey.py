"""A person logs in to the portal through the identity provider and out again. The portal
talks to the provider over real HTTP (live_server), as it would to an external one."""

import re
from urllib.parse import urljoin

import pytest
import requests
from django.test import override_settings

from motcua.identity.testing import CLIENT_SECRET, make_client, make_person, submit_login_form


@pytest.mark.django_db(transaction=True)
def test_person_logs_in_to_the_portal_and_out_again(live_server):
    base = live_server.url
    person = make_person()
    make_client("portal-test", f"{base}/dang-nhap/callback", f"{base}/")
    browser = requests.Session()
    with override_settings(
        OIDC_ISSUER=base, OIDC_CLIENT_ID="portal-test", OIDC_CLIENT_SECRET=CLIENT_SECRET
    ):
        home = browser.get(f"{base}/", timeout=10)
        assert "Đăng nhập" in home.text and "Nguyễn Văn An" not in home.text

        login_page = browser.get(f"{base}/dang-nhap/?next=/thu-tuc/", timeout=10)
        assert "/dinh-danh/dang-nhap/" in login_page.url
        after_login = submit_login_form(browser, login_page, person)
        assert after_login.status_code == 302
        page = browser.get(urljoin(base, after_login.headers["Location"]), timeout=10)
        assert page.url == f"{base}/thu-tuc/", page.text[:2000]
        assert "Nguyễn Văn An" in page.text
        assert "Đăng xuất" in page.text

        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        out = browser.post(
            f"{base}/dang-xuat/",
            data={"csrfmiddlewaretoken": csrf},
            headers={"Referer": page.url},
            timeout=10,
        )
        assert out.url == f"{base}/"
        assert "Nguyễn Văn An" not in out.text
        assert "Đăng nhập" in out.text


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["forged", "réal"])
def test_callback_with_a_forged_state_logs_no_one_in(client, state):
    session = client.session
    session["portal_oidc_pending"] = {"state": "real", "nonce": "n", "verifier": "v", "started": 0}
    session.save()
    response = client.get("/dang-nhap/callback", {"state": state, "code": "c"})
    assert response.status_code == 400
    assert "Phiên đăng nhập không hợp lệ" in response.content.decode()
    assert "portal_citizen" not in client.session


@pytest.mark.django_db
def test_unreachable_provider_gives_a_clear_page(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    response = client.get("/dang-nhap/")
    assert response.status_code == 502
    assert "Không kết nối được với hệ thống định danh" in response.content.decode()


@pytest.mark.django_db
def test_logout_needs_post(client):
    assert client.get("/dang-xuat/").status_code == 405
