import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from motcua.audit.models import AuditEntry
from motcua.catalog import factories, services
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo_procedures.json"


def _document(*procedures: dict) -> str:
    return json.dumps(
        {
            "format": "motcua.catalog/1",
            "sectors": [s.model_dump() for s in factories.SECTORS],
            "procedures": list(procedures),
        },
        ensure_ascii=False,
        indent=2,
    )


def _record(code: str = "1.001193", **changes: object) -> dict:
    body = factories.procedure().model_dump(mode="json")
    body.update(code=code, **changes)
    return body


def test_import_json_publishes_procedures_with_components():
    report = services.import_file(
        _document(_record(), _record("1.000894", name="Đăng ký kết hôn")), "catalog.json"
    )
    assert report.created == ["1.001193", "1.000894"]
    version = Procedure.objects.get(code="1.001193").current
    assert version.version == 1
    assert [c.replaced_by for c in version.components.all()] == ["", "population"]
    assert AuditEntry.objects.filter(action="catalog.procedure_published").count() == 2


def test_bad_rows_are_reported_with_line_and_nothing_is_written():
    content = _document(
        _record(), _record("1.000894", processing_days=-1), _record("12345", name="Mã sai")
    )
    with pytest.raises(services.CatalogImportError) as caught:
        services.import_file(content, "catalog.json")
    lines = content.splitlines()
    reported = dict(caught.value.errors)
    assert len(reported) == 2
    for line, _reason in caught.value.errors:
        assert lines[line - 1].strip() == "{", "the line points at the record's start"
    assert any("processing_days" in r for r in reported.values())
    assert any("1.001193" in r for r in reported.values())  # the code format hint
    assert Procedure.objects.count() == 0


def test_unknown_sector_and_duplicate_code_are_refused():
    content = _document(_record(), _record(sector="khong-co"))
    with pytest.raises(services.CatalogImportError) as caught:
        services.import_file(content, "catalog.json")
    reasons = " ".join(reason for _, reason in caught.value.errors)
    assert "trùng" in reasons
    assert "khong-co" in reasons
    assert Procedure.objects.count() == 0


def test_malformed_json_names_its_line():
    with pytest.raises(services.CatalogImportError) as caught:
        services.import_file('{"procedures": [\n  {"code": }\n]}', "bad.json")
    assert caught.value.errors[0][0] == 2


def test_import_csv():
    content = (
        "code,name,name_en,sector,levels,online_level,processing_days,fees,result_type,"
        "legal_basis,description,components\n"
        "1.001193,Đăng ký khai sinh,Birth registration,ho-tich,commune,full,0,,Giấy khai sinh,"
        '"Luật Hộ tịch 2014;Nghị định 123/2015/NĐ-CP",,'
        '"Tờ khai ; 1 ; 1 | Giấy chứng sinh ; 1 ; 1 | Căn cước ; 1 ; 1 ; population"\n'
        "1.000894,Đăng ký kết hôn,Marriage registration,ho-tich,commune,partial,5,"
        '"Lệ phí:30000;Bản sao:8000:optional",Giấy chứng nhận kết hôn,,,"Tờ khai ; 1 ; 2"\n'
    )
    services.import_file(_document(), "sectors.json")
    report = services.import_file(content, "catalog.csv")
    assert report.created == ["1.001193", "1.000894"]
    birth = Procedure.objects.get(code="1.001193").current
    assert [c.name for c in birth.components.all()] == ["Tờ khai", "Giấy chứng sinh", "Căn cước"]
    assert birth.legal_basis == ["Luật Hộ tịch 2014", "Nghị định 123/2015/NĐ-CP"]
    marriage = Procedure.objects.get(code="1.000894").current
    assert marriage.total_fee == 30000, "the optional copy fee is not in the total"
    assert marriage.fees[1] == {"label": "Bản sao", "amount": 8000, "note": "", "optional": True}
    assert marriage.components.get().copies == 2


