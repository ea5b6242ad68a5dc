"""Issue "Any address, any hour", part 2: the whole citizen journey on a port other than 8000.
Everything derives from MOTCUA_PUBLIC_URL, set to the live server's address as `make run
PORT=…` sets it: the portal finds our own provider there (no OIDC_ISSUER), the portal's client
is registered by `setup_oidc_clients` itself, the bank sends the browser back there, and the
receipt's QR code opens the public lookup there."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from test_birth_registration import BIRTH, fill_birth_declaration, open_birth_dossier

from motcua.core.formats import format_money
from motcua.core.tests.qr import needs_pdftoppm, qr_payloads
from motcua.dossiers.tests.conftest import World
from motcua.identity.testing import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_pdftoppm]

FEE = 8000


@pytest.fixture
def public_site(
    live_server: Any,
    journey_world: World,
    settings: Any,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """The live server (a random port) as the site's public address, with the first-party
    clients registered the way `make run` registers them, and a fee on the birth registration
    (a late one) so that the journey pays."""
    from motcua.catalog import services as catalog

    base = str(live_server.url)
    assert urlsplit(base).port not in (None, 8000)
    for name in ("MOTCUA_PORTAL_REDIRECT_URIS", "MOTCUA_PORTAL_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings.MOTCUA_PUBLIC_URL = base
    settings.OIDC_ISSUER = ""  # our own provider, at the public address
    settings.VAR_DIR = tmp_path_factory.mktemp("var")
    call_command("setup_oidc_clients", stdout=io.StringIO())
    stored = json.loads((settings.VAR_DIR / "oidc-clients.json").read_text(encoding="utf-8"))
    settings.OIDC_CLIENT_ID = "motcua-portal"
    settings.OIDC_CLIENT_SECRET = stored["motcua-portal"]
    catalog.revise(
        BIRTH,
        {"fees": [{"label": "Lệ phí đăng ký khai sinh quá hạn", "amount": FEE}]},
        actor="e2e",
    )
    return base


def test_the_citizen_journey_works_on_another_port_and_the_receipts_qr_leads_back(
    page: Any, public_site: str, journey_world: World, tmp_path: Path
) -> None:
    base = public_site
    father: Any = journey_world.father

    # Login with password and TOTP: the provider is asked on the same host and port.
    page.goto(f"{base}/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    page.wait_for_url(re.compile(r"/dinh-danh/dang-nhap/"))
    assert page.url.startswith(f"{base}/dinh-danh/dang-nhap/"), page.url
    page.get_by_label("Số định danh cá nhân hoặc mã số doanh nghiệp").fill(father.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(totp_now(father))
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator(".account .who")).to_have_text(father.full_name)

    # Submit.
    page.goto(f"{base}/thu-tuc/{BIRTH}/")
    open_birth_dossier(page)
    fill_birth_declaration(page, tmp_path)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    success = page.locator(".messages")
    expect(success).to_contain_text(re.compile(r"Đã nộp hồ sơ\. Mã hồ sơ: \S+\."))
    found = re.search(r"Mã hồ sơ: (\S+)\.", success.inner_text())
    assert found, success.inner_text()
    code = found.group(1)
    dossier_url = page.url

    # Pay at the sandbox bank, which sends the browser back to the dossier on this port.
    page.get_by_role("button", name=f"Thanh toán {format_money(FEE)}").click()
    page.wait_for_url(re.compile(r"/thanh-toan/sandbox/"))
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    page.wait_for_url(dossier_url)
    assert urlsplit(page.url).netloc == urlsplit(base).netloc
    expect(page.locator(".facts")).to_contain_text("Đã thanh toán")

    # The receipt's QR code opens the public lookup on the live server's host and port.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải giấy tiếp nhận (PDF)").click()
    [payload] = qr_payloads(Path(download.value.path()).read_bytes())
    assert urlsplit(payload).netloc == urlsplit(base).netloc, payload
    assert payload.startswith(f"{base}/tra-cuu-ho-so/?ma={code}&"), payload

    page.goto(payload)
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Đăng ký khai sinh")
    expect(facts).to_contain_text("Phường Hoàn Kiếm")
