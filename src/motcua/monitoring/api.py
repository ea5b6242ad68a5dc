"""/api/v1/monitoring (officials' tokens: a unit's indexes, the plan's tasks) and
/api/v1/open-data (public: the same figures as CSV or JSON, small cells suppressed)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from motcua.core.paging import Page, PageQuery, page
from motcua.core.problems import ERRORS, Problem
from motcua.identity.api_auth import OfficialAuth, context_of

from . import access, selectors, services

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}
router = Router(auth=OfficialAuth())
open_data_router = Router()

PERIOD_DOC = "YYYY, YYYY-Qn, YYYY-MM hoặc YYYY-MM-DD; mặc định: năm nay"


class PeriodQuery(Schema):
    period: str = Field("", max_length=10, description=PERIOD_DOC)


class IndexOut(Schema):
    key: str
    name: str
    weight: int
    value: float | None
    colour: str


class ReasonOut(Schema):
    index: str
    name: str
    value: float | None
    colour: str
    threshold: float


class UnitOut(Schema):
    code: str
    name: str
    period: str
    first_day: dt.date
    last_day: dt.date
    colour: str
    colour_label: str
    score: float | None
    reasons: list[ReasonOut]
    indexes: list[IndexOut]
    details: dict[str, float | None]
    counters: dict[str, int]
    green_communes_share: float | None = Field(
        None, description="tỉnh: tỷ lệ xã, phường xếp loại Xanh"
    )


def _viewer(request: HttpRequest) -> access.Viewer:
    return access.viewer_for(context_of(request).subject_id)


@router.get("/units/{code}", response={200: UnitOut, **PROBLEMS})
def unit(request: HttpRequest, code: str, params: Query[PeriodQuery]) -> Any:
    """Chỉ số phục vụ (Quyết định 766/QĐ-TTg), xếp loại Xanh/Vàng/Đỏ và lý do của toàn quốc
    (`VN`), một tỉnh (2 chữ số) hoặc một xã (5 chữ số) trong kỳ."""
    viewer = _viewer(request)
    code = selectors.check_unit(code)
    access.require(viewer, code)
    p = selectors.period(params.period)
    report = selectors.unit_report(code, p)
    green = selectors.green_share(code, p) if len(code) == 2 else None
    return {
        "code": code,
        "name": selectors.unit_name(code),
        "period": p.code,
        "first_day": p.first,
        "last_day": p.last,
        "colour": report.colour,
        "colour_label": report.colour_label,
        "score": report.score,
        "reasons": report.reasons,
        "indexes": report.rows,
        "details": report.details,
        "counters": report.counters,
        "green_communes_share": green,
    }


class TaskQuery(PageQuery):
    late: bool | None = Field(None, description="true: chỉ nhiệm vụ trễ hạn")


class EvidenceOut(Schema):
    link: str
    note: str
    added_at: dt.datetime


class PlanTaskOut(Schema):
    code: str
    title: str
    group: int
    pillar: str
    phase: str
    owner_agency: str
    assigned_units: list[str]
    deadline: dt.date
    status: str
    output_measure: str
    output_verified: bool
    late: bool
    evidence: list[EvidenceOut]


def _task_out(t: Any) -> dict[str, Any]:
    return {
        **{k: getattr(t, k) for k in PlanTaskOut.model_fields if k not in ("late", "evidence")},
        "late": services.is_late(t),
        "evidence": [
            {"link": e.link or e.file.name, "note": e.note, "added_at": e.added_at}
            for e in t.evidence.all()
        ],
    }


@router.get("/tasks", response={200: Page[PlanTaskOut], **PROBLEMS})
def tasks(request: HttpRequest, params: Query[TaskQuery]) -> Any:
    """Nhiệm vụ của kế hoạch giao cho đơn vị của cán bộ (tất cả với Trung tâm quốc gia);
    `late=true`: quá hạn mà chưa có sản phẩm đầu ra được xác nhận, dù báo cáo thế nào."""
    viewer = _viewer(request)
    found = selectors.tasks(late=params.late, unit=None if viewer.national else viewer.home)
    return page(found, params, _task_out)


class OpenQuery(Schema):
    level: str = Field("province", pattern="^(province|commune)$")
    period: str = Field("", max_length=10, description=PERIOD_DOC)


class OpenPageQuery(OpenQuery, PageQuery):
    """The JSON form pages; the CSV form is the whole table."""


class OpenRow(Schema):
    period: str
    level: str
    code: str
    name: str
    province: str
    submitted: int | None
    online: int | None
    fully_online: int | None
    received: int | None
    refused: int | None
    finished: int | None
    finished_late: int | None
    returned: int | None
    returned_online: int | None
    ratings: int | None
    publicity_index: float | None
    progress_index: float | None
    online_index: float | None
    satisfaction_index: float | None
    digitization_index: float | None
    score: float | None
    colour: str | None


def _open_rows(params: OpenQuery) -> list[dict[str, Any]]:
    return selectors.open_data(params.level, selectors.period(params.period))


@open_data_router.get("/indexes.json", response={200: Page[OpenRow], **ERRORS}, auth=None)
def indexes_json(request: HttpRequest, params: Query[OpenPageQuery]) -> Any:
    """Số liệu mở theo tỉnh hoặc xã trong kỳ, theo trang: số hồ sơ và chỉ số (không có dữ
    liệu cá nhân; ô dưới ngưỡng để trống: null). Cả bảng một lần: `indexes.csv`."""
    return page(_open_rows(params), params)


@open_data_router.get("/indexes.csv", response={200: str, **ERRORS}, auth=None)
def indexes_csv(request: HttpRequest, params: Query[OpenQuery]) -> Any:
    """Số liệu mở như `indexes.json`, dạng CSV (UTF-8, dòng tiêu đề; ô để trống khi bị ẩn)."""
    rows = _open_rows(params)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(selectors.OPEN_FIELDS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"motcua-indexes-{params.level}-{rows[0]['period'] if rows else 'empty'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
