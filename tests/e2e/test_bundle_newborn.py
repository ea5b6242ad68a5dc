"""Issue 10: a father applies for the newborn integrated service (birth registration, permanent
residence, health insurance card for a child under 6) with one form in a real browser; the
ward's civil status officers decide the birth on the back-office pages, the ward police and
the provincial social insurance agency decide the other two; he follows one timeline and
finds three signed results in his e-wallet, each from a different agency."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from officials import appoint, group, log_in_at
from playwright.sync_api import expect

from motcua.dossiers.tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUNDLE = "3.000722"
WARD_CENTRE, WARD_UBND, WARD_POLICE, BHXH = (
    "01.00070.tthcc",
    "01.00070.ubnd",
    "01.00070.ca",
    "01.bhxh",
)
TIMEOUT_MS = 20_000


def official_desk(browser: Any, base: str, account: Any) -> Any:
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    desk = context.new_page()
    desk.goto(f"{base}/can-bo/")
    log_in_at(desk, account)
    desk.wait_for_url(f"{base}/can-bo/")
    return desk


def act_on_page(browser: Any, base: str, account: Any, code: str, label: str) -> None:
    """An official opens the dossier from their queue and takes one action."""
    desk = official_desk(browser, base, account)
    row = desk.locator("table.queue tbody tr").filter(has_text=code)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=code).click()
    desk.get_by_role("button", name=label, exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("Đã thực hiện.")
    desk.context.close()


def act_in_services(code: str) -> None:
    """An agency's officials through their own system (the workflow services the back-office
    API calls): every open step of the dossier, by whoever holds it."""
    from motcua.workflow import services as workflow
    from motcua.workflow.models import Task

    assert Task.objects.filter(dossier_code=code).exists(), f"{code} never reached an agency"
    while task := Task.objects.filter(dossier_code=code, state="open").first():
        who = workflow.official_ref(workflow.officials_at(task.unit, task.role)[0])
        action = next(
            a
            for a in ("accept", "forward", "sign", "issue_result")
            if a in workflow.allowed_actions(who, task)
        )
        workflow.act(who, code, action)


def member_code(page: Any, name: str) -> str:
    item = page.locator("ol.members > li").filter(has_text=name)
    link = item.get_by_role("link", name=re.compile(r"TTHCC-"))
    expect(link).to_have_count(1)
    return str(link.inner_text()).strip()


def test_a_parent_applies_once_and_gets_three_signed_results_from_three_agencies(
    browser: Any, page: Any, backoffice: str, journey_world: World, tmp_path: Path
) -> None:
    from motcua.core.pdf import render_document

    base = backoffice
    officer = appoint("001080900201", "Đỗ Thị Một Cửa", WARD_CENTRE, "one_stop_officer")
    civil = appoint("001180900202", "Lê Văn Hộ Tịch", WARD_UBND, "specialist")
    chairman = appoint("001075900203", "Phạm Văn Chủ Tịch", WARD_UBND, "leader")
    for pid, agency, role in (
        ("001080900204", WARD_POLICE, "specialist"),
        ("001080900205", WARD_POLICE, "leader"),
        ("001080900206", BHXH, "specialist"),
        ("001080900207", BHXH, "leader"),
    ):
        appoint(pid, f"Cán bộ {agency}", agency, role)
    father = journey_world.father

    # The father finds the integrated service beside the single procedures.
    page.goto(f"{base}/")
    page.get_by_role("link", name="Đăng nhập", exact=True).click()
    log_in_at(page, father)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/thu-tuc/?q=li%C3%AAn+th%C3%B4ng+khai+sinh")
    result = page.locator("ol.results > li").filter(has_text=BUNDLE)
    expect(result).to_contain_text("Dịch vụ công liên thông")
    result.get_by_role("link").first.click()
    expect(page.locator("ol.members > li")).to_have_count(3)
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page.get_by_role("radio", name=re.compile("Phường Hoàn Kiếm"))).to_be_checked()
    page.get_by_role("button", name="Tiếp tục khai tờ khai").click()
    page.wait_for_url(re.compile(r"/ho-so/[^/]+/$"))
    page.get_by_role("button", name=re.compile("^Đồng ý cho lấy dữ liệu")).click()
    expect(page.locator(".messages")).to_contain_text("dữ liệu đã được điền sẵn")

    # One form: the parents and their residence come from the registries.
    applicant = group(page, "Người đi đăng ký khai sinh")
    expect(applicant.get_by_label("Họ, chữ đệm và tên")).to_have_value("Nguyễn Văn An")
    expect(group(page, "Cha/mẹ còn lại của trẻ").get_by_label("Họ, chữ đệm và tên")).to_have_value(
        "Trần Thị Bình"
    )
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(
        render_document(title="Giấy chứng sinh", issuer="Bệnh viện", rows=[("Số", "1")])
    )
    paper = page.locator("ul.components > li").filter(has_text="Giấy chứng sinh")
    paper.get_by_label(re.compile("^Tệp cho: Bản chụp Giấy chứng sinh")).set_input_files(
        certificate
    )
    paper.get_by_role("button", name="Đính kèm").click()
    expect(page.locator(".messages")).to_contain_text("Đã đính kèm giay-chung-sinh.pdf")

    group(page, "Nơi đăng ký").get_by_label(re.compile("^Nơi đề nghị đăng ký")).fill("00070")
    child = group(page, "Người được khai sinh")
    child.get_by_label("Họ, chữ đệm và tên").fill("Nguyễn Minh Tuệ")
    child.get_by_label("Giới tính").select_option(label="Nam")
    child.get_by_label("Ngày, tháng, năm sinh").fill("2025-01-15")
    child.get_by_label("Nơi sinh là").select_option(value="co-so-y-te")
    child.get_by_label("Tên cơ sở y tế nơi sinh").fill("Bệnh viện Phụ sản Hà Nội")
    child.get_by_label("Xã, phường nơi sinh").fill("00070")
    applicant.get_by_label("Quan hệ với người được khai sinh").select_option(label="Cha")
    applicant.get_by_label("Số điện thoại liên hệ").fill("0912345678")
    group(page, "Cấp thẻ bảo hiểm y tế cho trẻ").get_by_label(
        "Nơi đăng ký khám chữa bệnh ban đầu cho trẻ"
    ).fill("Trạm y tế phường Hoàn Kiếm")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        group(page, "Cam đoan").get_by_label(re.compile("^Tôi cam đoan")).check()
    expect(page.locator("#autosave")).to_have_text("Đã lưu nháp.")
    expect(page.locator("form.eform.htmx-request")).to_have_count(0)
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # One receipt, one page: the birth registration went to the ward, the others wait.
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Đã nộp hồ sơ\. Mã hồ sơ"))
    expect(page.locator("h1")).to_contain_text("Liên thông điện tử")
    with page.expect_download() as receipt:
        page.get_by_role("link", name="Tải giấy tiếp nhận (PDF)").click()
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF-")
    members = page.locator("ol.members > li")
    expect(members.filter(has_text="Đăng ký thường trú")).to_contain_text(
        "Chờ kết quả của thành phần trước"
    )
    birth = member_code(page, "Đăng ký khai sinh")

    # The ward's civil status officers decide the birth on the back-office pages.
    act_on_page(browser, base, officer, birth, "Tiếp nhận")
    act_on_page(browser, base, civil, birth, "Chuyển bước tiếp theo")
    act_on_page(browser, base, chairman, birth, "Ký số")

    # The signed birth gave the child a personal ID: residence went out with it, no re-typing.
    page.reload()
    residence = member_code(page, "Đăng ký thường trú")
    act_in_services(residence)
    page.reload()
    card = member_code(page, "Đăng ký đóng, cấp thẻ BHYT")
    act_in_services(card)

    page.reload()
    expect(page.locator(".facts")).to_contain_text("Đã trả kết quả")
    timeline = page.locator("ol.timeline")
    for name in ("Đăng ký khai sinh", "Đăng ký thường trú", "Đăng ký đóng, cấp thẻ BHYT"):
        expect(timeline).to_contain_text(name)
    expect(timeline).to_contain_text("Thành phần có kết quả")

    # Three signed results in the father's e-wallet, from three agencies.
    page.get_by_role("link", name="Ví giấy tờ").first.click()
    cards = page.locator("ul.cards > li")
    expect(cards).to_have_count(3)
    expect(cards.filter(has_text="TRÍCH LỤC KHAI SINH")).to_contain_text(
        "Ủy ban nhân dân Phường Hoàn Kiếm"
    )
    expect(cards.filter(has_text="Công an Phường Hoàn Kiếm")).to_have_count(1)
    expect(cards.filter(has_text="Bảo hiểm xã hội Thành phố Hà Nội")).to_have_count(1)
