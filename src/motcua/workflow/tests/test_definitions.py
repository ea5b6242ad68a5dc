"""Process definitions are data: validated on import, a broken one refused with its reason."""

from __future__ import annotations

import copy
import json

import pytest

from motcua.workflow import services
from motcua.workflow.definitions import DefinitionError
from motcua.workflow.models import ProcessDefinition

from .conftest import FIXTURE

pytestmark = pytest.mark.django_db

GOOD = {
    "code": "thu-nghiem",
    "version": 1,
    "name": "Quy trình thử nghiệm",
    "procedures": ["1.001193"],
    "authority": {"rule": "receiving_commune"},
    "steps": [
        {
            "key": "receive",
            "label": "Tiếp nhận",
            "role": "one_stop_officer",
            "unit": "receiving",
            "share": 10,
            "actions": {"accept": "process", "refuse": "@refused"},
        },
        {
            "key": "process",
            "label": "Xử lý",
            "role": "specialist",
            "unit": "authority",
            "share": 60,
            "actions": {"forward": "sign"},
        },
        {
            "key": "sign",
            "label": "Ký",
            "role": "leader",
            "unit": "authority",
            "share": 30,
            "actions": {"sign": "@done", "return_for_rework": "process"},
        },
    ],
}


def file_with(process: dict) -> str:
    return json.dumps({"format": "motcua.workflow/1", "processes": [process]})


def broken(change) -> dict:
    process = copy.deepcopy(GOOD)
    change(process)
    return process


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda p: p["steps"].append(
                {
                    "key": "orphan",
                    "label": "Mồ côi",
                    "role": "specialist",
                    "unit": "authority",
                    "actions": {"forward": "sign"},
                }
            ),
            "không tới được bước 'orphan'",
        ),
        (
            lambda p: p["steps"][2]["actions"].update({"sign": "process"}),
            "không thể tới kết thúc",
        ),
        (lambda p: p["steps"][1].update({"role": "chief"}), "vai trò 'chief' không tồn tại"),
        (lambda p: p["steps"][1]["actions"].update({"teleport": "sign"}), "'teleport'"),
        (lambda p: p["steps"][1].update({"share": 95}), "vượt quá 100%"),
        (lambda p: p["steps"][1].update({"unit": "authority:nha-tho"}), "'nha-tho'"),
        (
            lambda p: p.update({"authority": {"rule": "data_commune"}}),
            "cần đường dẫn trường dữ liệu",
        ),
    ],
    ids=["unreachable", "dead-end", "unknown-role", "unknown-action", "shares", "unit", "path"],
)
def test_a_broken_definition_is_refused_with_the_reason(change, reason):
    with pytest.raises(DefinitionError) as refused:
        services.import_processes(file_with(broken(change)), actor="test")
    assert any(reason in error for error in refused.value.errors), refused.value.errors
    assert not ProcessDefinition.objects.exists()


def test_one_broken_process_stops_the_whole_file():
    content = json.dumps(
        {
            "format": "motcua.workflow/1",
            "processes": [GOOD, broken(lambda p: p.update({"code": "hong", "procedures": ["x"]}))],
        }
    )
    with pytest.raises(DefinitionError):
        services.import_processes(content, actor="test")
    assert not ProcessDefinition.objects.exists()


def test_import_is_idempotent_and_a_changed_version_is_refused(world):
    first = services.import_processes(file_with(GOOD), actor="test")
    again = services.import_processes(file_with(GOOD), actor="test")
    assert first.created == ["thu-nghiem v1"] and again.unchanged == ["thu-nghiem v1"]
    changed = broken(lambda p: p.update({"name": "Tên khác"}))
    with pytest.raises(DefinitionError, match="tăng version"):
        services.import_processes(file_with(changed), actor="test")
    services.import_processes(file_with({**changed, "version": 2}), actor="test")
    assert services.process_for("1.001193").version == 2


def test_every_demo_procedure_has_a_process(processes):
    catalog = json.loads(
        (FIXTURE.parents[2] / "catalog/fixtures/demo_procedures.json").read_text(encoding="utf-8")
    )
    codes = [p["code"] for p in catalog["procedures"] if p.get("kind", "single") == "single"]
    assert len(codes) == 57  # and 6 integrated services (issue 10)
    missing = [code for code in codes if services.process_for(code) is None]
    assert missing == []
    # An integrated service has no process of its own: each member goes through its own.
    bundles = [p["code"] for p in catalog["procedures"] if p.get("kind") == "integrated"]
    assert bundles and all(services.process_for(code) is None for code in bundles)


def test_the_import_command_reports_errors_and_writes_nothing(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "hong.json"
    path.write_text(file_with(broken(lambda p: p["steps"][1].update({"role": "x"}))))
    with pytest.raises(CommandError, match="không nhập quy trình nào"):
        call_command("import_processes", str(path))
    assert not ProcessDefinition.objects.exists()
