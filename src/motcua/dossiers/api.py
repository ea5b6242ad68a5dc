"""/api/v1: the citizen's whole dossier journey for a mobile app (bearer token of a citizen),
and the public status lookup. Someone else's dossier answers 404, never 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from motcua.core.errors import InvalidInput
from motcua.core.problems import ERRORS, Problem
from motcua.eforms import services as eforms
from motcua.identity.api_auth import CitizenAuth, RequestContext, context_of

from . import receipt, services
from .models import Dossier, DossierEvent, DossierFile

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem, 409: Problem}
router = Router(auth=CitizenAuth())
forms_router = Router(auth=CitizenAuth())
public_router = Router()


def applicant_of(context: RequestContext) -> services.Applicant:
    return services.Applicant(
        subject_id=context.subject_id,
        actor_id=context.actor_id or context.subject_id,
        kind=context.kind,
        basis=context.basis,
        mandate_scope=tuple(context.mandate_scope),
        level=context.level,
    )


def _applicant(request: HttpRequest) -> services.Applicant:
    return applicant_of(context_of(request))


class PrefillOut(Schema):
    value: Any
    source: str
    read_only: bool


class FormOut(Schema):
    procedure_code: str
    procedure_version: int
    form_schema: dict[str, Any] = Field(alias="schema")
    prefill: dict[str, PrefillOut]
    problems: list[str]
    needs_consent: list[str]


@forms_router.get("/{code}/form", response={200: FormOut, **PROBLEMS}, by_alias=True)
def get_form(request: HttpRequest, code: str) -> Any:
    """Biểu mẫu điện tử của thủ tục (JSON Schema 2020-12) và dữ liệu Nhà nước đã có về người
    gọi (the caller's prefilled values, each with its source and whether it is read-only)."""
    applicant = _applicant(request)
    form, prefill = services.prefill_for(applicant, code)
    return {
        "procedure_code": form.procedure_code,
        "procedure_version": form.procedure_version,
        "schema": eforms.json_schema(form),
        "prefill": {
            path: {"value": v.value, "source": v.source, "read_only": v.read_only}
            for path, v in prefill.values.items()
        },
        "problems": list(prefill.problems),
        "needs_consent": list(prefill.needs_consent),
    }


class EventOut(Schema):
    seq: int
    action: str
    action_label: str = Field(description="what the action is called, in Vietnamese")
    from_status: str
    to_status: str
    at: dt.datetime
    note: str
    by_applicant: bool


class FileOut(Schema):
    id: str
    component_position: int
    name: str
    mime: str
    size: int
    sha256: str


class DossierOut(Schema):
    reference: str
    code: str | None
    draft_ref: str
    procedure_code: str
    procedure_name: str
    applicant_id: str
    receiving_unit: str
    receiving_unit_name: str
    status: str
    status_label: str
    payment_status: str
    fee_amount: int
    data: dict[str, Any]
    submitted_at: dt.datetime | None
    appointment_date: dt.date | None
    due_date: dt.date | None
    lookup_secret: str
    next_step: str
    pending_parties: list[str]
    channel: str = Field(description="online, counter (trực tiếp), post, assisted (hỗ trợ số)")
    assisted_by_name: str = Field("", description="cán bộ tiếp nhận hoặc người hỗ trợ nộp")


class DossierDetailOut(DossierOut):
    timeline: list[EventOut]
    files: list[FileOut]


def _out(dossier: Dossier, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": dossier.reference,
        "code": dossier.code,
        "draft_ref": dossier.draft_ref,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "applicant_id": dossier.applicant_id,
        "receiving_unit": dossier.receiving_unit,
        "receiving_unit_name": dossier.receiving_unit_name,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "payment_status": dossier.payment_status,
        "fee_amount": dossier.fee_amount,
        "data": services.data_for_applicant(dossier),
        "submitted_at": dossier.submitted_at,
        "appointment_date": dossier.appointment_date,
        "due_date": dossier.due_date,
        "lookup_secret": dossier.lookup_secret,
        "next_step": services.next_step(dossier),
        "pending_parties": [p.label for p in dossier.parties.all() if p.state != p.State.CONFIRMED],
        "channel": dossier.channel,
        "assisted_by_name": _assisted_by_name(dossier),
    }
    if detail:
        body["timeline"] = [_event_out(e, dossier) for e in services.timeline(dossier)]
        body["files"] = [file_out(f) for f in dossier.files.all()]
    return body


def _assisted_by_name(dossier: Dossier) -> str:
    """Who received it at a counter or submitted it with the person's consent (both names
    are shown)."""
    if not dossier.assisted_by:
        return ""
    from .counter import assistance

    found = assistance(dossier)
    return found["assisted_by_name"] if found else ""


def _event_out(event: DossierEvent, dossier: Dossier) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "action": event.action,
        "action_label": event.action_label,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "at": event.at,
        "note": event.note,
        "by_applicant": event.actor in (dossier.applicant_id, dossier.created_by),
    }


def file_out(file: DossierFile) -> dict[str, Any]:
    return {
        "id": str(file.id),
        "component_position": file.component_position,
        "name": file.name,
        "mime": file.mime,
        "size": file.size,
        "sha256": file.sha256,
    }


class DraftIn(Schema):
    procedure: str = Field(max_length=20, description="mã thủ tục, ví dụ 1.001193")
    receiving_unit: str = Field(max_length=40, description="mã đơn vị tiếp nhận")
    data: dict[str, Any] = Field(default_factory=dict)


class DraftPatch(Schema):
    receiving_unit: str | None = Field(None, max_length=40)
    data: dict[str, Any] | None = None


class SupplementIn(Schema):
    note: str = Field("", max_length=2000)
    data: dict[str, Any] | None = None


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=2000)


