"""Read queries of the monitoring centre: periods, unit reports, rankings, trends, late
tasks and the open data. Months, quarters and years are read from the judged reports the
counting job keeps (`UnitReport`: one row per unit and period, so a page reads the ~34
provinces, a province's communes or the RED ones and judges nothing); a single day, and any
period before the job first built that table, are summed from the day or month counters and
judged on the fly."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from motcua.core.errors import InvalidInput, NotFound
from motcua.units import selectors as units

from . import indexes
from .access import NATIONAL
from .indexes import GREEN, RED, Report, compute
from .models import (
    COUNTERS,
    REPORTS_BUILT,
    CentreReadiness,
    Cursor,
    DayStat,
    MonthStat,
    PlanTask,
    UnitReport,
)

_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2})(?:-(\d{2}))?))?$")


@dataclass(frozen=True)
class Period:
    """A year (`2025`), quarter (`2025-Q3`), month (`2025-07`) or day (`2025-07-14`)."""

    code: str
    first: dt.date
    last: dt.date
    kind: str

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"Năm {self.first.year}"
        if self.kind == "quarter":
            return f"Quý {(self.first.month - 1) // 3 + 1}/{self.first.year}"
        if self.kind == "month":
            return f"Tháng {self.first:%m/%Y}"
        return f"Ngày {self.first:%d/%m/%Y}"


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def period(code: str | None) -> Period:
    """The period a query names; the current year when none."""
    code = (code or "").strip() or str(timezone.localdate().year)
    found = _PERIOD.match(code)
    try:
        if not found:
            raise ValueError(code)
        year = int(found.group(1))
        if found.group(2):
            quarter = int(found.group(2))
            first = dt.date(year, 3 * quarter - 2, 1)
            return Period(code, first, _month_end(year, 3 * quarter), "quarter")
        if found.group(4):
            day = dt.date(year, int(found.group(3)), int(found.group(4)))
            return Period(code, day, day, "day")
        if found.group(3):
            month = int(found.group(3))
            return Period(code, dt.date(year, month, 1), _month_end(year, month), "month")
        return Period(code, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    except ValueError:
        raise InvalidInput(
            "Kỳ không hợp lệ: dùng YYYY, YYYY-Qn, YYYY-MM hoặc YYYY-MM-DD.", param="period"
        ) from None


def _rows(p: Period) -> QuerySet[Any]:
    if p.kind == "day":
        return DayStat.objects.filter(day=p.first)
    return MonthStat.objects.filter(month__gte=p.first, month__lte=p.last)


def _sums() -> dict[str, Sum]:
    return {name: Sum(name) for name in COUNTERS}


def _unit_filter(code: str) -> Q:
    if code == NATIONAL:
        return Q()
    if len(code) == 2:
        return Q(province=code)
    return Q(commune=code)


def unit_name(code: str) -> str:
    if code == NATIONAL:
        return "Toàn quốc"
    if len(code) == 2:
        return units.get_province(code).name
    return units.get_commune(code).name


def check_unit(code: str) -> str:
    """`VN`, a province or a commune code that exists; NotFound otherwise."""
    if code == NATIONAL:
        return code
    if len(code) == 2:
        return units.get_province(code).code
    if len(code) == 5 and code.isdigit():
        return units.get_commune(code).code
    raise NotFound(f"Không có đơn vị mã {code[:10]}.")


def stored(p: Period) -> bool:
    """Whether the period is read from the kept reports (months, quarters, years, once the
    counting job has built them)."""
    return p.kind != "day" and Cursor.objects.filter(source=REPORTS_BUILT).exists()


REPORT_FIELDS = ("unit", "province", *COUNTERS, "score", "colour", "indexes", "details")
REPORT_FIELDS += ("colours", "reasons")


def _report_of(row: dict[str, Any]) -> Report:
    return Report(
        {name: row[name] for name in COUNTERS},
        row["indexes"],
        row["details"],
        row["score"],
        row["colour"],
        row["reasons"],
        row["colours"],
    )


def _stored_rows(p: Period, **where: Any) -> QuerySet[Any]:
    return UnitReport.objects.filter(kind=p.kind, first=p.first, **where).values(*REPORT_FIELDS)


def unit_report(code: str, p: Period) -> Report:
    """Indexes, colour and reasons of the nation (`VN`), a province or a commune."""
    if stored(p):
        row = _stored_rows(p, unit=code).first()
        return _report_of(row) if row else compute({})
    totals = _rows(p).filter(_unit_filter(code)).aggregate(**_sums())
    return compute(totals)


@dataclass
class Ranked:
    code: str
    name: str
    report: Report
    green_share: float | None = None
    communes: int = 0
    green: int = 0


def commune_reports(p: Period, province: str | None = None) -> list[tuple[str, str, Report]]:
    """(province, commune, report) of every commune with figures in the period: one
    aggregate query, judged with the thresholds read once."""
    if stored(p):
        where = {"province": province} if province else {}
        return [
            (row["province"], row["unit"], _report_of(row))
            for row in _stored_rows(p, level="commune", **where)
        ]
    thresholds = indexes.conf("THRESHOLDS")
    return [
        (row["province"], row["commune"], compute(row, thresholds))
        for row in _commune_totals(p, province)
    ]


def _green_communes(p: Period, communes: list[tuple[str, str, Report]] | None) -> dict[str, int]:
    """GREEN communes per province."""
    if communes is None and stored(p):
        rows = (
            UnitReport.objects.filter(kind=p.kind, first=p.first, level="commune", colour=GREEN)
            .values("province")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {row["province"]: row["n"] for row in rows}
    greens: dict[str, int] = {}
    for province, _commune, report in commune_reports(p) if communes is None else communes:
        if report.colour == GREEN:
            greens[province] = greens.get(province, 0) + 1
    return greens


def green_share(province: str, p: Period) -> float | None:
    """The share of the province's communes that are GREEN in the period."""
    found = [r for r in province_ranking(p) if r.code == province]
    return found[0].green_share if found else None


