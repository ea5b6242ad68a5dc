"""Integrated services (dịch vụ công liên thông) in the catalog: versioned data with their
members and dependencies, listed by the API, found by search, refused when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motcua.catalog import selectors, services
from motcua.catalog.models import ProcedureVersion

pytestmark = pytest.mark.django_db
DEMO = Path(services.__file__).parent / "fixtures" / "demo_procedures.json"


@pytest.fixture
def demo_catalog():
    services.import_file(DEMO.read_text(encoding="utf-8"), "demo_procedures.json", actor="test")


def _bundle(code: str) -> dict:
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    return next(p for p in document["procedures"] if p["code"] == code)


def test_kind_integrated_lists_the_bundles_with_their_member_codes(client, demo_catalog):
    body = client.get("/api/v1/procedures", {"kind": "integrated", "limit": 50}).json()
    by_code = {item["code"]: item for item in body["items"]}
    assert by_code["3.000722"]["members"] == ["1.001193", "1.004222", "1.001939"]
    assert by_code["2.002913"]["members"] == ["1.000656", "1.003197", "1.014177"]
    assert len(by_code) >= 5 and all(i["kind"] == "integrated" for i in body["items"])
    singles = client.get("/api/v1/procedures", {"kind": "single", "limit": 100}).json()
    assert "3.000722" not in {i["code"] for i in singles["items"]}
    assert all(i["members"] == [] for i in singles["items"])


def test_the_detail_says_which_member_needs_which_result(client, demo_catalog):
    body = client.get("/api/v1/procedures/3.000722").json()
    deps = {m["key"]: m["depends_on"] for m in body["member_details"]}
    assert deps == {
        "khai-sinh": [],
        "thuong-tru": ["khai-sinh"],
        "the-bhyt": ["khai-sinh", "thuong-tru"],
    }
    assert body["total_fee"] == 0


def test_search_finds_a_bundle_by_a_member_name_beside_single_procedures(client, demo_catalog):
    codes = [i["code"] for i in client.get("/api/v1/procedures", {"q": "mai tang"}).json()["items"]]
    assert "2.002913" in codes and "1.014177" in codes


def test_a_changed_member_list_publishes_a_new_version_and_keeps_the_old(demo_catalog):
    record = _bundle("3.000722")
    record["members"][2]["fee"] = 5000
    services.import_file(json.dumps({"procedures": [record]}), "b.json", actor="test")
    versions = ProcedureVersion.objects.filter(procedure__code="3.000722").order_by("version")
    assert [v.status for v in versions] == ["superseded", "published"]
    assert [m.fee for m in selectors.members_of(versions[0])][2] == 0
    assert [m.fee for m in selectors.members_of(versions[1])][2] == 5000


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r["members"][0].update(depends_on=["thuong-tru"]), "phụ thuộc"),
        (lambda r: r["members"][1].update(procedure="9.999999"), "không tồn tại"),
        (lambda r: r.update(members=r["members"][:1]), "ít nhất hai"),
        (lambda r: r["members"][1]["mapping"].update({"x.y": "@the-bhyt.a"}), "không phụ thuộc"),
    ],
)
def test_a_malformed_bundle_is_refused_and_nothing_written(demo_catalog, change, reason):
    record = _bundle("3.000722")
    change(record)
    before = ProcedureVersion.objects.count()
    with pytest.raises(services.CatalogImportError) as refused:
        services.import_file(json.dumps({"procedures": [record]}), "b.json", actor="test")
    assert reason in str(refused.value.detail)
    assert ProcedureVersion.objects.count() == before