class RatingOut(Schema):
    score: int
    comment: str


class ListQuery(Schema):
    status: str | None = Field(None, max_length=24)


@router.post("", response={201: DossierDetailOut, **PROBLEMS})
def create_draft(request: HttpRequest, payload: DraftIn) -> Any:
    """Tạo hồ sơ nháp (prefilled from the registries now; the prefill is kept with it)."""
    dossier = services.create_draft(
        _applicant(request), payload.procedure, payload.receiving_unit, payload.data
    )
    return Status(201, _out(dossier, detail=True))


@router.get("", response={200: list[DossierOut], **PROBLEMS})
def list_mine(request: HttpRequest, params: Query[ListQuery]) -> Any:
    """Hồ sơ của tôi."""
    dossiers = services.mine(_applicant(request))
    if params.status:
        dossiers = [d for d in dossiers if d.status == params.status]
    return [_out(d) for d in dossiers]


@router.get("/{reference}", response={200: DossierDetailOut, **PROBLEMS})
def get_dossier(request: HttpRequest, reference: str) -> Any:
    """Một hồ sơ với lịch sử xử lý (timeline)."""
    return _out(services.get_for(_applicant(request), reference), detail=True)


@router.patch("/{reference}", response={200: DossierDetailOut, **PROBLEMS})
def update_draft(request: HttpRequest, reference: str, payload: DraftPatch) -> Any:
    """Lưu nháp (autosave): dữ liệu tờ khai và/hoặc đơn vị tiếp nhận."""
    dossier = services.update_draft(
        _applicant(request), reference, data=payload.data, receiving_unit=payload.receiving_unit
    )
    return _out(dossier, detail=True)


@router.post("/{reference}/files", response={201: FileOut, **PROBLEMS, 413: Problem})
def upload_file(
    request: HttpRequest,
    reference: str,
    file: File[UploadedFile],
    component: Form[int],
) -> Any:
    """Đính kèm tệp cho một thành phần hồ sơ (PDF, JPG, PNG; checked by content)."""
    from django.conf import settings

    limit = int(getattr(settings, "MOTCUA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if file.size is not None and file.size > limit:
        raise InvalidInput(f"Tệp '{file.name}' vượt quá {limit // (1024 * 1024)} MB.")
    content = file.read(limit + 1)
    stored = services.add_file(
        _applicant(request),
        reference,
        component=component,
        name=file.name or "tep",
        content=content,
    )
    return Status(201, file_out(stored))


@router.post("/{reference}/submit", response={200: DossierDetailOut, **PROBLEMS, 402: Problem})
def submit(request: HttpRequest, reference: str) -> Any:
    """Nộp hồ sơ. Honours the `Idempotency-Key` header: a retry returns the same dossier."""
    key = request.headers.get("Idempotency-Key", "")
    return _out(services.submit(_applicant(request), reference, idempotency_key=key), detail=True)


@router.post("/{reference}/consent", response={200: DossierDetailOut, **PROBLEMS})
def consent(request: HttpRequest, reference: str) -> Any:
    """Đồng ý cho khai thác dữ liệu nhạy cảm (e.g. family relations) for this procedure
    only, then read the prefill again."""
    return _out(services.consent_and_refresh(_applicant(request), reference), detail=True)


@router.post("/{reference}/withdraw", response={200: DossierDetailOut, **PROBLEMS})
def withdraw(request: HttpRequest, reference: str) -> Any:
    """Rút hồ sơ (trước khi có quyết định)."""
    return _out(services.withdraw(_applicant(request), reference), detail=True)


@router.post("/{reference}/supplement", response={200: DossierDetailOut, **PROBLEMS})
def supplement(request: HttpRequest, reference: str, payload: SupplementIn) -> Any:
    """Trả lời yêu cầu bổ sung (files first with /files, then this)."""
    dossier = services.answer_supplement(
        _applicant(request), reference, data=payload.data, note=payload.note
    )
    return _out(dossier, detail=True)


@router.post("/{reference}/rating", response={201: RatingOut, **PROBLEMS})
def rate(request: HttpRequest, reference: str, payload: RatingIn) -> Any:
    """Đánh giá mức độ hài lòng (1–5) sau khi nhận kết quả."""
    rating = services.rate(
        _applicant(request), reference, score=payload.score, comment=payload.comment
    )
    return Status(201, {"score": rating.score, "comment": rating.comment})


@router.get(
    "/{reference}/receipt",
    response={200: None, **PROBLEMS},
    openapi_extra={"responses": {200: {"description": "giấy tiếp nhận (PDF)"}}},
)
def get_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)."""
    dossier = services.get_for(_applicant(request), reference)
    if not dossier.code:
        raise InvalidInput("Hồ sơ chưa nộp nên chưa có giấy tiếp nhận.")
    response = HttpResponse(receipt.render(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{dossier.code}.pdf"'
    return response


class PublicOut(Schema):
    code: str
    procedure_name: str
    status: str
    status_label: str
    receiving_unit_name: str
    appointment_date: dt.date | None
    due_date: dt.date | None


class PublicQuery(Schema):
    secret: str = Field(max_length=16, description="mã tra cứu in trên giấy tiếp nhận")


@public_router.get("/dossiers/{code}", response={200: PublicOut, **ERRORS})
def public_lookup(request: HttpRequest, code: str, params: Query[PublicQuery]) -> Any:
    """Tra cứu tình trạng hồ sơ: status only, no personal data."""
    dossier = services.public_status(code, params.secret)
    return {
        "code": dossier.code,
        "procedure_name": dossier.procedure_name,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "receiving_unit_name": dossier.receiving_unit_name,
        "appointment_date": dossier.appointment_date,
        "due_date": dossier.due_date,
    }
