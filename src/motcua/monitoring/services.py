"""The monitoring centre's writes: counting the dossiers' history into the day and month
counters (incrementally, or all again from scratch), the plan's tasks and their CSV import,
and the service centres' readiness checklists.

The counting job reads the append-only history (`DossierEvent`) and ratings after a
high-water mark (`Cursor`) in id order and adds the effect of a window of ids to the
counters (`counting.count`, the one rule set), in one transaction with the new mark, so a
crash or a second run counts nothing twice; `recompute` counts one window of every id."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from . import access, counting, selectors
from .access import NATIONAL
from .counting import EVENTS, RATINGS
from .indexes import compute, conf
from .models import (
    COUNTERS,
    READINESS_ITEMS,
    REPORTS_BUILT,
    CentreReadiness,
    Cursor,
    DayStat,
    MonthStat,
    PlanTask,
    TaskEvidence,
    UnitReport,
)

REPORTS = REPORTS_BUILT


# ------------------------------------------------------------------------- counting


@dataclass
class UpdateReport:
    events: int = 0
    ratings: int = 0
    waiting_on_gap: bool = False

    def __str__(self) -> str:
        gap = " (chờ giao dịch đang chạy)" if self.waiting_on_gap else ""
        return f"monitoring: {self.events} sự kiện, {self.ratings} đánh giá{gap}"


def _locked_cursors() -> dict[str, Cursor]:
    for source in (EVENTS, RATINGS):
        Cursor.objects.get_or_create(source=source)
    return {c.source: c for c in Cursor.objects.select_for_update().order_by("source")}


def _advance(cursors: dict[str, Cursor], windows: dict[str, counting.Window]) -> UpdateReport:
    for source, window in windows.items():
        if window.last != cursors[source].last_id:
            cursors[source].last_id = window.last
            cursors[source].save(update_fields=["last_id", "updated_at"])
    return UpdateReport(
        events=windows[EVENTS].rows,
        ratings=windows[RATINGS].rows,
        waiting_on_gap=any(w.gap for w in windows.values()),
    )


def update(
    *, batch: int | None = None, now: dt.datetime | None = None, reports: bool = True
) -> UpdateReport:
    """Count the history rows and ratings added since the last run (at most `batch` of
    each), and judge again the units and periods they touched (`reports`). Run it in a
    loop (`manage.py monitoring_update --loop 60`)."""
    batch = batch or conf("BATCH")
    now = now or timezone.now()
    with transaction.atomic():
        cursors = _locked_cursors()
        windows = {s: counting.window(s, cursors[s].last_id, now, batch) for s in (EVENTS, RATINGS)}
        touched = counting.count(windows[EVENTS], windows[RATINGS])
        if reports:
            if REPORTS in cursors:
                refresh_reports(touched)
            else:  # first run since the table exists: judge every month counted so far
                refresh_reports(None)
                Cursor.objects.create(source=REPORTS, last_id=1)
        return _advance(cursors, windows)


def catch_up(
    *, batch: int | None = None, now: dt.datetime | None = None, reports: bool = True
) -> UpdateReport:
    """Run `update` until nothing is left (or a recent gap must wait)."""
    total = UpdateReport()
    while True:
        report = update(batch=batch, now=now, reports=reports)
        total.events += report.events
        total.ratings += report.ratings
        total.waiting_on_gap = report.waiting_on_gap
        if not (report.events or report.ratings):
            return total


def recompute(*, now: dt.datetime | None = None) -> UpdateReport:
    """Forget every counter and count the whole history again, in one transaction (the
    pages keep showing the old figures until it commits): the job's counting over one
    window of every id, then every unit's judged reports."""
    now = now or timezone.now()
    with transaction.atomic():
        cursors = _locked_cursors()
        DayStat.objects.all().delete()
        MonthStat.objects.all().delete()
        windows = {s: counting.window(s, 0, now) for s in (EVENTS, RATINGS)}
        counting.count(windows[EVENTS], windows[RATINGS], whole=True)
        report = _advance(cursors, windows)
        rebuild_reports()
        return report


def rebuild_reports() -> int:
    """Judge every unit of every month, quarter and year again from the month counters
    (after `recompute`, or after the thresholds changed); the number of rows written."""
    with transaction.atomic():
        Cursor.objects.get_or_create(source=REPORTS, defaults={"last_id": 1})
        list(Cursor.objects.select_for_update().order_by("source"))  # the job waits
        UnitReport.objects.all().delete()
        return refresh_reports(None)


