"""/api/v1/edocs: inter-agency official documents for officials' tokens (scope `official`):
compose and send, lists of incoming and outgoing documents, the recipient's register, assign,
done and return, the sender's recall and replace, reading content and files (audited),
exporting and importing `motcua-edoc/1` packages; the agencies' public key directory."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from motcua.core.errors import InvalidInput
from motcua.core.paging import Page, PageQuery, page
from motcua.core.problems import ERRORS, Problem
from motcua.identity.api_auth import OfficialAuth, context_of

from . import crypto, package, services
from .models import Document, DraftDocument

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem, 409: Problem, 422: Problem}
MAX_UPLOAD = 50 * 1024 * 1024
router = Router(auth=OfficialAuth())


def _me(request: HttpRequest) -> services.Official:
    return services.official(context_of(request).subject_id)


class KeyOut(Schema):
    agency_code: str
    version: int
    sign_public: str = Field(description="Ed25519, base64")
    encrypt_public: str = Field(description="X25519, base64")
    fingerprint: str
    created_at: dt.datetime
    retired_at: dt.datetime | None


class EdocEventOut(Schema):
    state: str
    actor: str
    note: str
    at: dt.datetime


class DeliveryOut(Schema):
    recipient_agency: str
    recipient_name: str
    state: str
    state_label: str
    reason: str
    assignee: str
    events: list[EdocEventOut]


class EdocDocumentOut(Schema):
    id: uuid.UUID
    origin_id: uuid.UUID
    direction: str
    issuing_agency: str
    issuing_agency_name: str
    number_symbol: str
    doc_type: str
    issued_on: dt.date
    place: str
    summary: str = Field(description="trống với văn bản mật: đọc qua /content")
    signer_name: str
    signer_position: str
    recipients: list[dict[str, str]]
    urgency: str
    confidentiality: str
    page_count: int
    status: str
    status_reason: str
    answers: uuid.UUID | None
    replaces: uuid.UUID | None
    package_sha256: str
    deliveries: list[DeliveryOut] = Field(description="văn bản đi: trạng thái từng nơi nhận")
    handling: DeliveryOut | None = Field(description="văn bản đến: trạng thái xử lý")


class EdocFileOut(Schema):
    index: int
    name: str
    media_type: str
    role: str
    size: int
    sha256: str
    pades: bool


class ContentOut(Schema):
    id: uuid.UUID
    summary: str
    signer_name: str
    signer_position: str
    files: list[EdocFileOut]


class AttachmentIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field("application/octet-stream", max_length=100)
    content_base64: str


class SendIn(Schema):
    doc_type: str = Field(max_length=30, description="ví dụ cong-van, quyet-dinh, thong-bao")
    summary: str = Field(max_length=2000, description="trích yếu nội dung")
    recipients: list[str] = Field(min_length=1, max_length=200, description="mã cơ quan nhận")
    signer_personal_id: str = Field(min_length=12, max_length=12)
    signer_position: str = Field(max_length=255)
    body: str = Field("", max_length=100_000)
    urgency: str = "normal"
    confidentiality: str = "normal"
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    answers: uuid.UUID | None = None


class ReplaceIn(SendIn):
    reason: str = Field(max_length=2000)


class EdocDraftIn(SendIn):
    replaces: uuid.UUID | None = None
    replace_reason: str = Field("", max_length=2000)


class EdocDraftOut(Schema):
    id: uuid.UUID
    agency_code: str
    prepared_by: str
    prepared_by_name: str
    signer_personal_id: str
    signer_name: str
    signer_position: str
    doc_type: str
    summary: str
    body: str
    recipients: list[dict[str, str]]
    urgency: str
    confidentiality: str
    attachments: list[str] = Field(description="tên các tệp đính kèm")
    answers: uuid.UUID | None
    replaces: uuid.UUID | None
    state: str = Field(description="pending (chờ ký), signed (đã ký ban hành), rejected")
    reason: str
    document: uuid.UUID | None = Field(description="văn bản đã ban hành từ dự thảo")
    created_at: dt.datetime
    decided_at: dt.datetime | None


class SignIn(Schema):
    pin: str = Field("", max_length=64, description="mã PIN của người ký (ký số từ xa)")
    otp: str = Field("", max_length=64, description="mã OTP của người ký (ký số từ xa)")


def _activation(payload: SignIn) -> Any:
    from motcua.results.signing import Activation

    return Activation(pin=payload.pin, otp=payload.otp)


class BoxQuery(PageQuery):
    box: str = Field("incoming", pattern="^(incoming|outgoing)$")


class EdocAssignIn(Schema):
    assignee: str = Field(min_length=12, max_length=12, description="số định danh cán bộ")
    note: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(max_length=2000)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ForwardIn(Schema):
    recipients: list[str] = Field(min_length=1, max_length=200)
    signer_personal_id: str = Field(min_length=12, max_length=12)
    signer_position: str = Field(max_length=255)
    note: str = Field("", max_length=2000)


class RegisteredOut(Schema):
    book: str
    year: int
    number: int


def _delivery_out(delivery: Any) -> dict[str, Any]:
    return {
        "recipient_agency": delivery.recipient_agency,
        "recipient_name": delivery.recipient_name,
        "state": delivery.state,
        "state_label": delivery.get_state_display(),
        "reason": delivery.reason,
        "assignee": delivery.assignee,
        "events": [
            {"state": e.state, "actor": e.actor, "note": e.note, "at": e.at}
            for e in delivery.events.all()
        ],
    }


_PLAIN_FIELDS = [
    "id",
    "origin_id",
    "direction",
    "issuing_agency",
    "issuing_agency_name",
    "number_symbol",
    "doc_type",
    "issued_on",
    "place",
    "summary",
    "signer_name",
    "signer_position",
    "recipients",
    "urgency",
    "confidentiality",
    "page_count",
    "status",
    "status_reason",
    "package_sha256",
]


def document_out(document: Document) -> dict[str, Any]:
    handling = getattr(document, "delivery_in", None)
    return {
        **{f: getattr(document, f) for f in _PLAIN_FIELDS},
        "answers": document.answers_id,
        "replaces": document.replaces_id,
        "deliveries": [_delivery_out(d) for d in document.deliveries.all()],
        "handling": _delivery_out(handling) if handling is not None else None,
    }


def _draft(payload: SendIn) -> services.Draft:
    draft = _send_draft(payload)
    if isinstance(payload, EdocDraftIn):
        draft.replaces, draft.replace_reason = payload.replaces, payload.replace_reason
    return draft


def draft_out(pending: DraftDocument) -> dict[str, Any]:
    content = services.draft_content(pending)
    return {
        **{
            f: getattr(pending, f)
            for f in (
                "id",
                "agency_code",
                "prepared_by",
                "prepared_by_name",
                "signer_personal_id",
                "signer_name",
                "signer_position",
                "doc_type",
                "recipients",
                "urgency",
                "confidentiality",
                "answers",
                "replaces",
                "state",
                "reason",
                "created_at",
                "decided_at",
            )
        },
        "summary": content["summary"],
        "body": content["body"],
        "attachments": [a["name"] for a in content["attachments"]],
        "document": pending.document_id,
    }


def _send_draft(payload: SendIn) -> services.Draft:
    files = []
    for a in payload.attachments:
        try:
            data = base64.b64decode(a.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                f"Tệp {a.name} không phải base64 hợp lệ.", param="attachments"
            ) from None
        files.append(package.File(name=a.name, media_type=a.media_type, data=data))
    return services.Draft(
        doc_type=payload.doc_type,
        summary=payload.summary,
        recipients=payload.recipients,
        signer_personal_id=payload.signer_personal_id,
        signer_position=payload.signer_position,
        body=payload.body,
        urgency=payload.urgency,
        confidentiality=payload.confidentiality,
        attachments=files,
        answers=payload.answers,
    )


def _key_out(k: Any) -> dict[str, Any]:
    return {
        "agency_code": k.agency_code,
        "version": k.version,
        "sign_public": crypto.b64(bytes(k.sign_public)),
        "encrypt_public": crypto.b64(bytes(k.encrypt_public)),
        "fingerprint": crypto.fingerprint(bytes(k.sign_public), bytes(k.encrypt_public)),
        "created_at": k.created_at,
        "retired_at": k.retired_at,
    }


@router.get("/keys/{agency_code}", response={200: Page[KeyOut], **PROBLEMS}, auth=None)
def keys(request: HttpRequest, agency_code: str, params: Query[PageQuery]) -> Any:
    """Danh bạ khóa công khai của một cơ quan (mọi phiên bản, mới nhất trước)."""
    return page(services.key_directory(agency_code), params, _key_out)


@router.get("/documents", response={200: Page[EdocDocumentOut], **PROBLEMS})
def documents(request: HttpRequest, params: Query[BoxQuery]) -> Any:
    """Văn bản đến hoặc văn bản đi của cơ quan, mới nhất trước."""
    me = _me(request)
    found = services.incoming(me) if params.box == "incoming" else services.outgoing(me)
    return page(found.order_by("-created_at", "pk"), params, document_out)


@router.post("/documents", response={201: EdocDocumentOut, **PROBLEMS})
def send(request: HttpRequest, payload: SendIn) -> Any:
    """Người ký (lãnh đạo, chính là người gọi) ban hành và gửi văn bản: cấp số, ký số PAdES,
    đóng gói, ký gói, mã hóa nếu là văn bản mật, gửi tới từng nơi nhận. Ký thay người khác bị
    từ chối (403): văn thư trình dự thảo qua /drafts."""
    return Status(201, document_out(services.send(_me(request), _draft(payload))))


@router.post("/drafts", response={201: EdocDraftOut, **PROBLEMS})
def prepare(request: HttpRequest, payload: EdocDraftIn) -> Any:
    """Văn thư (hoặc lãnh đạo) trình dự thảo cho người ký: chưa cấp số, chưa ký."""
    return Status(201, draft_out(services.prepare(_me(request), _draft(payload))))


@router.get("/drafts", response={200: Page[EdocDraftOut], **PROBLEMS})
def drafts(request: HttpRequest, params: Query[PageQuery]) -> Any:
    """Dự thảo trình ký của cơ quan, mới nhất trước."""
    return page(services.drafts(_me(request)), params, draft_out)


@router.get("/drafts/{draft_id}", response={200: EdocDraftOut, **PROBLEMS})
def get_draft(request: HttpRequest, draft_id: uuid.UUID) -> Any:
    """Một dự thảo trình ký."""
    return draft_out(services.get_draft(_me(request), draft_id))


@router.post("/drafts/{draft_id}/sign", response={201: EdocDocumentOut, **PROBLEMS})
def sign_draft(request: HttpRequest, draft_id: uuid.UUID, payload: SignIn) -> Any:
    """Người ký có tên trong dự thảo tự ký số và ban hành (cấp số, ký, gửi), kèm mã PIN / OTP
    khi khóa của họ do dịch vụ ký số từ xa (CSC) giữ; người khác bị từ chối (403)."""
    signed = services.sign_draft(_me(request), draft_id, activation=_activation(payload))
    return Status(201, document_out(signed))


@router.post("/drafts/{draft_id}/reject", response={200: EdocDraftOut, **PROBLEMS})
def reject_draft(request: HttpRequest, draft_id: uuid.UUID, payload: ReasonIn) -> Any:
    """Người ký trả lại dự thảo cho người trình, kèm lý do."""
    return draft_out(services.reject_draft(_me(request), draft_id, payload.reason))


@router.get("/documents/{document_id}", response={200: EdocDocumentOut, **PROBLEMS})
def get_document(request: HttpRequest, document_id: uuid.UUID) -> Any:
    """Thông tin văn bản và trạng thái từng nơi nhận (không giải mã nội dung)."""
    return document_out(services.get(_me(request), document_id))


@router.get("/documents/{document_id}/content", response={200: ContentOut, **PROBLEMS})
def content(request: HttpRequest, document_id: uuid.UUID) -> Any:
    """Mở văn bản: trích yếu, người ký, danh sách tệp (văn bản mật được giải mã); ghi nhật ký."""
    opened = services.open_document(_me(request), document_id, purpose="api")
    return {
        "id": document_id,
        "summary": opened.document.get("summary", ""),
        "signer_name": (opened.document.get("signer") or {}).get("name", ""),
        "signer_position": (opened.document.get("signer") or {}).get("position", ""),
        "files": [{"index": i, **f} for i, f in enumerate(opened.files, start=1)],
    }


@router.get("/documents/{document_id}/files/{index}", response={200: None, **PROBLEMS})
def download(request: HttpRequest, document_id: uuid.UUID, index: int) -> Any:
    """Tải một tệp của văn bản; ghi nhật ký."""
    item, data = services.download(_me(request), document_id, index)
    response = HttpResponse(data, content_type=item["media_type"])
    response["Content-Disposition"] = f'attachment; filename="{item["path"].split("/")[-1]}"'
    return response


@router.get("/documents/{document_id}/package", response={200: None, **PROBLEMS})
def export(request: HttpRequest, document_id: uuid.UUID) -> Any:
    """Xuất gói motcua-edoc/1 đúng như đã ký hoặc đã nhận; ghi nhật ký."""
    document, blob = services.export_package(_me(request), document_id)
    response = HttpResponse(blob, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{document.origin_id}.edoc.zip"'
    return response


@router.post("/packages", response={201: EdocDocumentOut, **PROBLEMS})
def import_package(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Nhập một gói motcua-edoc/1 nhận từ hệ thống khác cho cơ quan của người gọi; gói bị sửa,
    không đúng nơi nhận hoặc chữ ký không hợp lệ bị từ chối kèm lý do."""
    me = _me(request)
    if file.size is None or file.size > MAX_UPLOAD:
        raise InvalidInput("Gói văn bản quá lớn (tối đa 50 MB).", param="file")
    copy = services.receive(me, file.read())
    return Status(201, document_out(copy))


