"""Helpers for tests that log a subject in through the real pages (used by identity's and the
portal's tests): enrol a subject, register a client, fill in the login form."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import urljoin

import pyotp

from . import services
from .models import Account

PASSWORD = "Mat-khau-that-dai-2025"  # noqa: S105
CLIENT_SECRET = "test-client-secret-not-real"  # noqa: S105
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_NEXT = re.compile(r'id="login-next" name="next" value="([^"]*)"')


def make_person(personal_id: str = "001085012345", level: int = 2, **extra: Any) -> Account:
    defaults: dict[str, Any] = {
        "full_name": "Nguyễn Văn An",
        "permanent_address": "Số 1 phố Tràng Tiền, Hà Nội",
    }
    defaults.update(extra)
    return services.enrol_person(
        personal_id=personal_id, password=PASSWORD, assurance_level=level, **defaults
    )


def make_client(client_id: str, redirect_uri: str, post_logout_uri: str = "") -> None:
    services.register_client(
        services.ClientSpec(
            client_id=client_id,
            name=f"Test {client_id}",
            redirect_uris=[redirect_uri],
            post_logout_redirect_uris=[post_logout_uri] if post_logout_uri else [],
        ),
        CLIENT_SECRET,
    )


def totp_now(account: Account) -> str:
    return str(pyotp.TOTP(account.totp_secret).now())


def submit_login_form(browser: Any, page: Any, account: Account, password: str = PASSWORD) -> Any:
    """POST the provider's login form found in `page` (a requests response) with the account's
    ID, password and current TOTP code, without following redirects."""
    html = page.text
    csrf = _CSRF.search(html)
    next_url = _NEXT.search(html)
    assert csrf and next_url, "not the login page"
    return browser.post(
        urljoin(page.url, "/dinh-danh/dang-nhap/"),
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "next": html_lib.unescape(next_url.group(1)),
            "identifier": account.username,
            "password": password,
            "code": totp_now(account),
        },
        headers={"Referer": page.url},
        allow_redirects=False,
    )