def province_ranking(
    p: Period, communes: list[tuple[str, str, Report]] | None = None
) -> list[Ranked]:
    """Every province with its report and the share of its communes that are GREEN, best
    score first (provinces without data last). `communes`: `commune_reports(p)` when the
    caller has it already."""
    thresholds = indexes.conf("THRESHOLDS")
    reports: dict[str, Report] = {}
    if stored(p):
        reports = {row["unit"]: _report_of(row) for row in _stored_rows(p, level="province")}
    else:
        reports = {
            row["province"]: compute(row, thresholds)
            for row in _rows(p).values("province").annotate(**_sums()).order_by("province")
        }
    greens = _green_communes(p, communes)
    counts: dict[str, int] = {}
    for commune in _all_communes():
        counts[commune.province_id] = counts.get(commune.province_id, 0) + 1
    ranked = []
    for province in _provinces():
        n = int(counts.get(province.code, 0))
        green = greens.get(province.code, 0)
        ranked.append(
            Ranked(
                province.code,
                province.name,
                reports.get(province.code) or compute({}, thresholds),
                round(100.0 * green / n, 1) if n else None,
                n,
                green,
            )
        )
    return sorted(ranked, key=_rank_key)


def _rank_key(item: Ranked) -> tuple[int, float, str]:
    score = item.report.score
    return (score is None, -(score or 0.0), item.code)


def _commune_totals(p: Period, province: str | None) -> list[dict[str, Any]]:
    rows = _rows(p).exclude(commune="")
    if province:
        rows = rows.filter(province=province)
    return list(rows.values("province", "commune").annotate(**_sums()).order_by())


def commune_ranking(
    province: str, p: Period, communes: list[tuple[str, str, Report]] | None = None
) -> list[Ranked]:
    """Every commune of the province with its report, best score first."""
    found = commune_reports(p, province) if communes is None else communes
    reports = {commune: report for _p, commune, report in found}
    thresholds = indexes.conf("THRESHOLDS")
    ranked = [
        Ranked(c.code, c.name, reports.get(c.code) or compute({}, thresholds))
        for c in _all_communes()
        if c.province_id == province
    ]
    return sorted(ranked, key=_rank_key)


def red_communes(
    p: Period,
    province: str | None = None,
    limit: int = 50,
    communes: list[tuple[str, str, Report]] | None = None,
) -> list[Ranked]:
    """Communes that are RED, with the indexes that made them so (worst first)."""
    if communes is None and stored(p):
        where = {"province": province} if province else {}
        rows = _stored_rows(p, level="commune", colour=RED, **where).order_by("score", "unit")
        names = _commune_names()
        return [
            Ranked(row["unit"], names.get(row["unit"], row["unit"]), _report_of(row))
            for row in rows[:limit]
        ]
    found = [
        Ranked(commune, "", report)
        for _p, commune, report in (commune_reports(p, province) if communes is None else communes)
        if report.colour == RED
    ]
    found.sort(key=lambda r: (r.report.score or 0.0, r.code))
    found = found[:limit]
    names = _commune_names()
    for item in found:
        item.name = names.get(item.code, item.code)
    return found


def trend(code: str, *, months: int = 24, until: dt.date | None = None) -> list[tuple[str, Report]]:
    """Month by month up to `until`'s month: (YYYY-MM, report)."""
    until = (until or timezone.localdate()).replace(day=1)
    start = until
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    reports: dict[dt.date, Report] = {}
    if stored(Period("", start, until, "month")):
        found = UnitReport.objects.filter(kind="month", unit=code, first__gte=start)
        rows = found.filter(first__lte=until).values("first", *REPORT_FIELDS)
        reports = {row["first"]: _report_of(row) for row in rows}
    else:
        summed: Any = (
            MonthStat.objects.filter(_unit_filter(code), month__gte=start, month__lte=until)
            .values("month")
            .annotate(**_sums())
            .order_by("month")
        )
        reports = {row["month"]: compute(row) for row in summed}
    out, month = [], start
    empty_report = compute({})
    while month <= until:
        out.append((f"{month:%Y-%m}", reports.get(month, empty_report)))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def late_tasks(*, unit: str | None = None, limit: int = 200) -> list[PlanTask]:
    """Tasks past their deadline without a verified output (any reported status)."""
    rows = PlanTask.objects.filter(output_verified=False, deadline__lt=timezone.localdate())
    found = list(rows.order_by("deadline", "code")[: limit * 4 if unit else limit])
    if unit and unit != NATIONAL:
        found = [t for t in found if _assigned(t, unit)][:limit]
    return found


