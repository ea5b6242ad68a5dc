"""/api/v1/backoffice/counter: counter intake, paper results and assisted submission for
officials' tokens (scope `official`). Thin: each endpoint calls `motcua.dossiers.counter`.
A draft is reachable here only by the official filling it in, and only until it is
submitted; after that it belongs to the person (and to the units that process it)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from motcua.core.errors import InvalidInput
from motcua.core.problems import ERRORS, Problem
from motcua.dossiers import counter
from motcua.dossiers.api import FileOut, file_out
from motcua.dossiers.models import AssistConsent, Digitization, Dossier
from motcua.eforms import services as eforms
from motcua.identity.api_auth import OfficialAuth, context_of

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem, 409: Problem}
router = Router(auth=OfficialAuth())
MAX_PAGE_BYTES = 10 * 1024 * 1024


def _officer(request: HttpRequest) -> Any:
    return counter.official(context_of(request).subject_id)


class WhoIn(Schema):
    personal_id: str = Field("", max_length=20, description="số định danh cá nhân (nhập tay)")
    qr: str = Field(
        "",
        max_length=1000,
        description="nội dung mã QR trên thẻ căn cước: id|cmnd|họ tên|ddmmyyyy|giới tính|"
        "địa chỉ|ddmmyyyy",
    )


class IdentifiedOut(Schema):
    personal_id: str
    full_name: str
    birth_date: dt.date | None
    sex: str
    has_account: bool
    via: str


class OpenIn(WhoIn):
    procedure: str = Field(max_length=20, description="mã thủ tục, ví dụ 1.001193")
    receiving_unit: str = Field("", max_length=40, description="mặc định: đơn vị của cán bộ")
    data: dict[str, Any] = Field(default_factory=dict)


class DataIn(Schema):
    data: dict[str, Any]


class ReceiveIn(Schema):
    cash_receipt: str = Field("", max_length=40, description="số biên lai thu phí, lệ phí")


class CounterPrefilledOut(Schema):
    value: Any
    source: str
    read_only: bool


class CounterComponentOut(Schema):
    position: int
    name: str
    required: bool
    held_by_registry: bool
    is_form: bool
    files: list[FileOut]
    digitization: uuid.UUID | None


class DigitizationOut(Schema):
    id: uuid.UUID
    kind: str
    owner_id: str
    dossier_code: str | None
    component_position: int | None
    title: str
    unit: str
    digitized_by: str
    digitized_at: dt.datetime
    pages: int
    page_hashes: list[str]
    certified: bool
    certified_by: str
    certified_at: dt.datetime | None
    copy_sha256: str
    wallet_document: str


class AssistanceOut(Schema):
    channel: str
    channel_label: str
    applicant_name: str
    assisted_by: str
    assisted_by_name: str
    role_label: str
    consent: str


class CounterDossierOut(Schema):
    reference: str
    code: str | None
    draft_ref: str
    channel: str
    procedure_code: str
    procedure_name: str
    applicant_id: str
    applicant_name: str
    assisted_by: str
    assistance: AssistanceOut | None
    receiving_unit: str
    receiving_unit_name: str
    status: str
    status_label: str
    due_date: dt.date | None
    lookup_secret: str
    data: dict[str, Any]
    prefill: dict[str, CounterPrefilledOut]
    problems: list[str]
    needs_consent: list[str]
    components: list[CounterComponentOut]


def digitization_out(record: Digitization) -> dict[str, Any]:
    return {
        "id": record.id,
        "kind": record.kind,
        "owner_id": record.owner_id,
        "dossier_code": record.dossier.code if record.dossier else None,
        "component_position": record.component_position,
        "title": record.title,
        "unit": record.unit,
        "digitized_by": record.digitized_by,
        "digitized_at": record.digitized_at,
        "pages": record.pages,
        "page_hashes": list(record.page_hashes),
        "certified": record.certified,
        "certified_by": record.certified_by,
        "certified_at": record.certified_at,
        "copy_sha256": record.copy_sha256,
        "wallet_document": record.wallet_document,
    }


def dossier_out(dossier: Dossier, *, with_components: bool = True) -> dict[str, Any]:
    prefill = eforms.Prefill.from_json(dossier.prefill or {})
    return {
        "reference": dossier.reference,
        "code": dossier.code,
        "draft_ref": dossier.draft_ref,
        "channel": dossier.channel,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "applicant_id": dossier.applicant_id,
        "applicant_name": dossier.applicant_name,
        "assisted_by": dossier.assisted_by,
        "assistance": counter.assistance(dossier),
        "receiving_unit": dossier.receiving_unit,
        "receiving_unit_name": dossier.receiving_unit_name,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "due_date": dossier.due_date,
        "lookup_secret": dossier.lookup_secret,
        "data": dossier.data,
        "prefill": {
            path: {"value": v.value, "source": v.source, "read_only": v.read_only}
            for path, v in prefill.values.items()
        },
        "problems": list(prefill.problems),
        "needs_consent": list(prefill.needs_consent),
        "components": [
            {
                "position": c.position,
                "name": c.name,
                "required": c.required,
                "held_by_registry": c.held,
                "is_form": c.is_form,
                "files": [file_out(f) for f in c.files],
                "digitization": c.digitization.id if c.digitization else None,
            }
            for c in counter.components(dossier)
        ]
        if with_components and dossier.status == "draft"
        else [],
    }


def _pages(files: list[UploadedFile]) -> list[tuple[str, bytes]]:
    pages = []
    for upload in files:
        if upload.size is not None and upload.size > MAX_PAGE_BYTES:
            raise InvalidInput(f"Tệp '{upload.name}' vượt quá {MAX_PAGE_BYTES // 1024 // 1024} MB.")
        pages.append((upload.name or "trang", upload.read(MAX_PAGE_BYTES + 1)))
    return pages


@router.post("/identify", response={200: IdentifiedOut, **PROBLEMS})
def identify(request: HttpRequest, payload: WhoIn) -> Any:
    """Đối chiếu nhân thân người đến quầy: mã QR thẻ căn cước (so khớp với CSDL dân cư; không
    khớp thì từ chối) hoặc số định danh nhập tay."""
    return counter.identify(_officer(request), personal_id=payload.personal_id, qr=payload.qr)


@router.post("/dossiers", response={201: CounterDossierOut, **PROBLEMS})
def open_dossier(request: HttpRequest, payload: OpenIn) -> Any:
    """Mở hồ sơ trực tiếp tại quầy (kênh counter), tờ khai điền sẵn như khi nộp trực tuyến."""
    dossier = counter.open_at_counter(
        _officer(request),
        procedure_code=payload.procedure,
        personal_id=payload.personal_id,
        qr=payload.qr,
        receiving_unit=payload.receiving_unit,
        data=payload.data,
    )
    return Status(201, dossier_out(dossier))


@router.get("/dossiers/{reference}", response={200: CounterDossierOut, **PROBLEMS})
def get_dossier(request: HttpRequest, reference: str) -> Any:
    """Hồ sơ đang tiếp nhận (hoặc đang hỗ trợ nộp) của cán bộ, trước khi nộp."""
    return dossier_out(counter.draft_of(_officer(request), reference))


@router.patch("/dossiers/{reference}", response={200: CounterDossierOut, **PROBLEMS})
def update_dossier(request: HttpRequest, reference: str, payload: DataIn) -> Any:
    """Lưu tờ khai (các trường lấy từ CSDL quốc gia vẫn chỉ đọc)."""
    return dossier_out(counter.update(_officer(request), reference, payload.data))


class RegistryConsentIn(Schema):
    consent_id: uuid.UUID | None = None


@router.post(
    "/dossiers/{reference}/registry-consent", response={200: CounterDossierOut, **PROBLEMS}
)
def registry_consent(request: HttpRequest, reference: str, payload: RegistryConsentIn) -> Any:
    """Ghi nhận sự đồng ý của người dân cho lấy dữ liệu nhạy cảm để điền sẵn (chỉ cho thủ tục
    này): `consent_id` là sự đồng ý chính người dân đưa ra (mã xác nhận đọc lại, hoặc chữ ký
    tại quầy, phạm vi `registry`); thiếu thì bị từ chối (403)."""
    return dossier_out(
        counter.record_registry_consent(_officer(request), reference, consent_id=payload.consent_id)
    )


@router.post(
    "/dossiers/{reference}/scans", response={201: DigitizationOut, **PROBLEMS, 413: Problem}
)
def scan(
    request: HttpRequest,
    reference: str,
    component: Form[int],
    pages: File[list[UploadedFile]],
    certify: Form[bool] = False,
) -> Any:
    """Số hóa một thành phần giấy: các trang quét/chụp (JPG, PNG, PDF; kiểm tra theo nội dung);
    `certify`: chứng thực bản sao điện tử từ bản chính (chữ ký số của cán bộ một cửa)."""
    record = counter.scan(
        _officer(request), reference, component=component, pages=_pages(pages), certify=certify
    )
    return Status(201, digitization_out(record))


@router.post(
    "/dossiers/{reference}/receive", response={200: CounterDossierOut, **PROBLEMS, 402: Problem}
)
def receive(request: HttpRequest, reference: str, payload: ReceiveIn) -> Any:
    """Nộp và tiếp nhận ngay tại quầy: mã hồ sơ, giấy tiếp nhận, hạn giải quyết, bước tiếp theo."""
    dossier = counter.submit_and_receive(
        _officer(request), reference, cash_receipt=payload.cash_receipt
    )
    return dossier_out(dossier, with_components=False)


@router.get(
    "/dossiers/{code}/receipt",
    response={200: None, **PROBLEMS},
    openapi_extra={"responses": {200: {"description": "giấy tiếp nhận (PDF) để in tại quầy"}}},
)
def receipt(request: HttpRequest, code: str) -> HttpResponse:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF) để in tại quầy."""
    dossier, pdf = counter.counter_receipt(_officer(request), code)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response


