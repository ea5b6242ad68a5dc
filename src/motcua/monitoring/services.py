"""The monitoring centre's writes: counting the dossiers' history into the day and month
counters (incrementally, or all again from scratch), the plan's tasks and their CSV import,
and the service centres' readiness checklists.

The counting job reads the append-only history (`DossierEvent`) and ratings after a
high-water mark (`Cursor`) in id order and adds each row's effect to the counters, in one
transaction with the new mark, so a crash or a second run counts nothing twice. An id that
is missing may belong to a transaction still running: the job stops before such a gap until
it is older than `GAP_GRACE_SECONDS` (then it was a rolled-back insert). Each row's effect
depends only on that row, on earlier rows and on dossier facts fixed by then, so counting in
batches of any size, or all again with `recompute`, gives the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core.calendar import VN_TZ, default_calendar
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from . import access, selectors, sources
from .access import NATIONAL
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

EVENTS, RATINGS = "dossier_events", "ratings"
REPORTS = REPORTS_BUILT
SQLITE_CHUNK = 30  # rows per upsert statement: 29 parameters a row, under SQLite's limit
RECOMPUTE_BATCH = 50_000
PAYMENT_PLATFORM = "system:payments"
# History actions counted whatever the status before them (a submission counts from a
# draft only, a withdrawal from anything but a draft: `_counted`).
COUNTED_ACTIONS = (
    "received",
    "refused",
    "supplement_requested",
    "result_ready",
    "returned",
    "paid",
)

DayKey = tuple[dt.date, str, str, str, str]
MonthKey = tuple[dt.date, str, str]


# ------------------------------------------------------------------------- counting


@dataclass
class UpdateReport:
    events: int = 0
    ratings: int = 0
    waiting_on_gap: bool = False

    def __str__(self) -> str:
        gap = " (chờ giao dịch đang chạy)" if self.waiting_on_gap else ""
        return f"monitoring: {self.events} sự kiện, {self.ratings} đánh giá{gap}"


@dataclass
class _Deltas:
    days: dict[Any, dict[str, int]] = field(default_factory=dict)
    months: dict[Any, dict[str, int]] = field(default_factory=dict)

    def add(self, when: dt.datetime, dossier: dict[str, Any], **counts: int) -> None:
        day = when.astimezone(VN_TZ).date()
        province, commune = unit_of(dossier["receiving_unit"])
        sector, _level = sources.version_facts(
            dossier["procedure_code"], dossier["procedure_version"]
        )
        day_key: DayKey = (day, province, commune, sector, dossier["procedure_code"])
        month_key: MonthKey = (day.replace(day=1), province, commune)
        for key, table in ((day_key, self.days), (month_key, self.months)):
            row = table.setdefault(key, {})
            for name, value in counts.items():
                row[name] = row.get(name, 0) + value


def unit_of(agency_code: str) -> tuple[str, str]:
    """(province, commune) of an agency code `PP.kind` or `PP.CCCCC.kind`."""
    parts = agency_code.split(".")
    province = parts[0] if len(parts[0]) == 2 and parts[0].isdigit() else ""
    commune = parts[1] if len(parts) == 3 and len(parts[1]) == 5 else ""
    return province, commune


def _contiguous(rows: list[dict[str, Any]], last: int, stamp: str, now: dt.datetime) -> int:
    """How many of `rows` (in id order after `last`) may be counted now: up to the first
    gap in the ids that is younger than the grace period (from the start, `last` = 0, ids
    need not begin at 1)."""
    grace = dt.timedelta(seconds=conf("GAP_GRACE_SECONDS"))
    for n, row in enumerate(rows):
        if last and row["id"] != last + 1 and row[stamp] > now - grace:
            return n
        last = row["id"]
    return len(rows)


def update(
    *, batch: int | None = None, now: dt.datetime | None = None, reports: bool = True
) -> UpdateReport:
    """Count the history rows and ratings added since the last run (at most `batch` of
    each), and judge again the units and periods they touched (`reports`; `recompute`
    judges everything once at the end instead). Run it in a loop (`manage.py
    monitoring_update --loop 60`)."""
    batch = batch or conf("BATCH")
    now = now or timezone.now()
    report = UpdateReport()
    with transaction.atomic():
        for source in (EVENTS, RATINGS):
            Cursor.objects.get_or_create(source=source)
        cursors = {c.source: c for c in Cursor.objects.select_for_update().order_by("source")}
        deltas = _Deltas()
        events = sources.events_after(cursors[EVENTS].last_id, batch)
        take = _contiguous(events, cursors[EVENTS].last_id, "at", now)
        report.waiting_on_gap = take < len(events)
        events = events[:take]
        _count_events(events, deltas)
        ratings = sources.ratings_after(cursors[RATINGS].last_id, batch)
        take = _contiguous(ratings, cursors[RATINGS].last_id, "rated_at", now)
        report.waiting_on_gap = report.waiting_on_gap or take < len(ratings)
        ratings = ratings[:take]
        _count_ratings(ratings, deltas)
        _write(DayStat, ("day", "province", "commune", "sector", "procedure"), deltas.days)
        _write(MonthStat, ("month", "province", "commune"), deltas.months)
        if reports:
            if REPORTS in cursors:
                refresh_reports(deltas.months)
            else:  # first run since the table exists: judge every month counted so far
                refresh_reports(None)
                Cursor.objects.create(source=REPORTS, last_id=1)
        for source, rows in ((EVENTS, events), (RATINGS, ratings)):
            if rows:
                cursors[source].last_id = rows[-1]["id"]
                cursors[source].save(update_fields=["last_id", "updated_at"])
        report.events, report.ratings = len(events), len(ratings)
    return report


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


def recompute(*, batch: int | None = None, now: dt.datetime | None = None) -> UpdateReport:
    """Forget every counter and count the whole history again, in one transaction (the
    pages keep showing the old figures until it commits): set-based in SQL
    (`recount.count_all`, the same rules), then whatever the job would count after it
    (`catch_up`), then every unit's judged reports."""
    from . import recount

    now = now or timezone.now()
    with transaction.atomic():
        for source in (EVENTS, RATINGS):
            Cursor.objects.get_or_create(source=source)
        cursors = {c.source: c for c in Cursor.objects.select_for_update().order_by("source")}
        DayStat.objects.all().delete()
        MonthStat.objects.all().delete()
        counted = recount.count_all(now)
        for source in (EVENTS, RATINGS):
            cursors[source].last_id = counted[source][0]
            cursors[source].save(update_fields=["last_id", "updated_at"])
        report = UpdateReport(events=counted[EVENTS][1], ratings=counted[RATINGS][1])
        rest = catch_up(batch=batch or RECOMPUTE_BATCH, now=now, reports=False)
        report.events += rest.events
        report.ratings += rest.ratings
        report.waiting_on_gap = rest.waiting_on_gap
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


