"""Issue 11: a father walks into the Minh Xuân ward service centre (Tuyên Quang) with paper.
The one-stop officer, in a real browser, reads his chip card's QR code, gets the same
prefilled birth-registration form as online, scans the two-page birth certificate,
certifies the copy and receives the dossier at once; the receipt prints. The ward processes
and signs it, and the father finds the receipt and the signed result in his e-wallet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from officials import appoint, group, log_in_at
from playwright.sync_api import expect

from motcua.dossiers.tests.conftest import PARENT_ID, World
from motcua.dossiers.tests.test_counter import _code_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BIRTH = "1.001193"
TQ_WARD = "02215"  # Tỉnh Tuyên Quang, Phường Minh Xuân
TQ_CENTRE, TQ_COMMITTEE = f"08.{TQ_WARD}.tthcc", f"08.{TQ_WARD}.ubnd"
FATHER_QR = (
    "001085012345|013456789|Nguyễn Văn An|12031985|Nam|Số 1 phố Tràng Tiền, Hoàn Kiếm, Hà Nội"
    "|10042021"
)
TIMEOUT_MS = 20_000


@pytest.fixture
def counter_site(backoffice: str) -> str:
    """The back office site, with the counter's access to the registries (the card check)."""
    from motcua.exchange import services as exchange_services

    exchange_services.load_grants(actor="e2e")  # the data owners' declared grants
    return backoffice


def session(browser: Any) -> Any:
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def scans(folder: Path) -> list[Path]:
    """The two pages of a paper birth certificate: a phone photo and a scanner's PDF."""
    from PIL import Image

    from motcua.core.pdf import render_document

    photo = folder / "giay-chung-sinh-trang-1.jpg"
    Image.new("RGB", (600, 800), "white").save(photo, format="JPEG")
    scanned = folder / "giay-chung-sinh-trang-2.pdf"
    scanned.write_bytes(
        render_document(
            title="Giấy chứng sinh (trang 2)",
            issuer="Bệnh viện Đa khoa tỉnh Tuyên Quang",
            rows=[("Số", "45/2025")],
        )
    )
    return [photo, scanned]