@router.post("/paper-results", response={201: DigitizationOut, **PROBLEMS, 413: Problem})
def paper_result(
    request: HttpRequest,
    title: Form[str],
    issuer_name: Form[str],
    issued_on: Form[dt.date],
    pages: File[list[UploadedFile]],
    personal_id: Form[str] = "",
    qr: Form[str] = "",
    number: Form[str] = "",
    dossier_code: Form[str] = "",
) -> Any:
    """Số hóa kết quả giấy vào ví giấy tờ của chủ sở hữu, chứng thực từ bản chính."""
    record = counter.digitize_paper_result(
        _officer(request),
        personal_id=personal_id[:20],
        qr=qr[: counter.MAX_QR_CHARS],
        title=title,
        issuer_name=issuer_name,
        issued_on=issued_on,
        number=number[:60],
        dossier_code=dossier_code[:60],
        pages=_pages(pages),
    )
    return Status(201, digitization_out(record))


# ---------------------------------------------------------------------------- assisted


class CounterConsentIn(WhoIn):
    procedure: str = Field(max_length=20)
    scope: str = Field(
        "assist",
        pattern="^(assist|registry)$",
        description="assist: nộp thay; registry: "
        "cho lấy dữ liệu từ cơ sở dữ liệu quốc gia để điền tờ khai",
    )