def _periods_of(month: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(kind, first day, last day) of the month, quarter and year a month belongs to."""
    quarter = (month.month - 1) // 3 + 1
    codes = (f"{month:%Y-%m}", f"{month.year}-Q{quarter}", str(month.year))
    return [(p.kind, p.first, p.last) for p in map(selectors.period, codes)]


def refresh_reports(touched: Iterable[Any] | None) -> int:
    """Sum the month counters again and judge the communes, provinces and nation of the
    months `touched` (month counter keys (month, province, commune)) over each month,
    quarter and year they fall in, replacing their `UnitReport` rows; every unit of every
    month counted when `touched` is None. The number of rows written."""
    everything = touched is None
    plan: dict[tuple[str, dt.date, dt.date], tuple[set[str], set[str]]] = {}
    if touched is None:
        months = MonthStat.objects.values_list("month", flat=True).distinct()
        plan = {period: (set(), set()) for m in months for period in _periods_of(m)}
    for month, province, commune in touched or ():
        for period in _periods_of(month):
            communes, provinces = plan.setdefault(period, (set(), set()))
            if commune:
                communes.add(commune)
            provinces.add(province)
    thresholds = conf("THRESHOLDS")
    sums = {name: Sum(name) for name in COUNTERS}
    written = 0
    for (kind, first, last), (communes, provinces) in sorted(plan.items()):
        rows = MonthStat.objects.filter(month__gte=first, month__lte=last)
        by_commune = rows.exclude(commune="")
        by_province = rows.exclude(province="")
        if not everything:
            by_commune = by_commune.filter(commune__in=communes)
            by_province = by_province.filter(province__in=provinces)
        found: list[tuple[str, str, str, dict[str, Any]]] = [
            ("commune", row["commune"], row["province"], dict(row))
            for row in by_commune.values("province", "commune").annotate(**sums).order_by()
        ]
        found += [
            ("province", row["province"], row["province"], dict(row))
            for row in by_province.values("province").annotate(**sums).order_by()
        ]
        found.append(("nation", NATIONAL, "", rows.aggregate(**sums)))
        stale = UnitReport.objects.filter(kind=kind, first=first)
        if not everything:
            stale = stale.filter(
                Q(unit__in=[unit for _level, unit, _p, _row in found]) | Q(unit=NATIONAL)
            )
        stale.delete()
        made = []
        for level, unit, province, row in found:
            r = compute(row, thresholds)
            made.append(
                (
                    kind,
                    first,
                    level,
                    unit,
                    province,
                    *(r.counters[name] for name in COUNTERS),
                    r.score,
                    r.colour,
                    *(json.dumps(v) for v in (r.indexes, r.details, r.colours, r.reasons)),
                )
            )
        _insert_reports(made)
        written += len(made)
    return written


REPORT_COLUMNS = ("kind", "first", "level", "unit", "province", *COUNTERS, "score", "colour")
REPORT_COLUMNS += ("indexes", "details", "colours", "reasons")


def _insert_reports(rows: list[tuple[Any, ...]]) -> None:
    """Insert judged reports in plain SQL (the ORM's bulk_create spent most of the job's
    time preparing ~40 values a row): PostgreSQL one `unnest` statement, SQLite
    executemany."""
    if not rows:
        return
    table = connection.ops.quote_name(UnitReport._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in REPORT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ["text", "date", "text", "text", "text", *["integer"] * len(COUNTERS)]
            types += ["double precision", "text", "text", "text", "text", "text"]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            names = [f"c{n}" for n in range(len(types))]
            select = ", ".join(
                f"{name}::jsonb" if column in ("indexes", "details", "colours", "reasons") else name
                for name, column in zip(names, REPORT_COLUMNS, strict=True)
            )
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) SELECT {select} "  # noqa: S608
                f"FROM unnest({arrays}) AS u({', '.join(names)})",
                columns,
            )
            return
        marks = ", ".join(["%s"] * len(REPORT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)  # noqa: S608


# ------------------------------------------------------------------------- plan tasks

TASK_COLUMNS = (
    "code",
    "title",
    "group",
    "pillar",
    "phase",
    "owner_agency",
    "assigned_units",
    "deadline",
    "status",
    "output_measure",
)
OPTIONAL_COLUMNS = ("evidence_links",)
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_UNIT_RE = re.compile(r"^(VN|\d{2}|\d{5})$")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _parse_date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _task_row(row: dict[str, str]) -> tuple[dict[str, Any], list[str], list[str]]:
    """The fields of one CSV row, the evidence links, and what is wrong with it."""
    problems = []
    value = {k: (row.get(k) or "").strip() for k in (*TASK_COLUMNS, *OPTIONAL_COLUMNS)}
    if not _CODE_RE.match(value["code"]):
        problems.append("mã nhiệm vụ (code) trống hoặc không hợp lệ")
    if not value["title"]:
        problems.append("thiếu tên nhiệm vụ (title)")
    group = int(value["group"]) if value["group"].isdigit() else 0
    if not 1 <= group <= 8:
        problems.append("nhóm nhiệm vụ (group) phải từ 1 đến 8")
    for name, choices in (
        ("pillar", PlanTask.Pillar.values),
        ("phase", PlanTask.Phase.values),
        ("status", PlanTask.Status.values),
    ):
        if value[name] not in choices:
            problems.append(f"{name} phải là một trong: {', '.join(choices)}")
    if not value["owner_agency"]:
        problems.append("thiếu cơ quan chủ trì (owner_agency)")
    units = [u for u in re.split(r"[;\s]+", value["assigned_units"]) if u]
    bad_units = [u for u in units if not _UNIT_RE.match(u)]
    if bad_units:
        problems.append(f"mã đơn vị không hợp lệ: {', '.join(bad_units[:5])}")
    deadline = None
    try:
        deadline = _parse_date(value["deadline"])
    except ValueError:
        problems.append("hạn (deadline) phải có dạng YYYY-MM-DD hoặc DD/MM/YYYY")
    if not value["output_measure"]:
        problems.append("thiếu sản phẩm đầu ra để đo (output_measure)")
    links = [u for u in value["evidence_links"].split() if u]
    bad_links = [u for u in links if not u.startswith(("https://", "http://"))]
    if bad_links:
        problems.append("liên kết minh chứng phải bắt đầu bằng http:// hoặc https://")
    fields = {
        "title": value["title"][:500],
        "group": group,
        "pillar": value["pillar"],
        "phase": value["phase"],
        "owner_agency": value["owner_agency"][:255],
        "assigned_units": units,
        "deadline": deadline,
        "status": value["status"],
        "output_measure": value["output_measure"],
    }
    return {"code": value["code"], **fields}, links, problems


def import_tasks(content: str | bytes, *, actor: str) -> ImportResult:
    """Import the plan's tasks from CSV (header row with TASK_COLUMNS, optional
    `evidence_links` separated by spaces). All or nothing: any bad row refuses the whole
    file, with each problem's line number. A task already there (same code) is updated;
    its verification stays as the centre left it."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("Tệp CSV phải mã hóa UTF-8.") from None
    reader = csv.DictReader(io.StringIO(content))
    missing = [c for c in TASK_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"Tệp CSV thiếu cột: {', '.join(missing)}.", errors=[])
    parsed, errors, seen = [], [], set()
    for row in reader:
        fields, links, problems = _task_row(row)
        if fields["code"] in seen:
            problems.append("mã nhiệm vụ bị trùng trong tệp")
        seen.add(fields["code"])
        for problem in problems:
            errors.append(f"Dòng {reader.line_num}: {problem}")
        parsed.append((fields, links))
    if errors:
        raise InvalidInput(
            f"Tệp có {len(errors)} lỗi, không nhiệm vụ nào được lưu. " + " ".join(errors[:20]),
            errors=errors,
        )
    result = ImportResult()
    with transaction.atomic():
        for fields, links in parsed:
            code = fields.pop("code")
            task, created = PlanTask.objects.update_or_create(code=code, defaults=fields)
            result.created += int(created)
            result.updated += int(not created)
            known = set(task.evidence.values_list("link", flat=True))
            for link in links:
                if link not in known:
                    TaskEvidence.objects.create(task=task, link=link, added_by=actor[:60])
        audit.record(
            actor=actor,
            action="monitoring.tasks_imported",
            target_type="monitoring.plan",
            data={"created": result.created, "updated": result.updated},
        )
    return result


