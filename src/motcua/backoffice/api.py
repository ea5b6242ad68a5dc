"""/api/v1/backoffice: every back-office action for officials' tokens (scope `official`).
Officials see only dossiers that passed through their units; a citizen's token is refused."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from motcua.core.paging import Page, PageQuery, sliced
from motcua.core.problems import ERRORS, Problem
from motcua.dossiers import services as dossiers
from motcua.dossiers.api import FileOut, file_out
from motcua.identity.api_auth import OfficialAuth, context_of
from motcua.workflow import services as workflow

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem, 409: Problem}
router = Router(auth=OfficialAuth())


def _official(request: HttpRequest) -> Any:
    return workflow.official_ref(context_of(request).subject_id)


class CaseTaskOut(Schema):
    id: uuid.UUID
    dossier_code: str
    step: str
    label: str
    unit: str
    role: str
    assignee: str
    state: str
    opened_at: dt.datetime
    due_at: dt.datetime | None
    late: bool


class QueueQuery(PageQuery):
    scope: str = Field(
        "mine", pattern="^(mine|unit)$", description="mine: của tôi; unit: cả đơn vị"
    )


class CaseEventOut(Schema):
    seq: int
    action: str
    from_status: str
    to_status: str
    actor: str
    acting_for: str
    at: dt.datetime
    note: str


class CasePrefilledOut(Schema):
    value: Any
    source: str
    read_only: bool


class CaseOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    applicant_id: str
    applicant_name: str
    receiving_unit: str
    receiving_unit_name: str
    status: str
    status_label: str
    payment_status: str
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    data: dict[str, Any]
    sources: dict[str, CasePrefilledOut]
    files: list[FileOut]
    timeline: list[CaseEventOut]
    tasks: list[CaseTaskOut]
    allowed_actions: list[str]


class ActionIn(Schema):
    action: str = Field(max_length=40)
    reason: str = Field("", max_length=2000)
    data: dict[str, Any] | None = None


class AssignIn(Schema):
    to: str = Field(min_length=12, max_length=12, description="số định danh của cán bộ")


def case_out(case: Any) -> dict[str, Any]:
    from motcua.eforms import services as eforms

    dossier = case.dossier
    prefill = eforms.Prefill.from_json(dossier.prefill or {})
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "applicant_id": dossier.applicant_id,
        "applicant_name": dossier.applicant_name,
        "receiving_unit": dossier.receiving_unit,
        "receiving_unit_name": dossier.receiving_unit_name,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "payment_status": dossier.payment_status,
        "submitted_at": dossier.submitted_at,
        "due_date": dossier.due_date,
        "data": dossier.data,
        "sources": {
            path: {"value": v.value, "source": v.source, "read_only": v.read_only}
            for path, v in prefill.values.items()
        },
        "files": [file_out(f) for f in dossier.files.all()],
        "timeline": list(dossiers.timeline(dossier)),
        "tasks": list(case.tasks),
        "allowed_actions": list(case.actions),
    }


@router.get("/queue", response={200: Page[CaseTaskOut], **PROBLEMS})
def queue(request: HttpRequest, params: Query[QueueQuery]) -> Any:
    """Hàng đợi: việc của tôi (đã nhận hoặc chưa ai nhận ở vai trò của tôi) hoặc của cả đơn vị
    (lãnh đạo), theo hạn xử lý."""
    total, tasks = workflow.queue_page(
        _official(request), scope=params.scope, limit=params.limit, offset=params.offset
    )
    return sliced(tasks, total, params)


@router.get("/dossiers/{code}", response={200: CaseOut, **PROBLEMS})
def get_case(request: HttpRequest, code: str) -> Any:
    """Hồ sơ với dữ liệu tờ khai và nguồn, tệp, lịch sử, các bước và thao tác được phép."""
    return case_out(workflow.case(_official(request), code))


@router.post("/dossiers/{code}/actions", response={200: CaseOut, **PROBLEMS})
def act(request: HttpRequest, code: str, payload: ActionIn) -> Any:
    """Thực hiện một thao tác ở bước hiện tại (tiếp nhận, yêu cầu bổ sung, từ chối, chuyển,
    trình, ký, trả kết quả...); lý do bắt buộc với từ chối, yêu cầu bổ sung, trả lại."""
    official = _official(request)
    workflow.act(official, code, payload.action, reason=payload.reason, data=payload.data)
    return case_out(workflow.case(official, code))


@router.post("/tasks/{task_id}/claim", response={200: CaseTaskOut, **PROBLEMS})
def claim(request: HttpRequest, task_id: uuid.UUID) -> Any:
    """Nhận xử lý một việc chưa ai nhận."""
    return workflow.claim(_official(request), task_id)


@router.post("/tasks/{task_id}/assign", response={200: CaseTaskOut, **PROBLEMS})
def assign(request: HttpRequest, task_id: uuid.UUID, payload: AssignIn) -> Any:
    """Lãnh đạo phân công (hoặc phân công lại) việc cho một cán bộ của đơn vị."""
    return workflow.assign(_official(request), task_id, payload.to)