class CounterConsentOut(Schema):
    id: uuid.UUID
    personal_id: str
    person_name: str
    procedure_code: str
    method: str
    scope: str
    state: str
    attempts: int
    expires_at: dt.datetime
    given_at: dt.datetime | None
    dossier_reference: str | None


class CodeIn(Schema):
    code: str = Field(max_length=12)


class AssistedIn(Schema):
    consent_id: uuid.UUID | None = None
    receiving_unit: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


def consent_out(consent: AssistConsent) -> dict[str, Any]:
    return {
        "id": consent.id,
        "personal_id": consent.personal_id,
        "person_name": consent.person_name,
        "procedure_code": consent.procedure_code,
        "method": consent.method,
        "scope": consent.scope,
        "state": consent.state,
        "attempts": consent.attempts,
        "expires_at": consent.expires_at,
        "given_at": consent.given_at,
        "dossier_reference": consent.dossier.reference if consent.dossier else None,
    }


@router.post("/consents", response={201: CounterConsentOut, **PROBLEMS})
def request_code(request: HttpRequest, payload: CounterConsentIn) -> Any:
    """Gửi mã xác nhận một lần cho người dân (hộp thư, SMS tới số đã xác thực): người dân đọc
    mã cho người hỗ trợ nếu đồng ý. Chỉ lưu mã băm."""
    consent = counter.request_consent_code(
        _officer(request),
        procedure_code=payload.procedure,
        personal_id=payload.personal_id,
        qr=payload.qr,
        scope=payload.scope,
    )
    return Status(201, consent_out(consent))