def _count_events(events: list[dict[str, Any]], deltas: _Deltas) -> None:
    wanted = [e for e in events if _counted(e)]
    if not wanted:
        return
    facts = sources.dossiers(e["dossier_id"] for e in wanted)
    answers = [e["dossier_id"] for e in wanted if e["action"] in sources.ANSWERS]
    first_answer = sources.first_answers(answers) if answers else {}
    submitted = [e["dossier_id"] for e in wanted if e["action"] == "submitted"]
    records, files = sources.components(submitted) if submitted else ({}, {})
    walk_ins = [i for i in submitted if i in facts and facts[i]["channel"] == "counter"]
    digitized = sources.first_digitizations(walk_ins) if walk_ins else {}
    with_result = {
        facts[e["dossier_id"]]["code"]
        for e in wanted
        if e["action"] in ("result_ready", "returned") and e["dossier_id"] in facts
    }
    results = sources.first_results(with_result) if with_result else {}
    calendar = default_calendar()
    for event in wanted:
        dossier = facts.get(event["dossier_id"])
        if dossier is None:
            continue
        action, at = event["action"], event["at"]
        if action == "submitted":
            _level = sources.version_facts(dossier["procedure_code"], dossier["procedure_version"])
            uploaded = {p for p, when in files.get(dossier["id"], []) if when <= at}
            reused = records.get(dossier["id"], 0)
            online = dossier["channel"] == "online"
            walk_in = dossier["channel"] == "counter"
            deltas.add(
                at,
                dossier,
                submitted=1,
                online=int(online),
                assisted=int(dossier["channel"] == "assisted"),
                walk_in=int(walk_in),
                walk_in_digitized=int(walk_in and _issued_by(digitized.get(dossier["id"]), at)),
                fully_online=int(online and _level[1] == "full"),
                fee_required=int(dossier["fee_amount"] > 0),
                components=len(uploaded) + reused,
                components_reused=reused,
            )
            continue
        first = first_answer.get(dossier["id"]) == event["seq"]
        if action in sources.ANSWERS and event["from_status"] == "submitted" and first:
            timely = dossier["submitted_at"] is not None and _timely(
                dossier["submitted_at"], at, calendar.cutoff_hour
            )
            deltas.add(at, dossier, answered=1, answered_timely=int(timely))
        if action in ("received", "refused", "withdrawn"):
            deltas.add(at, dossier, **{action: 1})
        elif action == "result_ready":
            digital = _issued_by(results.get(dossier["code"]), at)
            due, day = dossier["due_date"], at.astimezone(VN_TZ).date()
            timing = {}
            if due is not None:
                timing = {
                    "finished_early": int(day < due),
                    "finished_on_time": int(day == due),
                    "finished_late": int(day > due),
                }
            deltas.add(at, dossier, finished=1, results_digital=int(digital), **timing)
        elif action == "returned":
            digital = _issued_by(results.get(dossier["code"]), at)
            deltas.add(at, dossier, returned=1, returned_online=int(digital))
        elif action == "paid":
            deltas.add(at, dossier, paid=1, paid_online=int(event["actor"] == PAYMENT_PLATFORM))


