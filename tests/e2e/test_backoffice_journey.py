"""Issue 7: the father's birth-registration dossier goes through the ward's back office in a
real browser — the one-stop officer accepts it, the civil status officer processes it, the
chairman signs — and the father finds the signed extract in his e-wallet, downloads it, and
poppler's `pdfsig` (an independent tool) finds the signature valid over the whole file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from officials import appoint, log_in_at
from playwright.sync_api import expect

from motcua.dossiers.tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WARD_CENTRE, WARD_UBND = "01.00070.tthcc", "01.00070.ubnd"
TIMEOUT_MS = 15_000
NO_PDFSIG = (
    "the signature check needs poppler's pdfsig (apt-get install poppler-utils); "
    "CI installs it (.ci/run)"
)


def submit_birth_dossier() -> str:
    """The father's birth registration, submitted at the Hoàn Kiếm ward centre through the
    dossier services the portal calls (the journey of test_birth_registration.py), with the
    form's example data; returns the dossier code."""
    from motcua.workflow.tests.helpers import submitted

    return str(submitted().code)


def official_session(browser: Any, base: str, account: Any, agency: str) -> Any:
    """An official on their own computer: opens the back office, logs in, sees their queue."""
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{base}/can-bo/")
    log_in_at(page, account)
    page.wait_for_url(f"{base}/can-bo/")
    expect(page.locator("h1")).to_have_text("Hàng đợi hồ sơ")
    expect(page.locator(".facts")).to_contain_text(agency)
    return page


def open_from_queue(page: Any, code: str, step: str) -> None:
    """The dossier is in the official's queue at `step`; open it."""
    row = page.locator("table.queue tbody tr").filter(has_text=code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(step)
    row.get_by_role("link", name=code).click()
    expect(page.locator(".facts").first).to_contain_text(code)


def take_action(page: Any, label: str, status: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Đã thực hiện.")
    expect(page.locator(".facts").first).to_contain_text(status)


def test_officials_process_and_sign_and_the_citizen_downloads_a_valid_signed_result(
    browser: Any, page: Any, backoffice: str, journey_world: World, tmp_path: Path
) -> None:
    if shutil.which("pdfsig") is None:
        pytest.skip(NO_PDFSIG)
    base = backoffice
    officer = appoint("001080900101", "Đỗ Thị Một Cửa", WARD_CENTRE, "one_stop_officer")
    civil = appoint("001180900102", "Lê Văn Hộ Tịch", WARD_UBND, "specialist")
    chairman = appoint("001075900103", "Phạm Văn Chủ Tịch", WARD_UBND, "leader")
    code = submit_birth_dossier()

    # The one-stop officer checks the new dossier and accepts it: it goes to the Committee.
    desk = official_session(browser, base, officer, WARD_CENTRE)
    open_from_queue(desk, code, "Tiếp nhận")
    expect(desk.locator("h1")).to_have_text("Đăng ký khai sinh")
    take_action(desk, "Tiếp nhận", "Đã tiếp nhận")
    expect(desk.get_by_role("button", name="Tiếp nhận", exact=True)).to_have_count(0)
    desk.context.close()

    # The civil status officer takes the step and forwards it to the chairman for signature.
    clerk = official_session(browser, base, civil, WARD_UBND)
    open_from_queue(clerk, code, "Công chức tư pháp - hộ tịch")
    clerk.get_by_role("button", name="Nhận xử lý").click()
    steps = clerk.locator("ol:not(.timeline)")
    expect(steps).to_contain_text(f"{civil.username}: open")
    take_action(clerk, "Chuyển bước tiếp theo", "Đang xử lý")
    clerk.context.close()

    # The chairman signs: the result is issued, signed with his key, and returned.
    leader = official_session(browser, base, chairman, WARD_UBND)
    open_from_queue(leader, code, "Ủy ban nhân dân cấp xã ký")
    take_action(leader, "Ký số", "Đã trả kết quả")
    leader.context.close()

    # The father logs in to the portal and finds the signed extract in his e-wallet.
    father = journey_world.father
    page.goto(f"{base}/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    log_in_at(page, father)
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name="Ví giấy tờ").first.click()
    card = page.locator("ul.cards > li").filter(has_text="TRÍCH LỤC KHAI SINH")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Ủy ban nhân dân Phường Hoàn Kiếm")
    with page.expect_download() as download_info:
        card.get_by_role("link", name=re.compile(r"^Tải về")).click()
    download = download_info.value
    assert download.suggested_filename == f"trich-luc-khai-sinh-{code}.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    # An independent tool checks it. The demo CA is in no system trust store, so pdfsig
    # cannot vouch for the certificate; what it must say is that the signature is valid and
    # covers the whole file (nothing changed or added after signing).
    checked = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, check=False)
    report = checked.stdout + checked.stderr
    assert checked.returncode == 0, report
    assert report.count("Signature #") == 1, report
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report
    assert chairman.full_name in report, report  # the signer's certificate names him
