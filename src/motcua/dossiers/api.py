"""/api/v1: the citizen's whole dossier journey for a mobile app (bearer token of a citizen),
and the public status lookup. Someone else's dossier answers 404, never 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from motcua.core import ratelimit
from motcua.core.client_ip import client_ip
from motcua.core.errors import InvalidInput
from motcua.core.paging import Page, PageQuery, page
from motcua.core.problems import ERRORS, Problem
from motcua.eforms import services as eforms
from motcua.identity.api_auth import (
    DOSSIERS,
    CitizenAuth,
    RequestContext,
    context_of,
    optional_context,
)

from . import receipt, services
from .models import Dossier, DossierEvent, DossierFile

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem, 409: Problem}
# Every operation of these routers reads or changes the person's dossiers (the form is
# prefilled with their registry data): scope `dossiers`.
router = Router(auth=CitizenAuth(scopes=[DOSSIERS]))
forms_router = Router(auth=CitizenAuth(scopes=[DOSSIERS]))
public_router = Router()
# Open to anyone; a citizen's bearer token, when sent, puts the units where they live first.
receiving_router = Router()


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


class ConsentNeeded(Schema):
    """A consent the applicant may give so the form reads sensitive registry data: post it
    as it is to `POST /exchange/people/{personal_id}/consents`, or consent for a draft
    with `POST /dossiers/{reference}/consent`."""

    service: str = Field(examples=["population.person.family"])
    purpose: str = Field(examples=["thu-tuc:1.001193"])
    consumer: str = Field(examples=["motcua-eforms"])
    label: str = Field(description="what is read, in Vietnamese", examples=["Quan hệ gia đình"])


class FormOut(Schema):
    procedure_code: str
    procedure_version: int
    form_schema: dict[str, Any] = Field(alias="schema")
    prefill: dict[str, PrefillOut]
    problems: list[str]
    needs_consent: list[ConsentNeeded]


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
        "needs_consent": services.consents_needed(form.procedure_code, prefill),
    }


class ReceivingUnitQuery(PageQuery):
    province: str | None = Field(
        None, min_length=2, max_length=2, pattern=r"^\d{2}$", description="mã tỉnh, ví dụ 79"
    )
    commune: str | None = Field(
        None, min_length=5, max_length=5, pattern=r"^\d{5}$", description="mã xã, ví dụ 26740"
    )
    q: str = Field(
        "", max_length=100, description="tên xã, phường hoặc tỉnh, không cần dấu: `sai gon`"
    )


class ReceivingUnitOut(Schema):
    code: str = Field(
        examples=["79.26740.tthcc"], description="the `receiving_unit` of POST /dossiers"
    )
    name: str = Field(examples=["Trung tâm Phục vụ hành chính công Phường Sài Gòn"])
    name_en: str
    level: str = Field(description="commune or province", examples=["commune"])
    province_code: str = Field(examples=["79"])
    province_name: str = Field(examples=["Thành phố Hồ Chí Minh"])
    commune_code: str | None = Field(None, examples=["26740"])
    commune_name: str | None = Field(None, examples=["Phường Sài Gòn"])
    near_residence: bool = Field(
        False, description="at the caller's permanent residence (commune, or its province)"
    )


def _unit_out(agency: Any) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "name_en": agency.name_en,
        "level": agency.level,
        "province_code": agency.province_id,
        "province_name": agency.province.name,
        "commune_code": agency.commune_id,
        "commune_name": agency.commune.name if agency.commune_id else None,
        "near_residence": getattr(agency, "near", 2) < 2,
    }


@receiving_router.get(
    "/{code}/receiving-units",
    response={200: Page[ReceivingUnitOut], **PROBLEMS},
    summary="Đơn vị tiếp nhận thủ tục (where a dossier may be submitted)",
    openapi_extra={
        "security": [{"CitizenAuth": []}, {}],
        "responses": {
            200: {
                "description": "OK",
                "content": {
                    "application/json": {
                        "examples": {
                            "by-commune-name": {
                                "summary": "GET …/1.001193/receiving-units?q=sai gon",
                                "value": {
                                    "total": 1,
                                    "limit": 50,
                                    "offset": 0,
                                    "items": [
                                        {
                                            "code": "79.26740.tthcc",
                                            "name": "Trung tâm Phục vụ hành chính công "
                                            "Phường Sài Gòn",
                                            "name_en": "Public Administration Service Center "
                                            "of Phường Sài Gòn",
                                            "level": "commune",
                                            "province_code": "79",
                                            "province_name": "Thành phố Hồ Chí Minh",
                                            "commune_code": "26740",
                                            "commune_name": "Phường Sài Gòn",
                                            "near_residence": False,
                                        }
                                    ],
                                },
                            }
                        }
                    }
                },
            }
        },
    },
)
def list_receiving_units(request: HttpRequest, code: str, params: Query[ReceivingUnitQuery]) -> Any:
    """Các Trung tâm Phục vụ hành chính công được tiếp nhận thủ tục `code`, ở bất kỳ đâu
    trong cả nước. Lọc theo tỉnh (`province`), xã (`commune`) hoặc tên (`q`, không cần dấu).
    Gửi kèm bearer token của công dân thì nơi thường trú của người đó đứng đầu danh sách
    (`near_residence`).

    The service centres that may receive procedure `code`, anywhere in the country: pass an
    item's `code` as `receiving_unit` to `POST /api/v1/dossiers`. The token is optional; with
    a citizen's token holding the `dossiers` scope, the centres of their permanent residence
    (read from the population registry through the exchange) come first."""
    context = optional_context(request)
    subject_id = ""
    if context is not None and context.kind == "person" and DOSSIERS in context.scopes:
        subject_id = context.subject_id
    found = services.receiving_units(
        code,
        province_code=params.province,
        commune_code=params.commune,
        q=params.q,
        subject_id=subject_id,
    )
    return page(found, params, _unit_out)


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
    component: str = Field(description="key of the component the file is for")
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


class ComponentStateOut(Schema):
    key: str = Field(examples=["giay-chung-sinh-hoac-van-ban-cua-nguoi-lam-chung-giay-cam"])
    name: str
    required: bool
    state: str = Field(
        description="form (the e-form fills it), registry (a national database stands in "
        "for it), uploaded, missing (required, no file yet) or optional"
    )
    takes_file: bool = Field(description="whether POST …/files accepts a file for it")


class DossierDetailOut(DossierOut):
    timeline: list[EventOut]
    files: list[FileOut]
    components: list[ComponentStateOut]
    missing_components: list[str] = Field(
        description="keys of the required components that still need a file before submit"
    )
    needs_consent: list[ConsentNeeded] = Field(
        description="consents that would fill more of the form from the registries"
    )


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
        states = services.component_states(dossier)
        keys = {c["position"]: c["key"] for c in states}
        body["files"] = [file_out(f, keys) for f in dossier.files.all()]
        body["components"] = states
        body["missing_components"] = [c["key"] for c in states if c["state"] == "missing"]
        body["needs_consent"] = services.consents_needed(
            dossier.procedure_code, services.prefill_of(dossier)
        )
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


def file_out(file: DossierFile, keys: dict[int, str] | None = None) -> dict[str, Any]:
    if keys is None:
        keys = {c["position"]: c["key"] for c in services.component_states(file.dossier)}
    return {
        "id": str(file.id),
        "component": keys.get(file.component_position, ""),
        "component_position": file.component_position,
        "name": file.name,
        "mime": file.mime,
        "size": file.size,
        "sha256": file.sha256,
    }


class UploadIn(Schema):
    component: str = Field(
        min_length=1,
        max_length=60,
        description="khóa thành phần hồ sơ: `components[].key` of GET /procedures/{code} "
        "or of the dossier (a 1-based position is still read as one)",
        examples=["giay-chung-sinh-hoac-van-ban-cua-nguoi-lam-chung-giay-cam"],
    )


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


class ListQuery(PageQuery):
    status: str | None = Field(None, max_length=24, examples=["submitted"])


@router.post("", response={201: DossierDetailOut, **PROBLEMS})
def create_draft(request: HttpRequest, payload: DraftIn) -> Any:
    """Tạo hồ sơ nháp (prefilled from the registries now; the prefill is kept with it)."""
    dossier = services.create_draft(
        _applicant(request), payload.procedure, payload.receiving_unit, payload.data
    )
    return Status(201, _out(dossier, detail=True))


@router.get("", response={200: Page[DossierOut], **PROBLEMS})
def list_mine(request: HttpRequest, params: Query[ListQuery]) -> Any:
    """Hồ sơ của tôi, mới nhất trước, theo trang (`total` counts them all)."""
    return page(services.mine_query(_applicant(request), params.status), params, _out)


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
    upload: Form[UploadIn],
) -> Any:
    """Đính kèm tệp cho một thành phần hồ sơ (PDF, JPG, PNG; checked by content).

    Only components with `takes_file` in the dossier accept one: the form itself (filled
    through `data`) and a component a national database stands in for answer 400
    `component-takes-no-file`; `missing_components` says what submit still needs."""
    from django.conf import settings

    limit = int(getattr(settings, "MOTCUA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
    if file.size is not None and file.size > limit:
        raise InvalidInput(f"Tệp '{file.name}' vượt quá {limit // (1024 * 1024)} MB.")
    content = file.read(limit + 1)
    stored = services.add_file(
        _applicant(request),
        reference,
        component=int(upload.component) if upload.component.isdigit() else upload.component,
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


@public_router.get("/dossiers/{code}", response={200: PublicOut, **ERRORS, 429: Problem})
def public_lookup(request: HttpRequest, code: str, params: Query[PublicQuery]) -> Any:
    """Tra cứu tình trạng hồ sơ: status only, no personal data. Rate-limited per address."""
    limit, window = ratelimit.public_lookup_limit()
    ratelimit.hit("public-lookup", client_ip(request), limit=limit, window=window)
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
