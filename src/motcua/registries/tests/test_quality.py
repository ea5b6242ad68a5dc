import pytest

from motcua.registries import generator, quality
from motcua.registries.models import InjectedDefect, Person
from motcua.units.models import Province

pytestmark = pytest.mark.django_db


def _injected() -> dict:
    out: dict = {}
    for d in InjectedDefect.objects.all():
        out.setdefault((d.registry, d.rule), set()).add(d.record_id)
    return out


def test_clean_generated_data_passes_every_record_rule(units_loaded):
    generator.generate(300, seed=5, batch_size=150)
    report = quality.report(None)
    for registry in report.registries:
        for rule in registry.rules:
            if rule.rule != "shared":
                assert rule.failing == 0, (registry.id, rule.rule)
                assert rule.total == registry.records


def test_report_finds_exactly_the_injected_defects(units_loaded):
    generator.generate(800, seed=1, batch_size=400, defect_rate=0.1)
    injected = _injected()
    assert {rule for (_, rule) in injected} >= {
        "correct",
        "sufficient",
        "clean",
        "alive",
        "unified",
    }
    # Every registry has injected defects (with this seed at this size).
    assert {registry for (registry, _) in injected} == {
        "population",
        "civil_status",
        "enterprise",
        "land",
        "social_insurance",
        "judicial_records",
    }
    for registry in quality.report(None).registries:
        for rule in registry.rules:
            if rule.rule == "shared":
                continue
            _, ids = quality.failing_records(registry.id, rule.rule)
            assert set(ids) == injected.get((registry.id, rule.rule), set()), (
                registry.id,
                rule.rule,
            )
            assert rule.failing == len(ids)


def test_province_reports_add_up_to_the_injected_defects(units_loaded):
    generator.generate(600, seed=9, batch_size=200, defect_rate=0.03)
    found: dict = {}
    for code in Province.objects.values_list("code", flat=True):
        for registry in quality.report(code).registries:
            for rule in registry.rules:
                if rule.rule != "shared" and rule.failing:
                    ids = quality.failing_records(registry.id, rule.rule, code)[1]
                    found.setdefault((registry.id, rule.rule), set()).update(ids)
    assert found == _injected()


def test_shared_rule_names_unpublished_attributes():
    total, names = quality.failing_records("population", "shared")
    assert total == len(names)
    assert all(isinstance(n, str) for n in names)


def test_quality_api_and_page(client, units_loaded):
    generator.generate(200, seed=2, batch_size=100, defect_rate=0.05)
    body = client.get("/api/v1/registries/quality", {"province": "01"}).json()
    assert body["province"] == "01"
    assert [r["id"] for r in body["registries"]][0] == "population"
    page = client.get(
        "/api/v1/registries/quality/failing",
        {"registry": "population", "rule": "correct", "limit": 3},
    ).json()
    assert (
        page["total"]
        == InjectedDefect.objects.filter(registry="population", rule="correct").count()
    )
    assert len(page["items"]) == min(3, page["total"]) and page["limit"] == 3
    rest = client.get(
        "/api/v1/registries/quality/failing",
        {"registry": "population", "rule": "correct", "limit": 1000, "offset": 3},
    ).json()
    assert len(page["items"]) + len(rest["items"]) == page["total"]
    assert not set(page["items"]) & set(rest["items"])
    listed = client.get("/api/v1/registries/").json()
    assert listed["total"] == len(listed["items"]) and listed["items"][0]["id"]
    assert client.get("/api/v1/registries/quality", {"province": "x"}).status_code == 400
    html = client.get("/chat-luong-du-lieu/", {"tinh": "01"})
    assert html.status_code == 200
    text = html.content.decode()
    assert "Chất lượng dữ liệu" in text
    some = Person.objects.first()
    assert some.personal_id not in text and some.full_name not in text
    assert client.get("/chat-luong-du-lieu/", {"tinh": "abc"}).status_code == 400


def test_correct_rule_checks_the_personal_id_against_birth_date_and_sex(units_loaded):
    generator.generate(50, seed=3, batch_size=50)
    man = Person.objects.filter(sex="M", birth_date__year__lt=2000).first()
    woman = Person.objects.filter(sex="F").exclude(pk=man.pk).first()
    man.sex = "F"  # the 4th digit still says male
    man.save()
    pid = woman.personal_id
    wrong_year = (woman.birth_date.year + 1) % 100
    woman.personal_id = f"{pid[:4]}{wrong_year:02d}{pid[6:]}"
    woman.save()
    _, ids = quality.failing_records("population", "correct")
    assert set(ids) == {man.pk, woman.pk}


def test_a_change_through_the_models_is_in_the_next_report(units_loaded):
    generator.generate(100, seed=4, batch_size=100)
    first = quality.report("01")
    assert quality.report("01").computed_at == first.computed_at  # read from the snapshot
    person = Person.objects.exclude(province_code="01").first()
    person.permanent_commune_code = "99999"
    person.save()
    national = quality.report(None)
    correct = next(r for r in national.registries[0].rules if r.rule == "correct")
    assert correct.failing == 1
