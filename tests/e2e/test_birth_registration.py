"""Issue 6: a father registers his child's birth on the portal, in a real browser, from the
login through the provider to the receipt and "my dossiers"; and the dossier page works on a
phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from motcua.dossiers.tests.conftest import World
from motcua.identity.testing import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BIRTH = "1.001193"
FROM_REGISTRY = "Lấy từ Cơ sở dữ liệu quốc gia về dân cư"


def log_in(page: Any, base: str, account: Any) -> None:
    """From the home page through the provider's login form, back to the portal."""
    page.goto(f"{base}/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    page.wait_for_url(re.compile(r"/dinh-danh/dang-nhap/"))
    page.get_by_label("Số định danh cá nhân hoặc mã số doanh nghiệp").fill(account.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(totp_now(account))
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator(".account .who")).to_have_text(account.full_name)


def open_birth_dossier(page: Any) -> None:
    """From the procedure's page: start online, keep the suggested ward, give consent."""
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    suggested = page.get_by_role("radio", name=re.compile("Phường Hoàn Kiếm"))
    expect(suggested).to_be_checked()
    page.get_by_role("button", name="Tiếp tục khai tờ khai").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/$"))
    page.get_by_role("button", name=re.compile("^Đồng ý cho lấy dữ liệu")).click()
    expect(page.locator(".messages")).to_contain_text("dữ liệu đã được điền sẵn")


def group(page: Any, legend: str) -> Any:
    return page.get_by_role("group", name=legend, exact=True)


def fill_birth_declaration(page: Any, tmp_path: Path) -> None:
    """On the opened draft: attach the birth certificate, declare the child and what only the
    applicant can say, and wait for the autosave, ready to submit."""
    from motcua.core.pdf import render_document

    father = group(page, "Người đi đăng ký khai sinh")
    mother = group(page, "Cha/mẹ còn lại của trẻ")
    # The state already holds the ID card; only the birth certificate is attached.
    components = page.locator("ul.components > li")
    held = components.filter(has_text="Nhà nước đã có, bạn không phải nộp")
    expect(held).to_have_count(1)
    expect(held.locator("input[type=file]")).to_have_count(0)
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(
        render_document(title="Giấy chứng sinh", issuer="Bệnh viện", rows=[("Số", "1")])
    )
    birth_certificate = components.filter(has_text="Giấy chứng sinh")
    expect(birth_certificate).to_contain_text("bắt buộc")
    birth_certificate.get_by_label(re.compile("^Tệp cho: Giấy chứng sinh")).set_input_files(
        certificate
    )
    birth_certificate.get_by_role("button", name="Đính kèm").click()
    expect(page.locator(".messages")).to_contain_text("Đã đính kèm giay-chung-sinh.pdf")
    expect(birth_certificate).to_contain_text("giay-chung-sinh.pdf")

    # The child, and what only the applicant can say.
    group(page, "Nơi đăng ký").get_by_label(re.compile("^Nơi đề nghị đăng ký")).fill("00070")
    child = group(page, "Người được khai sinh")
    child.get_by_label("Họ, chữ đệm và tên").fill("Nguyễn Minh An")
    child.get_by_label("Giới tính").select_option(label="Nam")
    child.get_by_label("Ngày, tháng, năm sinh").fill("2025-01-15")
    child.get_by_label("Nơi sinh là").select_option(value="co-so-y-te")
    child.get_by_label("Tên cơ sở y tế nơi sinh").fill("Bệnh viện Phụ sản Hà Nội")
    child.get_by_label("Xã, phường nơi sinh").fill("00070")
    for box in (child, father):  # the form's defaults, shown on a fresh draft
        expect(box.get_by_label("Dân tộc")).to_have_value("Kinh")
        expect(box.get_by_label("Quốc tịch")).to_have_value("Việt Nam")
    expect(mother.get_by_label("Đã xác định được cha/mẹ còn lại")).to_be_checked()
    expect(group(page, "Nhận kết quả").get_by_label("Hình thức nhận kết quả")).to_have_value(
        "vi-dien-tu"
    )
    father.get_by_label("Quan hệ với người được khai sinh").select_option(label="Cha")
    father.get_by_label("Số điện thoại liên hệ").fill("0912345678")
    # The page autosaves (htmx) after the last change; let that save land before submitting,
    # as a person would see "Đã lưu nháp." (two writes at once lock the in-memory SQLite).
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        group(page, "Cam đoan").get_by_label(re.compile("^Tôi cam đoan")).check()
    expect(page.locator("#autosave")).to_have_text("Đã lưu nháp.")
    expect(page.locator("form.eform.htmx-request")).to_have_count(0)


def too_wide(page: Any) -> list[str]:
    """The elements that stick out of the viewport on the right, for the failure message."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
                .map(el => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`
                    + ` ${Math.round(el.getBoundingClientRect().right)}px`)
                .slice(0, 20)"""
        )
    )


