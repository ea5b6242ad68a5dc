"""Importing forms: all or nothing, errors named by procedure and JSON path, idempotent,
attached to the current procedure version; importing grants nothing (grants come from the
data owners' declared file)."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.core.errors import NotFound
from motcua.eforms import services
from motcua.eforms.errors import FormImportError
from motcua.eforms.models import FormDefinition

from .conftest import DEMO_FORMS

pytestmark = pytest.mark.django_db


def _demo() -> dict:
    return json.loads(DEMO_FORMS.read_text(encoding="utf-8"))


def test_import_is_idempotent_and_attaches_to_the_current_version(catalog, communes):
    assert services.import_forms(DEMO_FORMS, actor="test") == 63
    assert services.import_forms(DEMO_FORMS, actor="test") == 0
    row = FormDefinition.objects.get(procedure_code="1.001193")
    assert row.procedure_version == 1 and len(row.content_hash) == 64
    form = services.form_for("1.001193")
    assert (form.procedure_version, form.content_hash) == (1, row.content_hash)
    assert form.title == "Tờ khai đăng ký khai sinh"


def test_one_bad_form_stops_the_whole_import_with_code_and_path(catalog, communes):
    data = _demo()
    bad = data["forms"][3]
    bad["groups"][1]["fields"][0]["type"] = "file"
    other = data["forms"][10]
    other["groups"][0]["fields"][0]["prefill"]["attribute"] = "shoe_size"
    with pytest.raises(FormImportError) as caught:
        services.import_forms(data, actor="test")
    assert FormDefinition.objects.count() == 0
    assert len(caught.value.errors) == 2
    first, second = caught.value.errors
    assert first.startswith(
        f"{bad['procedure']}: $.forms[3].groups[1].fields[0].type: phải là một trong"
    )
    assert second.startswith(
        f"{other['procedure']}: $.forms[10].groups[0].fields[0].prefill.attribute: "
        "dịch vụ 'population.person.basic' không có thuộc tính 'shoe_size'"
    )


def test_semantic_mistakes_are_named(catalog):
    definition = copy.deepcopy(_demo()["forms"][0])
    definition["groups"][1]["fields"][4]["show_if"] = {"field": "nowhere", "equals": "x"}
    definition["rules"][0]["second"] = "child.full_name"
    definition["parties"] = [{"role": "x", "personal_id_path": "child.sex", "label": "X"}]
    problems = services.check_definition(definition)
    assert "$.groups[1].fields[4].show_if.field: không có trường 'nowhere'" in problems
    assert "$.rules[0].second: trường 'child.full_name' phải có kiểu date" in problems
    assert (
        "$.parties[0].personal_id_path: phải chỉ tới một trường personal_id của nhóm không lặp"
        in problems
    )
    assert services.check_definition({"procedure": "1.001193"}) == [
        "$: thiếu thuộc tính bắt buộc 'title'",
        "$: thiếu thuộc tính bắt buộc 'groups'",
    ]


def test_a_form_for_an_unknown_procedure_is_refused(catalog):
    definition = copy.deepcopy(_demo()["forms"][0])
    definition["procedure"] = "9.999999"
    with pytest.raises(FormImportError) as caught:
        services.import_forms([definition], actor="test")
    assert caught.value.errors == [
        "9.999999: $[0].procedure: không có thủ tục 9.999999 đang áp dụng"
    ]


def test_broken_json_is_reported(tmp_path):
    path = tmp_path / "forms.json"
    path.write_text('{"forms": [', encoding="utf-8")
    with pytest.raises(FormImportError) as caught:
        services.import_forms(path, actor="test")
    assert caught.value.errors[0].startswith("JSON sai cú pháp ở dòng 1")


def test_a_revised_procedure_keeps_its_form_until_a_new_one_is_imported(catalog, communes):
    from motcua.catalog import services as catalog_services

    services.import_forms(DEMO_FORMS, actor="test")
    catalog_services.revise("1.004222", {"processing_days": 5}, actor="test")
    assert services.form_for("1.004222").procedure_version == 1
    definition = next(f for f in _demo()["forms"] if f["procedure"] == "1.004222")
    definition["title"] = "Tờ khai CT01 (bản mới)"
    assert services.import_forms([definition], actor="test") == 1
    form = services.form_for("1.004222")
    assert (form.procedure_version, form.title) == (2, "Tờ khai CT01 (bản mới)")
    assert services.form_at("1.004222", 1).title != form.title


def test_a_procedure_without_a_form_is_not_found(catalog):
    with pytest.raises(NotFound):
        services.form_for("1.001193")
    with pytest.raises(NotFound):
        services.form_for("9.999999")


def test_importing_forms_grants_nothing(catalog, communes):
    from motcua.exchange.models import Grant

    services.import_forms(DEMO_FORMS, actor="test")
    assert not Grant.objects.filter(consumer__code="motcua-eforms").exists()


def test_a_grant_the_owner_revoked_stays_revoked_when_forms_are_imported(catalog, communes):
    from motcua.exchange import services as exchange
    from motcua.exchange.models import Grant

    exchange.load_grants(actor="test")
    family = Grant.objects.get(
        consumer__code="motcua-eforms",
        service__code="population.person.family",
        revoked_at__isnull=True,
    )
    exchange.revoke_grant(family.pk, actor="owner:bo-cong-an")
    services.import_forms(DEMO_FORMS, actor="test")  # new and changed forms
    form = services.form_for("1.001193")
    services.save_definition(
        "1.001193",
        form.procedure_version,
        {**form.definition, "title": "Tờ khai đăng ký khai sinh (sửa)"},
        actor="admin",
    )
    exchange.load_grants(actor="test")  # the same declared version again
    assert not Grant.objects.filter(
        consumer__code="motcua-eforms",
        service__code="population.person.family",
        revoked_at__isnull=True,
    ).exists()


def test_the_command_imports_and_reports_errors(catalog, communes, tmp_path, capsys):
    call_command("import_forms", str(DEMO_FORMS))
    assert "63 mới hoặc thay đổi" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    data = _demo()
    data["forms"][0]["groups"] = []
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_forms", str(bad))
    assert "1.001193: $.forms[0].groups: số phần tử phải ít nhất 1" in capsys.readouterr().err


def test_the_admin_checks_the_definition(catalog, communes, admin_client):
    definition = next(f for f in _demo()["forms"] if f["procedure"] == "1.001193")
    broken = copy.deepcopy(definition)
    broken["groups"][0]["fields"][0]["prefill"] = {"service": "population.person.basic"}
    response = admin_client.post(
        "/admin/eforms/formdefinition/add/",
        {
            "procedure_code": "1.001193",
            "procedure_version": 1,
            "definition": json.dumps(broken, ensure_ascii=False),
        },
    )
    assert response.status_code == 200
    assert "$.groups[0].fields[0].prefill: thiếu thuộc tính bắt buộc" in response.content.decode()
    assert FormDefinition.objects.count() == 0
    response = admin_client.post(
        "/admin/eforms/formdefinition/add/",
        {
            "procedure_code": "1.001193",
            "procedure_version": 1,
            "definition": json.dumps(definition, ensure_ascii=False),
        },
    )
    assert response.status_code == 302
    row = FormDefinition.objects.get()
    assert row.content_hash == services.content_hash(definition)


def test_the_admin_refuses_an_unknown_procedure_version(catalog, admin_client):
    definition = next(f for f in _demo()["forms"] if f["procedure"] == "1.001193")
    response = admin_client.post(
        "/admin/eforms/formdefinition/add/",
        {
            "procedure_code": "1.001193",
            "procedure_version": 7,
            "definition": json.dumps(definition, ensure_ascii=False),
        },
    )
    assert response.status_code == 200
    assert "Thủ tục 1.001193 không có phiên bản 7." in response.content.decode()
    assert FormDefinition.objects.count() == 0


def test_the_owners_declared_grants_cover_every_demo_form_and_bundle(all_forms):
    from motcua.exchange import needs

    assert [m.msg for m in needs.check_grants(databases=["default"])] == []