def test_an_officer_receives_a_walk_in_birth_registration_that_reaches_the_e_wallet(
    browser: Any, page: Any, counter_site: str, journey_world: World, tmp_path: Path
) -> None:
    from motcua.dossiers.models import Digitization, Dossier
    from motcua.wallet.models import WalletDocument
    from motcua.workflow import services as workflow

    base = counter_site
    officer = appoint("008080900201", "Hoàng Văn Tiếp", TQ_CENTRE, "one_stop_officer")
    appoint("008190900202", "Lý Thị Hộ Tịch", TQ_COMMITTEE, "specialist")
    appoint("008075900203", "Ma Văn Chủ Tịch", TQ_COMMITTEE, "leader")

    # The one-stop officer logs in to the back office and opens the counter.
    desk = session(browser)
    desk.goto(f"{base}/can-bo/")
    log_in_at(desk, officer)
    desk.wait_for_url(f"{base}/can-bo/")
    desk.get_by_role("link", name="Tiếp nhận tại quầy").click()
    expect(desk.locator("h1")).to_have_text("Tiếp nhận hồ sơ tại quầy")

    # The chip card's QR code, read by the scanner into the focused field.
    desk.get_by_label("Mã QR trên thẻ căn cước (quét hoặc dán)").fill(FATHER_QR)
    desk.get_by_label("Thủ tục").select_option(value=BIRTH)
    desk.get_by_role("button", name="Đối chiếu và mở tờ khai").click()
    expect(desk.locator(".messages")).to_contain_text("mở hồ sơ cho Nguyễn Văn An")
    expect(desk.locator(".facts")).to_contain_text("Trực tiếp")
    # Reading his family's registry data is his own consent: a code sent to him, read back.
    desk.get_by_role("button", name="Gửi mã xác nhận cho người dân").click()
    expect(desk.locator(".messages")).to_contain_text("Đã gửi mã xác nhận cho Nguyễn Văn An")
    desk.get_by_label("Mã xác nhận người dân đọc lại").fill(_code_sent_to(PARENT_ID))
    desk.get_by_role("button", name="Xác nhận mã").click()
    expect(desk.locator(".messages")).to_contain_text("dữ liệu đã được điền sẵn")

    # The same prefilled form as online: read-only registry values with their source.
    father = group(desk, "Người đi đăng ký khai sinh")
    name = father.get_by_label("Họ, chữ đệm và tên")
    expect(name).to_have_value("Nguyễn Văn An")
    expect(name).to_have_attribute("readonly", "")
    expect(group(desk, "Cha/mẹ còn lại của trẻ").get_by_label("Họ, chữ đệm và tên")).to_have_value(
        "Trần Thị Bình"
    )

    # The ID card is not asked for; the two-page birth certificate is scanned and certified.
    components = desk.locator("ul.components > li")
    id_card = components.filter(has_text="Căn cước")
    expect(id_card).to_contain_text("Nhà nước đã có, không phải nộp giấy")
    expect(id_card.locator("input[type=file]")).to_have_count(0)
    certificate = components.filter(has_text="Giấy chứng sinh")
    certificate.get_by_label(
        re.compile("^Các trang quét, chụp cho: Giấy chứng sinh")
    ).set_input_files(scans(tmp_path))
    certificate.get_by_label(re.compile("chứng thực bản sao điện tử")).check()
    certificate.get_by_role("button", name="Số hóa").click()
    expect(desk.locator(".messages")).to_contain_text("Đã số hóa 2 trang")
    certificate = desk.locator("ul.components > li").filter(has_text="Giấy chứng sinh")
    expect(certificate).to_contain_text("giay-chung-sinh-trang-1.jpg")
    expect(certificate).to_contain_text("giay-chung-sinh-trang-2.pdf")
    expect(certificate).to_contain_text("đã chứng thực bản sao điện tử từ bản chính")

    # What the father tells the officer.
    group(desk, "Nơi đăng ký").get_by_label(re.compile("^Nơi đề nghị đăng ký")).fill(TQ_WARD)
    child = group(desk, "Người được khai sinh")
    child.get_by_label("Họ, chữ đệm và tên").fill("Nguyễn Minh Tuệ")
    child.get_by_label("Giới tính").select_option(label="Nữ")
    child.get_by_label("Ngày, tháng, năm sinh").fill("2025-01-15")
    child.get_by_label("Nơi sinh là").select_option(value="co-so-y-te")
    child.get_by_label("Tên cơ sở y tế nơi sinh").fill("Bệnh viện Đa khoa tỉnh Tuyên Quang")
    child.get_by_label("Xã, phường nơi sinh").fill(TQ_WARD)
    father.get_by_label("Quan hệ với người được khai sinh").select_option(label="Cha")
    father.get_by_label("Số điện thoại liên hệ").fill("0912345678")
    group(desk, "Cam đoan").get_by_label(re.compile("^Tôi cam đoan")).check()
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()

    done = desk.locator(".messages")
    expect(done).to_contain_text(re.compile(r"Đã tiếp nhận hồ sơ\. Mã hồ sơ: \S+\."))
    found = re.search(r"Mã hồ sơ: (\S+)\.", done.inner_text())
    assert found, done.inner_text()
    code = found.group(1)
    expect(desk.locator("h1")).to_have_text("Đã tiếp nhận hồ sơ")
    facts = desk.locator(".facts")
    expect(facts).to_contain_text("Đã tiếp nhận")
    expect(facts).to_contain_text("Hoàng Văn Tiếp")
    href = desk.get_by_role("link", name="In giấy tiếp nhận (PDF)").get_attribute("href")
    printed = desk.request.get(f"{base}{href}")
    assert printed.ok and printed.body().startswith(b"%PDF-")

    dossier = Dossier.objects.get(code=code)
    assert (dossier.channel, dossier.assisted_by) == ("counter", officer.username)
    digitized = Digitization.objects.get(dossier=dossier)
    assert digitized.pages == 2 and digitized.certified

    # The ward processes it (the civil status officer, then the chairman signs).
    workflow.act(workflow.official_ref("008190900202"), code, "forward")
    workflow.act(workflow.official_ref("008075900203"), code, "sign")
    dossier.refresh_from_db()
    assert dossier.status == "returned"

    # The father, at home: the receipt and the signed result are in his e-wallet.
    result = WalletDocument.objects.get(
        owner_id="001085012345", idempotency_key__startswith="result:"
    )
    home = session(browser)
    home.goto(f"{base}/")
    home.get_by_role("link", name="Đăng nhập", exact=True).click()
    log_in_at(home, journey_world.father)
    home.wait_for_url(f"{base}/")
    home.goto(f"{base}/vi-giay-to/")
    cards = home.locator("ul.cards > li")
    expect(cards.filter(has_text=f"Giấy tiếp nhận hồ sơ {code}")).to_have_count(1)
    signed = cards.filter(has_text=result.title)
    expect(signed).to_have_count(1)
    with home.expect_download() as download:
        signed.get_by_role("link", name=re.compile("^Tải về")).click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
