"""The plan's tasks: CSV import all or nothing, lateness by verified output, verification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.monitoring import access, selectors, services
from motcua.monitoring.models import PlanTask

pytestmark = pytest.mark.django_db

HEADER = (
    "code,title,group,pillar,phase,owner_agency,assigned_units,deadline,status,"
    "output_measure,evidence_links\n"
)
PAST = "2020-01-31"


def _csv(*rows: str) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


GOOD = _csv(
    f"NV-01,Kết nối phần mềm một cửa,3,platforms,urgent,Bộ Công an,01 79,{PAST},done,"
    "100% xã kết nối,https://example.gov.vn/bc-01",
    "NV-02,Tập huấn cán bộ,6,human_resources,breakthrough,Bộ Nội vụ,VN,31/12/2099,in_progress,"
    "3.321 xã có cán bộ được tập huấn,",
)
CENTRE = access.Viewer("001080000900", ("monitor",), frozenset(), frozenset(), national=True)


def test_a_file_with_bad_rows_is_refused_with_line_numbers_and_nothing_is_saved():
    bad = _csv(
        f"NV-01,Kết nối,3,platforms,urgent,Bộ Công an,01,{PAST},done,đo,",
        "NV-02,,9,roads,urgent,Bộ Nội vụ,01,2099-13-01,done,đo,",
        f"NV-01,Trùng mã,3,data,urgent,Bộ Công an,ABC,{PAST},done,,ftp://x",
    )
    with pytest.raises(InvalidInput) as refused:
        services.import_tasks(bad, actor="test")
    errors = refused.value.extra["errors"]
    assert any(e.startswith("Dòng 3:") and "group" in e for e in errors)
    assert any(e.startswith("Dòng 3:") and "pillar" in e for e in errors)
    assert any(e.startswith("Dòng 3:") and "deadline" in e for e in errors)
    assert any(e.startswith("Dòng 4:") and "trùng" in e for e in errors)
    assert any(e.startswith("Dòng 4:") and "ABC" in e for e in errors)
    assert not any(e.startswith("Dòng 2:") for e in errors)
    assert PlanTask.objects.count() == 0


def test_a_task_past_its_deadline_is_late_even_when_reported_done_until_verified():
    result = services.import_tasks(GOOD, actor="test")
    assert (result.created, result.updated) == (2, 0)
    done = PlanTask.objects.get(code="NV-01")
    assert done.status == "done" and done.assigned_units == ["01", "79"]
    assert [t.code for t in selectors.late_tasks()] == ["NV-01"]

    services.verify_task(CENTRE, "NV-01")

    assert selectors.late_tasks() == []
    assert not services.is_late(PlanTask.objects.get(code="NV-01"))


def test_importing_again_updates_and_keeps_the_verification():
    services.import_tasks(GOOD, actor="test")
    services.verify_task(CENTRE, "NV-01")
    again = services.import_tasks(GOOD.replace("Kết nối phần mềm", "Kết nối hệ thống"), actor="t")
    assert (again.created, again.updated) == (0, 2)
    task = PlanTask.objects.get(code="NV-01")
    assert task.title.startswith("Kết nối hệ thống") and task.output_verified
    assert task.evidence.count() == 1


def test_only_the_national_centre_verifies_and_only_with_evidence():
    services.import_tasks(GOOD, actor="test")
    province = access.Viewer("001080000901", ("monitor",), frozenset({"01"}), frozenset())
    with pytest.raises(PermissionDenied):
        services.verify_task(province, "NV-01")
    with pytest.raises(Conflict):
        services.verify_task(CENTRE, "NV-02")
    services.add_evidence(province, "NV-01", link="https://example.gov.vn/bc-02")
    assert PlanTask.objects.get(code="NV-01").evidence.count() == 2


def test_the_import_command_lists_errors_and_saves_nothing(tmp_path, capsys):
    path = tmp_path / "tasks.csv"
    path.write_text(_csv(f"NV-09,X,0,data,urgent,Bộ,01,{PAST},done,đo,"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("monitoring_import_tasks", str(path))
    assert "Dòng 2" in capsys.readouterr().err
    assert not PlanTask.objects.exists()
    path.write_text(GOOD, encoding="utf-8")
    call_command("monitoring_import_tasks", str(path))
    assert PlanTask.objects.count() == 2
    assert dt.date(2020, 1, 31) == PlanTask.objects.get(code="NV-01").deadline
