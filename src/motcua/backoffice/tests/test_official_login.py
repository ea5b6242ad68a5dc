"""Officials log in to the back office through the same identity provider, with their agency
and roles in the ID token; people who are not officials are refused."""

from urllib.parse import urljoin

import pytest
import requests
from django.test import override_settings

from motcua.identity.models import Official
from motcua.identity.testing import CLIENT_SECRET, make_client, make_person, submit_login_form

AGENCY = "01.00070.tthcc"


def _login(base, account):
    browser = requests.Session()
    login_page = browser.get(f"{base}/can-bo/dang-nhap/", timeout=10)
    assert "/dinh-danh/dang-nhap/" in login_page.url
    after_login = submit_login_form(browser, login_page, account)
    assert after_login.status_code == 302
    return browser.get(urljoin(base, after_login.headers["Location"]), timeout=10)


@pytest.mark.django_db(transaction=True)
def test_official_logs_in_and_sees_agency_and_roles_and_a_citizen_is_refused(live_server):
    base = live_server.url
    official = make_person("038090001122", full_name="Lê Minh Cường")
    # (appoint_official checks the agency in `units`; here the profile is enough)
    Official.objects.create(
        account=official, agency_code=AGENCY, roles=["one_stop_officer", "specialist"]
    )
    citizen = make_person()
    make_client("backoffice-test", f"{base}/can-bo/dang-nhap/callback", f"{base}/can-bo/")
    with override_settings(
        OIDC_ISSUER=base,
        BACKOFFICE_OIDC_CLIENT_ID="backoffice-test",
        BACKOFFICE_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OFFICIAL_CLIENTS=["backoffice-test"],
    ):
        queue = _login(base, official)
        assert queue.status_code == 200 and queue.url == f"{base}/can-bo/", queue.text[:1500]
        assert "Hàng đợi hồ sơ" in queue.text
        assert AGENCY in queue.text and "Cán bộ một cửa" in queue.text

        refused = _login(base, citizen)
        assert refused.status_code == 403
        assert "không phải tài khoản cán bộ" in refused.text
        assert requests.get(f"{base}/can-bo/", timeout=10, allow_redirects=False).status_code == 302