def test_father_registers_a_birth_from_login_to_receipt(
    page: Any, portal: str, journey_world: World, tmp_path: Path
) -> None:

    log_in(page, portal, journey_world.father)

    page.get_by_role("link", name="Thủ tục hành chính").first.click()
    page.get_by_label("Từ khóa").fill("khai sinh")
    page.get_by_label("Từ khóa").press("Enter")
    page.get_by_role("link", name="Đăng ký khai sinh", exact=True).click()
    expect(page.locator("h1")).to_have_text("Đăng ký khai sinh")
    expect(page.locator(".facts")).to_contain_text(BIRTH)
    open_birth_dossier(page)

    # Both parents come from the population registry, read-only, with their source.
    father = group(page, "Người đi đăng ký khai sinh")
    mother = group(page, "Cha/mẹ còn lại của trẻ")
    for parent, name, sex in ((father, "Nguyễn Văn An", "Nam"), (mother, "Trần Thị Bình", "Nữ")):
        full_name = parent.get_by_label("Họ, chữ đệm và tên")
        expect(full_name).to_have_value(name)
        expect(full_name).to_have_attribute("readonly", "")
        expect(parent.get_by_label("Giới tính")).to_have_value(sex)
        expect(parent.get_by_text(FROM_REGISTRY).first).to_be_visible()
    expect(father.get_by_label("Ngày, tháng, năm sinh")).to_have_value("12/03/1985")

    fill_birth_declaration(page, tmp_path)

    page.get_by_role("button", name="Nộp hồ sơ").click()
    success = page.locator(".messages")
    expect(success).to_contain_text(re.compile(r"Đã nộp hồ sơ\. Mã hồ sơ: \S+\."))
    found = re.search(r"Mã hồ sơ: (\S+)\.", success.inner_text())
    assert found, success.inner_text()
    code = found.group(1)
    expect(page.locator(".facts")).to_contain_text(code)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải giấy tiếp nhận (PDF)").click()
    receipt = Path(download_info.value.path())
    assert receipt.read_bytes().startswith(b"%PDF-")

    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    mine = page.locator("ul.cards > li").filter(has_text=code)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Đăng ký khai sinh")
    expect(mine).to_contain_text("Đã nộp, chờ tiếp nhận")
    mine.get_by_role("link", name="Đăng ký khai sinh").click()
    expect(page.locator("ol.timeline")).to_contain_text("Nộp hồ sơ")


def test_dossier_page_fits_a_phone_and_labels_every_input(
    page: Any, portal: str, journey_world: World
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, portal, journey_world.father)
    page.goto(f"{portal}/thu-tuc/{BIRTH}/")
    open_birth_dossier(page)

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375 + 1, f"the page scrolls sideways on a phone: {too_wide(page)}"

    controls = page.locator("input:not([type=hidden]), select, textarea")
    assert controls.count() > 20
    unlabelled = [
        controls.nth(i).get_attribute("id") or controls.nth(i).get_attribute("name")
        for i in range(controls.count())
        if not controls.nth(i).evaluate(
            "el => el.labels.length > 0 || !!el.getAttribute('aria-label')"
        )
    ]
    assert not unlabelled, f"inputs without a label: {unlabelled}"
    for i in range(controls.count()):
        expect(controls.nth(i)).to_have_accessible_name(re.compile(r"\S"))