def is_late(task: PlanTask, today: dt.date | None = None) -> bool:
    """Past its deadline without a verified output, whatever its owner reported."""
    today = today or timezone.localdate()
    return task.deadline < today and not task.output_verified


@transaction.atomic
def verify_task(viewer: access.Viewer, code: str, *, verified: bool = True) -> PlanTask:
    """The centre confirms (or withdraws) that the task's output exists."""
    if not viewer.national:
        raise PermissionDenied("Chỉ Trung tâm giám sát quốc gia xác nhận kết quả nhiệm vụ.")
    task = PlanTask.objects.select_for_update().filter(code=code).first()
    if task is None:
        raise NotFound(f"Không có nhiệm vụ {code[:40]}.")
    if verified and not task.evidence.exists():
        raise Conflict("Nhiệm vụ chưa có minh chứng; chưa thể xác nhận.")
    task.output_verified = verified
    task.verified_by = viewer.personal_id if verified else ""
    task.verified_at = timezone.now() if verified else None
    task.save()
    audit.record(
        actor=viewer.personal_id,
        action="monitoring.task_verified" if verified else "monitoring.task_unverified",
        target_type="monitoring.task",
        target_id=task.code,
    )
    return task


@transaction.atomic
def add_evidence(
    viewer: access.Viewer, code: str, *, link: str = "", note: str = ""
) -> TaskEvidence:
    task = PlanTask.objects.filter(code=code).first()
    if task is None:
        raise NotFound(f"Không có nhiệm vụ {code[:40]}.")
    if not (viewer.national or any(viewer.can_see(u) for u in task.assigned_units)):
        raise PermissionDenied("Nhiệm vụ này không giao cho đơn vị của bạn.")
    if not link.startswith(("https://", "http://")):
        raise InvalidInput("Liên kết minh chứng phải bắt đầu bằng http:// hoặc https://.")
    evidence = TaskEvidence.objects.create(
        task=task, link=link[:500], note=note[:500], added_by=viewer.personal_id
    )
    audit.record(
        actor=viewer.personal_id,
        action="monitoring.task_evidence_added",
        target_type="monitoring.task",
        target_id=task.code,
    )
    return evidence