def tasks(*, late: bool | None = None, unit: str | None = None) -> list[PlanTask]:
    """Every task of the plan (assigned to `unit`), by deadline; `late`: only the late ones
    (True) or only the others (False). Not capped: callers page."""
    rows = PlanTask.objects.order_by("deadline", "code").prefetch_related("evidence")
    today = timezone.localdate()
    if late:
        rows = rows.filter(output_verified=False, deadline__lt=today)
    found = list(rows)
    if unit and unit != NATIONAL:
        found = [t for t in found if _assigned(t, unit)]
    if late is False:
        found = [t for t in found if not (t.deadline < today and not t.output_verified)]
    return found


def _assigned(task: PlanTask, unit: str) -> bool:
    assigned = set(task.assigned_units)
    return NATIONAL in assigned or unit in assigned or (unit[:2] in assigned and len(unit) == 5)


def readiness_summary(province: str) -> dict[str, int]:
    rows = CentreReadiness.objects.filter(province=province)
    return {
        "communes": units.communes_of(province).count(),
        "reported": rows.exclude(updated_at=None).count(),
        "verified": rows.filter(verified=True).count(),
        "complete": sum(1 for r in rows if r.ready_count == 6 and r.verified),
    }


# ------------------------------------------------------------------------- open data

OPEN_COUNTS = (
    "submitted",
    "online",
    "fully_online",
    "received",
    "refused",
    "finished",
    "finished_late",
    "returned",
    "returned_online",
    "ratings",
)
# Each index and the counter it is a share of: suppressed when that is below the threshold.
OPEN_INDEX_BASE = {
    "publicity": "answered",
    "progress": "finished",
    "online": "submitted",
    "satisfaction": "ratings",
    "digitization": "finished",
}
OPEN_FIELDS = (
    "period",
    "level",
    "code",
    "name",
    "province",
    *OPEN_COUNTS,
    *(f"{key}_index" for key in OPEN_INDEX_BASE),
    "score",
    "colour",
)


def open_data(level: str, p: Period) -> list[dict[str, Any]]:
    """The public figures, one row per province or commune: counts and indexes only (no
    personal data); a count below SUPPRESS_BELOW, an index computed on fewer dossiers than
    that, and the score and colour of a unit with fewer submissions, are left empty."""
    if level not in ("province", "commune"):
        raise InvalidInput("level phải là province hoặc commune.", param="level")
    floor = int(indexes.conf("SUPPRESS_BELOW"))
    thresholds = indexes.conf("THRESHOLDS")
    reports: dict[str, Report] = {}
    if level == "province":
        places = [(x.code, x.name, x.code) for x in _provinces()]
        if stored(p):
            reports = {r["unit"]: _report_of(r) for r in _stored_rows(p, level="province")}
        else:
            summed = _rows(p).values("province").annotate(**_sums())
            reports = {r["province"]: compute(r, thresholds) for r in summed}
    else:
        places = [(c.code, c.name, c.province_id) for c in _all_communes()]
        reports = {commune: report for _p, commune, report in commune_reports(p)}
    out = []
    nothing = compute({}, thresholds)
    for code, name, province in places:
        report = reports.get(code) or nothing
        c = report.counters
        row: dict[str, Any] = {
            "period": p.code,
            "level": level,
            "code": code,
            "name": name,
            "province": province,
        }
        for key in OPEN_COUNTS:
            row[key] = c[key] if c[key] == 0 or c[key] >= floor else None
        for key, base in OPEN_INDEX_BASE.items():
            row[f"{key}_index"] = report.indexes[key] if c[base] >= floor else None
        enough = c["submitted"] >= floor
        row["score"] = report.score if enough else None
        row["colour"] = report.colour if enough else None
        out.append(row)
    return out


# Units change about once a decade: the pages keep the lists for a few minutes.
_UNITS_TTL_S = 300.0
_units_cache: dict[str, Any] = {}


def _cached(key: str, load: Any) -> Any:
    now = time.monotonic()
    found = _units_cache.get(key)
    if found is None or now - found[0] > _UNITS_TTL_S or not found[1]:
        found = (now, load())
        _units_cache[key] = found
    return found[1]


def _provinces() -> list[Any]:
    return _cached("provinces", lambda: list(units.provinces()))


def _all_communes() -> list[Any]:
    """The 3,321 communes, through the units selectors (one query per province)."""
    return _cached(
        "communes",
        lambda: [c for p in _provinces() for c in units.communes_of(p.code)],
    )


def _commune_names() -> dict[str, str]:
    return _cached("names", lambda: {c.code: c.name for c in _all_communes()})


def forget_units() -> None:
    _units_cache.clear()
