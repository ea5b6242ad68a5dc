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
# What the citizens' own app holds: login, name and every data scope of the API.
FIRST_PARTY_SCOPE = "openid profile dossiers wallet inbox consents mandates exchange.history"
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


def bearer(
    account: Account,
    *,
    scope: str = FIRST_PARTY_SCOPE,
    client_id: str = "rp-test",
    level: int | None = None,
    auth_time: Any = "now",
) -> str:
    """A live access token of `client_id` for `account` (the client is registered when
    missing), as if issued by the authorization code flow just after logging in (`auth_time`
    "now"; None: unknown, a datetime: then)."""
    import datetime

    from django.utils import timezone
    from oauth2_provider.models import (
        get_access_token_model,
        get_application_model,
        set_token_value,
    )
    from oauthlib.common import generate_token

    if not get_application_model().objects.filter(client_id=client_id).exists():
        make_client(client_id, f"http://testserver/{client_id}/callback")
    application = get_application_model().objects.get(client_id=client_id)
    token = get_access_token_model()(
        user=account,
        application=application,
        scope=scope,
        expires=timezone.now() + datetime.timedelta(minutes=15),
    )
    raw = generate_token()
    set_token_value(token, raw)
    token.save()
    services.record_token_issued(
        token,
        grant_type="test",
        level=account.assurance_level if level is None else level,
        auth_time=timezone.now() if auth_time == "now" else auth_time,
    )
    return raw


PARENT_ID = "001085012345"
CHILD_ID = "001215012346"
ENTERPRISE_CODE = "0101234567"


def registry_family(child_birth: Any = None) -> dict[str, Any]:
    """In the registries: a parent (Nguyễn Văn An), their minor child, and an enterprise the
    parent legally represents; identity's exchange grants are set up."""
    import datetime

    from django.utils import timezone

    from motcua.registries.enterprise.models import Enterprise, LegalRepresentative
    from motcua.registries.population.models import Person as RegistryPerson

    parent = RegistryPerson.objects.create(
        personal_id=PARENT_ID,
        full_name="Nguyễn Văn An",
        birth_date=datetime.date(1985, 3, 12),
        sex="M",
        province_code="01",
    )
    birth = child_birth or timezone.localdate().replace(year=timezone.localdate().year - 10)
    child = RegistryPerson.objects.create(
        personal_id=CHILD_ID,
        full_name="Nguyễn Minh Khang",
        birth_date=birth,
        sex="M",
        province_code="01",
        father=parent,
    )
    enterprise = Enterprise.objects.create(
        code=ENTERPRISE_CODE, name="Công ty TNHH Một Cửa Demo", kind="TNHH", province_code="01"
    )
    LegalRepresentative.objects.create(
        enterprise=enterprise,
        personal_id=PARENT_ID,
        full_name="Nguyễn Văn An",
        title="Giám đốc",
        province_code="01",
    )
    _load_grants("test")
    return {"parent": parent, "child": child, "enterprise": enterprise}


def _load_grants(actor: str) -> None:
    """The data owners' declared grants (identity's included); never granted by identity."""
    from motcua.exchange import services as exchange

    exchange.load_grants(actor=actor)