# ------------------------------------------------------------------------- readiness


def readiness_of(commune: str) -> CentreReadiness:
    found = CentreReadiness.objects.filter(commune=commune).first()
    return found or CentreReadiness(commune=commune, province="")


@transaction.atomic
def update_readiness(
    viewer: access.Viewer, commune: str, items: Iterable[str], *, note: str = ""
) -> CentreReadiness:
    """The commune's officials tick what their centre has; the province must verify again."""
    unit = access.commune_unit(commune)
    if not viewer.may_update_readiness(unit.code, unit.province_id):
        raise PermissionDenied("Chỉ cán bộ của xã cập nhật mức độ sẵn sàng của xã.")
    chosen = set(items)
    unknown = chosen - {key for key, _label in READINESS_ITEMS}
    if unknown:
        raise InvalidInput(f"Hạng mục không hợp lệ: {', '.join(sorted(unknown))}.")
    row, _created = CentreReadiness.objects.select_for_update().get_or_create(
        commune=unit.code, defaults={"province": unit.province_id}
    )
    for key, _label in READINESS_ITEMS:
        setattr(row, key, key in chosen)
    row.note = note[:2000]
    row.updated_by, row.updated_at = viewer.personal_id, timezone.now()
    row.verified, row.verified_by, row.verified_at = False, "", None
    row.save()
    audit.record(
        actor=viewer.personal_id,
        action="monitoring.readiness_updated",
        target_type="monitoring.readiness",
        target_id=unit.code,
        data={"items": sorted(chosen)},
    )
    return row


@transaction.atomic
def verify_readiness(viewer: access.Viewer, commune: str) -> CentreReadiness:
    """The province's officials confirm the commune's checklist as it stands."""
    unit = access.commune_unit(commune)
    if not viewer.may_verify_readiness(unit.province_id):
        raise PermissionDenied("Chỉ cán bộ cấp tỉnh xác nhận mức độ sẵn sàng của xã.")
    row = CentreReadiness.objects.select_for_update().filter(commune=unit.code).first()
    if row is None or row.updated_at is None:
        raise Conflict("Xã chưa cập nhật mức độ sẵn sàng.")
    row.verified, row.verified_by, row.verified_at = True, viewer.personal_id, timezone.now()
    row.save()
    audit.record(
        actor=viewer.personal_id,
        action="monitoring.readiness_verified",
        target_type="monitoring.readiness",
        target_id=unit.code,
    )
    return row