def test_bad_csv_row_is_reported_with_its_line():
    services.import_file(_document(), "sectors.json")
    content = (
        "code,name,name_en,sector,levels,online_level,processing_days,fees,result_type,"
        "legal_basis,description,components\n"
        "1.001193,Đăng ký khai sinh,,ho-tich,commune,full,0,,Giấy khai sinh,,,Tờ khai\n"
        "1.000894,Đăng ký kết hôn,,ho-tich,commune,full,năm,,Giấy,,,Tờ khai\n"
    )
    with pytest.raises(services.CatalogImportError) as caught:
        services.import_file(content, "catalog.csv")
    assert caught.value.errors == [(3, "processing_days: phải là số ngày làm việc")]
    assert Procedure.objects.count() == 0


def test_reimporting_the_same_content_makes_no_new_version():
    services.import_file(_document(_record()), "a.json")
    report = services.import_file(_document(_record()), "a.json")
    assert report.unchanged == ["1.001193"]
    assert ProcedureVersion.objects.count() == 1


def test_changing_a_published_procedure_makes_a_new_version_and_keeps_the_old():
    services.import_file(_document(_record()), "a.json")
    first = Procedure.objects.get(code="1.001193").current
    services.import_file(_document(_record(processing_days=5)), "a.json")
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.current.version == 2
    assert procedure.current.processing_days == 5
    first.refresh_from_db()
    assert first.status == "superseded"
    assert first.processing_days == 3, "a dossier that used v1 still sees v1"


def test_revise_publishes_a_new_version():
    services.import_file(_document(_record()), "a.json")
    v2 = services.revise("1.001193", {"name": "Đăng ký khai sinh (sửa)"}, actor="user:admin")
    assert v2.version == 2
    assert v2.components.count() == 2


def test_revise_refuses_invalid_changes_with_a_clear_error():
    services.import_file(_document(_record()), "a.json")
    with pytest.raises(InvalidInput, match="Nội dung sửa đổi không hợp lệ"):
        services.revise("1.001193", {"processing_days": "ba ngày"}, actor="user:admin")
    assert Procedure.objects.get(code="1.001193").current.version == 1


def test_revise_does_not_disguise_a_bug_as_invalid_changes(monkeypatch):
    services.import_file(_document(_record()), "a.json")

    def buggy(body):
        raise RuntimeError("a bug in validation")

    monkeypatch.setattr(services.ProcedureIn, "model_validate", buggy)
    with pytest.raises(RuntimeError):
        services.revise("1.001193", {"name": "Đăng ký khai sinh (sửa)"}, actor="user:admin")


def test_import_command_exits_non_zero_on_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(_document(_record(levels=["district"])), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_procedures", str(bad), stderr=err)
    assert "bad.json:" in err.getvalue()
    assert "levels" in err.getvalue()
    assert Procedure.objects.count() == 0


def test_demo_catalog_imports_cleanly():
    out = StringIO()
    call_command("import_procedures", str(DEMO), stdout=out)
    assert Procedure.objects.count() >= 40
    codes = set(Procedure.objects.values_list("code", flat=True))
    assert {"1.001193"} <= codes
    replaced = ProcedureVersion.objects.filter(components__replaced_by="population").distinct()
    assert replaced.count() >= 5


def test_components_get_stable_keys_and_a_duplicate_key_is_refused():
    from motcua.catalog.schema import ProcedureIn

    record = {
        "code": "1.000001",
        "name": "Thủ tục thử",
        "sector": "ho-tich",
        "levels": ["commune"],
        "online_level": "full",
        "processing_days": 1,
        "result_type": "Giấy",
        "components": [
            {"name": "Tờ khai thử"},
            {"name": "Giấy tờ"},
            {"name": "Giấy tờ"},
            {"key": "ban-ve", "name": "Bản vẽ", "form": False},
        ],
    }
    components = ProcedureIn.model_validate(record).components
    assert [c.key for c in components] == ["to-khai-thu", "giay-to", "giay-to-2", "ban-ve"]
    assert [c.form for c in components] == [True, False, False, False]
    record["components"][1]["key"] = "ban-ve"
    record["components"][3]["key"] = "ban-ve"
    with pytest.raises(ValueError, match="ban-ve"):
        ProcedureIn.model_validate(record)
