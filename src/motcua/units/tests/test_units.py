import pytest

from motcua.units import services
from motcua.units.models import Agency, Commune, Province

pytestmark = pytest.mark.django_db


def test_all_provinces_and_communes_are_loaded(units_loaded):
    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    assert Province.objects.get(code="01").name == "Thành phố Hà Nội"


def test_loading_again_creates_nothing_twice(units_loaded):
    agencies = Agency.objects.count()
    services.load_units()
    services.generate_agencies()
    assert Province.objects.count() == 34
    assert Commune.objects.count() == 3321
    assert Agency.objects.count() == agencies


def test_every_province_and_commune_has_its_agencies(units_loaded):
    n_province_kinds = len(services.PROVINCE_AGENCY_KINDS)
    n_commune_kinds = len(services.COMMUNE_AGENCY_KINDS)
    assert Agency.objects.filter(commune__isnull=True).count() == 34 * n_province_kinds
    assert Agency.objects.filter(commune__isnull=False).count() == 3321 * n_commune_kinds
    hanoi = Agency.objects.filter(province_id="01", commune__isnull=True)
    assert hanoi.get(kind="so-tp").name == "Sở Tư pháp Thành phố Hà Nội"
    assert hanoi.get(kind="tthcc").is_service_center
    ward = Agency.objects.get(code="01.00070.tthcc")
    assert ward.name == "Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm"


def test_api_lists_provinces(client, units_loaded):
    response = client.get("/api/v1/units/provinces")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(body["items"]) == 34
    assert {
        "code": "01",
        "name": "Thành phố Hà Nội",
        "division_type": "thành phố trung ương",
    } in body["items"]


def test_api_pages_through_every_commune_of_a_province(client, units_loaded):
    expected = list(
        Commune.objects.filter(province_id="01").order_by("code").values_list("code", flat=True)
    )
    seen: list[str] = []
    offset = 0
    while True:
        body = client.get(
            "/api/v1/units/provinces/01/communes", {"limit": 40, "offset": offset}
        ).json()
        assert body["total"] == len(expected) > 100 and body["limit"] == 40
        assert all(c["province_code"] == "01" for c in body["items"])
        seen += [c["code"] for c in body["items"]]
        offset += 40
        if offset >= body["total"]:
            break
    assert seen == expected  # every commune once, none cut


def test_api_search_pages_and_counts_every_match(client, units_loaded):
    first = client.get("/api/v1/units/search", {"q": "xa", "limit": 5}).json()
    assert first["total"] > 1000 and len(first["items"]) == 5
    second = client.get("/api/v1/units/search", {"q": "xa", "limit": 5, "offset": 5}).json()
    assert second["total"] == first["total"]
    assert not {h["code"] for h in first["items"]} & {h["code"] for h in second["items"]}


def test_api_refuses_a_page_too_large(client, units_loaded):
    response = client.get("/api/v1/units/provinces/01/communes", {"limit": 100_000})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_api_unknown_province_is_a_problem_404(client, units_loaded):
    response = client.get("/api/v1/units/provinces/99/communes")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "99" in response.json()["detail"]


@pytest.mark.parametrize("query", ["thuong lam", "THƯỢNG LÂM", "Thuong  Lâm"])
def test_search_ignores_diacritics_and_case(client, units_loaded, query):
    response = client.get("/api/v1/units/search", {"q": query})
    assert response.status_code == 200
    names = [hit["name"] for hit in response.json()["items"]]
    assert "Xã Thượng Lâm" in names


def test_search_ranks_the_exact_name_first(client, units_loaded):
    hits = client.get("/api/v1/units/search", {"q": "ha noi"}).json()["items"]
    assert hits[0]["name"] == "Thành phố Hà Nội"


def test_search_without_query_is_a_400(client, units_loaded):
    response = client.get("/api/v1/units/search")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