@router.post("/consents/signature", response={201: CounterConsentOut, **PROBLEMS})
def signature_consent(
    request: HttpRequest,
    procedure: Form[str],
    signature: File[UploadedFile],
    personal_id: Form[str] = "",
    qr: Form[str] = "",
    scope: Form[str] = "assist",
) -> Any:
    """Chữ ký của người dân tại quầy (ảnh JPG, PNG) thay cho mã xác nhận; `scope` như trên."""
    consent = counter.record_signature_consent(
        _officer(request),
        procedure_code=procedure[:20],
        personal_id=personal_id[:20],
        qr=qr[: counter.MAX_QR_CHARS],
        signature_name=signature.name or "chu-ky",
        signature=signature.read(counter.SIGNATURE_MAX_BYTES + 1),
        scope=scope[:10],
    )
    return Status(201, consent_out(consent))


@router.post("/consents/{consent_id}/confirm", response={200: CounterConsentOut, **PROBLEMS})
def confirm_code(request: HttpRequest, consent_id: uuid.UUID, payload: CodeIn) -> Any:
    """Mã người dân đọc lại; sai quá 5 lần hoặc hết hạn (10 phút) thì phải gửi mã mới."""
    return consent_out(counter.confirm_consent_code(_officer(request), consent_id, payload.code))


@router.post("/assisted", response={201: CounterDossierOut, **PROBLEMS})
def start_assisted(request: HttpRequest, payload: AssistedIn) -> Any:
    """Mở hồ sơ nộp trực tuyến thay người dân (kênh assisted); không có sự đồng ý thì từ chối."""
    dossier = counter.start_assisted(
        _officer(request),
        consent_id=payload.consent_id,
        receiving_unit=payload.receiving_unit,
        data=payload.data,
    )
    return Status(201, dossier_out(dossier))


@router.post(
    "/assisted/{reference}/submit", response={200: CounterDossierOut, **PROBLEMS, 402: Problem}
)
def submit_assisted(request: HttpRequest, reference: str) -> Any:
    """Nộp hồ sơ thay người dân; từ đây hồ sơ thuộc về người dân."""
    return dossier_out(counter.submit_assisted(_officer(request), reference), with_components=False)


@router.post(
    "/dossiers/{reference}/registry-consent/code",
    response={201: CounterConsentOut, **PROBLEMS},
)
def registry_consent_code(request: HttpRequest, reference: str) -> Any:
    """Gửi mã xác nhận một lần cho người nộp hồ sơ để họ đồng ý cho lấy dữ liệu từ cơ sở dữ
    liệu quốc gia; xác nhận mã qua /consents/{id}/confirm."""
    consent = counter.request_registry_consent_code(_officer(request), reference)
    return Status(201, consent_out(consent))