@router.post("/documents/{document_id}/register", response={200: RegisteredOut, **PROBLEMS})
def register(request: HttpRequest, document_id: uuid.UUID) -> Any:
    """Văn thư vào sổ văn bản đến."""
    entry = services.register_incoming(_me(request), document_id)
    return {"book": entry.book, "year": entry.year, "number": entry.number}


@router.post("/documents/{document_id}/assign", response={200: EdocDocumentOut, **PROBLEMS})
def assign(request: HttpRequest, document_id: uuid.UUID, payload: EdocAssignIn) -> Any:
    """Giao xử lý cho một cán bộ của cơ quan."""
    me = _me(request)
    services.assign(me, document_id, payload.assignee, payload.note)
    return document_out(services.get(me, document_id))


@router.post("/documents/{document_id}/done", response={200: EdocDocumentOut, **PROBLEMS})
def done(request: HttpRequest, document_id: uuid.UUID, payload: NoteIn) -> Any:
    """Đánh dấu đã xử lý xong."""
    me = _me(request)
    services.complete(me, document_id, payload.note)
    return document_out(services.get(me, document_id))


@router.post("/documents/{document_id}/return", response={200: EdocDocumentOut, **PROBLEMS})
def return_document(request: HttpRequest, document_id: uuid.UUID, payload: ReasonIn) -> Any:
    """Trả lại văn bản cho cơ quan gửi, kèm lý do."""
    me = _me(request)
    services.return_document(me, document_id, payload.reason)
    return document_out(services.get(me, document_id))


