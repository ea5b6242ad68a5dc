"""End to end over real HTTP: a parent logs in to the portal through the identity provider,
switches to acting for their minor child, opens the child's wallet and switches back."""

import re
from urllib.parse import urljoin

import pytest
import requests
from django.test import override_settings

from motcua.identity.testing import (
    CHILD_ID,
    CLIENT_SECRET,
    make_client,
    make_person,
    registry_family,
    submit_login_form,
)
from motcua.wallet import services as wallet

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.mark.django_db(transaction=True)
def test_parent_logs_in_and_acts_for_their_child(live_server):
    base = live_server.url
    registry_family()
    parent = make_person()
    wallet.send_message(
        recipient_id=CHILD_ID, title="Thư gửi con", body=".", key="j1", actor="test"
    )
    make_client("portal-test", f"{base}/dang-nhap/callback", f"{base}/")
    browser = requests.Session()
    with override_settings(
        OIDC_ISSUER=base, OIDC_CLIENT_ID="portal-test", OIDC_CLIENT_SECRET=CLIENT_SECRET
    ):
        login_page = browser.get(f"{base}/dang-nhap/?next=/thuc-hien-thay/", timeout=10)
        after_login = submit_login_form(browser, login_page, parent)
        page = browser.get(urljoin(base, after_login.headers["Location"]), timeout=10)
        assert page.url == f"{base}/thuc-hien-thay/" and "Nguyễn Minh Khang" in page.text

        csrf = CSRF.search(page.text).group(1)
        switched = browser.post(
            f"{base}/thuc-hien-thay/",
            data={"csrfmiddlewaretoken": csrf, "subject_id": CHILD_ID, "basis": "parent"},
            headers={"Referer": page.url},
            timeout=10,
        )
        assert "Đang thực hiện thay cho: <strong>Nguyễn Minh Khang</strong>" in switched.text
        inbox = browser.get(f"{base}/hop-thu/", timeout=10)
        assert "Thư gửi con" in inbox.text

        csrf = CSRF.search(inbox.text).group(1)
        browser.post(
            f"{base}/thuc-hien-thay/",
            data={"csrfmiddlewaretoken": csrf, "action": "stop"},
            headers={"Referer": inbox.url},
            timeout=10,
        )
        assert "Thư gửi con" not in browser.get(f"{base}/hop-thu/", timeout=10).text
