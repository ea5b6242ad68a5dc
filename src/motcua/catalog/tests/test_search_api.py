import pytest

pytestmark = pytest.mark.django_db


def _codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_search_ignores_diacritics(client, small_catalog):
    codes = _codes(client.get("/api/v1/procedures", {"q": "dang ky khai sinh"}))
    assert codes[0] == "1.001193"


def test_best_match_ranks_first(client, small_catalog):
    # Both "Đăng ký khai sinh" and "Đăng ký lại khai sinh" match; the exact name wins.
    codes = _codes(client.get("/api/v1/procedures", {"q": "Đăng ký khai sinh"}))
    assert codes == ["1.001193", "1.004884"]


def test_search_by_code(client, small_catalog):
    assert _codes(client.get("/api/v1/procedures", {"q": "1.004222"})) == ["1.004222"]


def test_filter_by_sector_and_level(client, small_catalog):
    assert _codes(client.get("/api/v1/procedures", {"sector": "xay-dung"})) == ["1.013225"]
    province = _codes(client.get("/api/v1/procedures", {"level": "province"}))
    assert province == ["1.013225"]


def test_results_are_paged(client, small_catalog):
    body = client.get("/api/v1/procedures", {"limit": 2, "offset": 2}).json()
    assert body["total"] == len(small_catalog)
    assert len(body["items"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"level": "district"},
        {"limit": "0"},
        {"limit": "abc"},
        {"offset": "-1"},
        {"sector": "khong-co"},
        {"q": "x" * 300},
    ],
)
def test_bad_parameters_are_a_problem_400(client, small_catalog, params):
    response = client.get("/api/v1/procedures", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["title"]


def test_procedure_detail_shows_components_and_what_the_state_has(client, small_catalog):
    response = client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Đăng ký khai sinh"
    assert body["processing_days"] == 3
    assert body["total_fee"] == 8000
    replaced = [c for c in body["components"] if c["replaced_by"]]
    assert replaced == [
        {
            "key": "can-cuoc-cua-nguoi-yeu-cau",
            "name": "Căn cước của người yêu cầu",
            "form": False,
            "required": True,
            "copies": 1,
            "replaced_by": "population",
            "replaced_by_name": "Cơ sở dữ liệu quốc gia về dân cư",
        }
    ]


def test_unknown_procedure_is_a_problem_404(client, small_catalog):
    response = client.get("/api/v1/procedures/9.999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