@router.post("/documents/{document_id}/recall", response={200: EdocDocumentOut, **PROBLEMS})
def recall(request: HttpRequest, document_id: uuid.UUID, payload: ReasonIn) -> Any:
    """Thu hồi văn bản đi, kèm lý do."""
    return document_out(services.recall(_me(request), document_id, payload.reason))


@router.post("/documents/{document_id}/replace", response={201: EdocDocumentOut, **PROBLEMS})
def replace(request: HttpRequest, document_id: uuid.UUID, payload: ReplaceIn) -> Any:
    """Ban hành văn bản thay thế văn bản đi này, kèm lý do."""
    new = services.replace(_me(request), document_id, _draft(payload), payload.reason)
    return Status(201, document_out(new))


@router.post("/documents/{document_id}/forward", response={201: EdocDocumentOut, **PROBLEMS})
def forward(request: HttpRequest, document_id: uuid.UUID, payload: ForwardIn) -> Any:
    """Chuyển văn bản tới cơ quan khác bằng phiếu chuyển; ghi nhật ký."""
    slip = services.forward(
        _me(request),
        document_id,
        payload.recipients,
        signer_personal_id=payload.signer_personal_id,
        signer_position=payload.signer_position,
        note=payload.note,
    )
    return Status(201, document_out(slip))