def _counted(event: dict[str, Any]) -> bool:
    action, before = event["action"], event["from_status"]
    if action == "submitted":
        return before == "draft"
    if action == "withdrawn":
        return before != "draft"
    return action in COUNTED_ACTIONS


def _timely(submitted: dt.datetime, answered: dt.datetime, cutoff: int) -> bool:
    """Answered no later than one working day after the submission's counting day."""
    local = submitted.astimezone(VN_TZ)
    return answered.astimezone(VN_TZ).date() <= last_timely_day(local.date(), local.hour >= cutoff)


@lru_cache(maxsize=65536)
def last_timely_day(day: dt.date, after_cutoff: bool) -> dt.date:
    """The last day (a day off included) on which an answer to a submission made on `day`
    (after the cut-off hour or not) is timely: within one working day of its counting day."""
    start = dt.datetime.combine(day, dt.time(23 if after_cutoff else 0), tzinfo=VN_TZ)
    return default_calendar().last_day_within(start, 1)


def _issued_by(issued: dt.datetime | None, at: dt.datetime) -> bool:
    return issued is not None and issued <= at


def _count_ratings(ratings: list[dict[str, Any]], deltas: _Deltas) -> None:
    if not ratings:
        return
    facts = sources.dossiers(r["dossier_id"] for r in ratings)
    for rating in ratings:
        dossier = facts.get(rating["dossier_id"])
        if dossier is None:
            continue
        score = int(rating["score"])
        deltas.add(
            rating["rated_at"],
            dossier,
            ratings=1,
            rating_points=score,
            ratings_satisfied=int(score >= 4),
        )


def _write(model: Any, keys: tuple[str, ...], rows: dict[Any, dict[str, int]]) -> None:
    """Add `rows` to the counters with upserts (`ON CONFLICT ... DO UPDATE`). PostgreSQL:
    one statement with a column of values per parameter (`unnest`); SQLite: multi-row
    VALUES in chunks. Every key appears once, so no row is touched twice by a statement."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in (*keys, *COUNTERS)]
    head = f"INSERT INTO {table} ({', '.join(quoted)}) "
    sets = ", ".join(f"{q} = {table}.{q} + excluded.{q}" for q in quoted[len(keys) :])
    tail = f" ON CONFLICT ({', '.join(quoted[: len(keys)])}) DO UPDATE SET {sets}"
    params = [(*key, *(counts.get(c, 0) for c in COUNTERS)) for key, counts in rows.items()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = ["date", *["text"] * (len(keys) - 1), *["integer"] * len(COUNTERS)]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            columns = [list(column) for column in zip(*params, strict=True)]
            cursor.execute(f"{head}SELECT * FROM unnest({arrays}){tail}", columns)  # noqa: S608
            return
        one_row = f"({', '.join(['%s'] * len(quoted))})"
        for start in range(0, len(params), SQLITE_CHUNK):
            chunk = params[start : start + SQLITE_CHUNK]
            values = ", ".join([one_row] * len(chunk))
            cursor.execute(f"{head}VALUES {values}{tail}", [v for row in chunk for v in row])


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
