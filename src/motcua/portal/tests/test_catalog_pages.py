import pytest

pytestmark = pytest.mark.django_db


def test_home_links_to_catalog_admin_and_api_docs(client, small_catalog):
    html = client.get("/").content.decode()
    assert 'lang="vi"' in html
    for href in ('href="/thu-tuc/"', 'href="/admin/"', 'href="/api/v1/docs"'):
        assert href in html


def test_catalog_search_page_finds_without_diacritics(client, small_catalog):
    html = client.get("/thu-tuc/", {"q": "dang ky khai sinh"}).content.decode()
    assert "Đăng ký khai sinh" in html
    assert "Đăng ký kết hôn" not in html


def test_catalog_page_browses_by_sector_and_level(client, small_catalog):
    html = client.get("/thu-tuc/", {"sector": "xay-dung", "level": "commune"}).content.decode()
    assert "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ" in html
    assert "Đăng ký khai sinh" not in html


def test_htmx_search_returns_only_the_results_fragment(client, small_catalog):
    response = client.get("/thu-tuc/", {"q": "ket hon"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Đăng ký kết hôn" in html
    assert "<html" not in html


def test_bad_filter_shows_an_error_not_a_crash(client, small_catalog):
    response = client.get("/thu-tuc/", {"level": "district"})
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


def test_procedure_page_says_what_to_prepare_and_what_the_state_has(client, small_catalog):
    html = client.get("/thu-tuc/1.001193/").content.decode()
    prepare, state = html.split("Nhà nước đã có, bạn không phải nộp")
    assert "Tờ khai đăng ký khai sinh" in prepare
    assert "Căn cước của người yêu cầu" in state
    assert "Cơ sở dữ liệu quốc gia về dân cư" in state
    assert "3 ngày làm việc" in html
    assert "8.000 đồng" in html


def test_unknown_procedure_page_is_404(client, small_catalog):
    assert client.get("/thu-tuc/9.999999/").status_code == 404


def test_pages_are_vietnamese_even_for_an_english_browser(client, small_catalog):
    html = client.get("/thu-tuc/", headers={"Accept-Language": "en-US,en"}).content.decode()
    assert 'lang="vi"' in html
    assert "Thủ tục hành chính" in html


def test_language_switcher_turns_pages_english(client, small_catalog):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/thu-tuc/"})
    assert response.status_code == 302
    html = client.get("/thu-tuc/").content.decode()
    assert 'lang="en"' in html
    assert "Administrative procedures" in html
