"""Counter intake (tiếp nhận hồ sơ trực tiếp) and assisted submission (hỗ trợ nộp hồ sơ trực
tuyến). A one-stop officer identifies a walk-in person by their chip card's QR code (or the
personal ID typed), fills the same prefilled form as online, scans what the person brought
per component (a digitization record for each, certified as an electronic copy from the
original when the officer signs it), and submits and receives the dossier at once. An
official or a community digital technology team member may instead submit online for a
person who consented (a one-time code sent to them, or their signature at the counter); the
person owns that dossier as if they had submitted it themselves.

Everything goes through `services` (create_draft, update_draft, add_file, submit, receive):
the same lifecycle, codes, receipts, workflow and deadlines as an online dossier."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from motcua.audit import services as audit
from motcua.catalog import selectors as catalog
from motcua.core import uploads
from motcua.core.calendar import VN_TZ
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.formats import format_datetime
from motcua.identity import officials
from motcua.units import selectors as units

from . import receipt, services
from .errors import DossierNotFound, PaymentRequired
from .models import AssistConsent, Digitization, DigitizedPage, Dossier, DossierFile, Status

if TYPE_CHECKING:
    from motcua.identity.officials import OfficialRef

logger = logging.getLogger(__name__)

CONSUMER = "motcua-quay"
CONSUMER_NAME = "Hệ thống tiếp nhận hồ sơ tại quầy MotCua"
IDENTITY_SERVICE = "population.person.basic"
PURPOSE_IDENTIFY = "quay.doi-chieu-nhan-than"
POPULATION = "Cơ sở dữ liệu quốc gia về dân cư"

RECEIVER_ROLE = "one_stop_officer"
ASSIST_ROLES = ("one_stop_officer", "digital_team")
CODE_TTL = dt.timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODES_PER_TTL = 3  # codes sent to one person within CODE_TTL, whoever asks
# How long a consent given stands for opening the draft it allows.
CONSENT_TTL = dt.timedelta(hours=2)
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
IMAGES = frozenset({uploads.JPEG, uploads.PNG})
CERTIFY_REASON = "Chứng thực bản sao điện tử từ bản chính"
MAX_QR_CHARS = 1000


class IdentityMismatch(InvalidInput):
    code = "identity-mismatch"
    title = "Thông tin căn cước không khớp"


class ConsentRequired(PermissionDenied):
    code = "consent-required"
    title = "Chưa có sự đồng ý của người dân"


class ConsentCodeInvalid(InvalidInput):
    code = "consent-code-invalid"
    title = "Mã xác nhận không đúng"


def official(personal_id: str) -> OfficialRef:
    """The official with this personal ID (PermissionDenied for anyone else)."""
    return officials.official_ref(personal_id)


# ---------------------------------------------------------------------------- identifying


@dataclass(frozen=True)
class ChipCard:
    """What the QR code of a chip-based citizen ID card (CCCD gắn chip) says:
    `id|old id|name|ddmmyyyy birth|sex|address|ddmmyyyy issue`."""

    personal_id: str
    old_id: str
    full_name: str
    birth_date: dt.date
    sex: str  # M or F, as in the population registry
    address: str
    issued_on: dt.date | None


@dataclass(frozen=True)
class Identified:
    """A person the registry knows, identified at the counter (`via`: qr or typed)."""

    personal_id: str
    full_name: str
    birth_date: dt.date | None
    sex: str
    has_account: bool
    via: str


def _ddmmyyyy(value: str, what: str) -> dt.date:
    value = value.strip()
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise InvalidInput(
            f"Mã QR không hợp lệ: {what} phải có dạng ngày tháng năm (ddmmyyyy).", param="qr"
        ) from None


SEXES = {"nam": "M", "nữ": "F", "nu": "F", "male": "M", "female": "F"}


def parse_chip_card_qr(payload: str) -> ChipCard:
    """Parse the card's QR payload; anything else is refused with the reason."""
    text = unicodedata.normalize("NFC", (payload or "").strip())
    if not text or len(text) > MAX_QR_CHARS:
        raise InvalidInput("Chưa đọc được mã QR trên thẻ căn cước.", param="qr")
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 7:
        raise InvalidInput(
            "Mã QR không phải mã QR trên thẻ căn cước (cần 7 trường ngăn cách bằng “|”).",
            param="qr",
        )
    personal_id = parts[0]
    if len(personal_id) != 12 or not personal_id.isdigit():
        raise InvalidInput("Mã QR không hợp lệ: số định danh cá nhân gồm 12 chữ số.", param="qr")
    sex = SEXES.get(parts[4].lower())
    if not parts[2] or sex is None:
        raise InvalidInput("Mã QR không hợp lệ: thiếu họ tên hoặc giới tính.", param="qr")
    return ChipCard(
        personal_id=personal_id,
        old_id=parts[1],
        full_name=" ".join(parts[2].split()),
        birth_date=_ddmmyyyy(parts[3], "ngày sinh"),
        sex=sex,
        address=parts[5],
        issued_on=_ddmmyyyy(parts[6], "ngày cấp") if parts[6] else None,
    )


def _same_name(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(a) == norm(b)


def _registry_person(officer: OfficialRef, personal_id: str) -> dict[str, Any]:
    from motcua.exchange import services as exchange
    from motcua.exchange.errors import SubjectNotFound

    try:
        return dict(
            exchange.call(
                CONSUMER,
                IDENTITY_SERVICE,
                PURPOSE_IDENTIFY,
                personal_id,
                requester=f"official:{officer.personal_id}",
            ).data
        )
    except SubjectNotFound:
        raise InvalidInput(
            f"{POPULATION} không có số định danh {personal_id}.", param="personal_id"
        ) from None


def identify(officer: OfficialRef, *, personal_id: str = "", qr: str = "") -> Identified:
    """The walk-in person: from the card's QR code (checked field by field against the
    population registry; a mismatch is refused) or the personal ID typed. Audited. Only the
    one-stop and digital-team roles look a person up (name, birth date and sex)."""
    from motcua.identity import identifiers
    from motcua.identity import selectors as identity

    if not any(officer.holds(r, u) for r in ASSIST_ROLES for u in officer.units):
        raise PermissionDenied(
            "Chỉ cán bộ một cửa hoặc thành viên Tổ công nghệ số cộng đồng được tra cứu nhân thân "
            "người dân."
        )

    card = parse_chip_card_qr(qr) if qr.strip() else None
    typed = (personal_id or "").strip()
    if card is not None and typed and typed != card.personal_id:
        raise IdentityMismatch(
            "Số định danh nhập tay khác số định danh trong mã QR.", param="personal_id"
        )
    if card is None:
        if not typed:
            raise InvalidInput(
                "Quét mã QR trên thẻ căn cước hoặc nhập số định danh cá nhân.", param="personal_id"
            )
        typed = identifiers.validate_personal_id(typed)
    pid = card.personal_id if card is not None else typed
    found = _registry_person(officer, pid)
    if found.get("status") not in (None, "", "alive"):
        raise InvalidInput(
            f"{POPULATION} ghi nhận số định danh {pid} không còn hiệu lực.", param="personal_id"
        )
    birth = found.get("birth_date")
    birth_date = dt.date.fromisoformat(birth) if isinstance(birth, str) and birth else None
    if card is not None:
        differ = []
        if not _same_name(card.full_name, str(found.get("full_name") or "")):
            differ.append("họ và tên")
        if birth_date != card.birth_date:
            differ.append("ngày sinh")
        if card.sex != found.get("sex"):
            differ.append("giới tính")
        if differ:
            audit.record(
                actor=officer.personal_id,
                action="dossier.counter_identity_mismatch",
                target_type="person",
                target_id=pid,
                purpose=PURPOSE_IDENTIFY,
                data={"fields": differ},
            )
            raise IdentityMismatch(
                f"Thông tin trên thẻ căn cước không khớp với {POPULATION}: "
                + ", ".join(differ)
                + ". Không tiếp nhận theo thẻ này; đề nghị người dân kiểm tra lại giấy tờ.",
                param="qr",
                fields=differ,
            )
    audit.record(
        actor=officer.personal_id,
        action="dossier.counter_identified",
        target_type="person",
        target_id=pid,
        purpose=PURPOSE_IDENTIFY,
        data={"via": "qr" if card is not None else "typed", "unit": officer.agency_code},
    )
    return Identified(
        personal_id=pid,
        full_name=str(found.get("full_name") or ""),
        birth_date=birth_date,
        sex=str(found.get("sex") or ""),
        has_account=identity.account_name(pid) is not None,
        via="qr" if card is not None else "typed",
    )


# ---------------------------------------------------------------------------- counter intake


def _require(officer: OfficialRef, roles: tuple[str, ...], unit: str, what: str) -> str:
    held = next((r for r in roles if officer.holds(r, unit)), None)
    if held is None:
        raise PermissionDenied(what)
    return held


def _applicant(officer: OfficialRef, dossier_or_id: Dossier | str, name: str = "") -> Any:
    """The person as the dossier's applicant, with the official acting at their request."""
    if isinstance(dossier_or_id, Dossier):
        subject, name = dossier_or_id.applicant_id, dossier_or_id.applicant_name
        basis = dossier_or_id.channel
    else:
        subject, basis = dossier_or_id, ""
    return services.Applicant(
        subject_id=subject, actor_id=officer.personal_id, name=name, basis=basis, level=2
    )


def open_at_counter(
    officer: OfficialRef,
    *,
    procedure_code: str,
    personal_id: str = "",
    qr: str = "",
    receiving_unit: str = "",
    data: dict[str, Any] | None = None,
) -> Dossier:
    """Open the walk-in person's dossier at the officer's counter: the form prefilled from
    the registries as online (same read-only rules), channel `counter`."""
    unit = receiving_unit or officer.agency_code
    _require(
        officer,
        (RECEIVER_ROLE,),
        unit,
        "Chỉ cán bộ một cửa của đơn vị tiếp nhận mới tiếp nhận hồ sơ tại quầy.",
    )
    person = identify(officer, personal_id=personal_id, qr=qr)
    with transaction.atomic():
        dossier = services.create_draft(
            _applicant(officer, person.personal_id, person.full_name),
            procedure_code,
            unit,
            data,
            channel=Dossier.Channel.COUNTER,
        )
        dossier.assisted_by = officer.personal_id
        dossier.acting_basis = Dossier.Channel.COUNTER
        dossier.save(update_fields=["assisted_by", "acting_basis", "updated_at"])
    return dossier


def draft_of(officer: OfficialRef, reference: str) -> Dossier:
    """A counter or assisted draft this official is filling in; anything else (someone
    else's, or one already submitted) is "not found"."""
    dossier = (
        Dossier.objects.filter(Q(draft_ref=reference) | Q(code=reference))
        .filter(
            assisted_by=officer.personal_id,
            channel__in=[Dossier.Channel.COUNTER, Dossier.Channel.ASSISTED],
            status=Status.DRAFT,
            submit_requested_at__isnull=True,
        )
        .first()
    )
    if dossier is None or not (
        officer.holds(RECEIVER_ROLE, dossier.receiving_unit)
        or any(officer.holds(role, officer.agency_code) for role in ASSIST_ROLES)
    ):
        raise DossierNotFound(f"Không tìm thấy hồ sơ {reference[:60]}.")
    return dossier


def update(officer: OfficialRef, reference: str, data: dict[str, Any]) -> Dossier:
    dossier = draft_of(officer, reference)
    return services.update_draft(_applicant(officer, dossier), dossier.draft_ref, data=data)


def request_registry_consent_code(officer: OfficialRef, reference: str) -> AssistConsent:
    """Send the draft's applicant a one-time code asking their consent to the registry reads
    the form needs; the code they read back (`confirm_consent_code`) is their consent."""
    dossier = draft_of(officer, reference)
    return request_consent_code(
        officer,
        procedure_code=dossier.procedure_code,
        personal_id=dossier.applicant_id,
        scope=AssistConsent.Scope.REGISTRY,
    )


def pending_registry_consent(officer: OfficialRef, dossier: Dossier) -> AssistConsent | None:
    """The newest code this officer sent the draft's applicant for its registry reads, still
    awaiting the code read back."""
    return (
        AssistConsent.objects.filter(
            assistant_id=officer.personal_id,
            personal_id=dossier.applicant_id,
            procedure_code=dossier.procedure_code,
            scope=AssistConsent.Scope.REGISTRY,
            state=AssistConsent.State.PENDING,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def record_registry_consent(
    officer: OfficialRef, reference: str, *, consent_id: Any = None
) -> Dossier:
    """The person agrees to the sensitive registry reads this procedure's form needs; the
    prefill is read again. The agreement is the person's own act, given to this officer for
    this procedure (`consent_id`: a code they read back, or their signature at the counter),
    spent here; the officer records it, acting for them, and is named as such."""
    dossier = draft_of(officer, reference)
    with transaction.atomic():
        consent = (
            AssistConsent.objects.select_for_update()
            .filter(
                pk=_uuid(consent_id),
                assistant_id=officer.personal_id,
                personal_id=dossier.applicant_id,
                procedure_code=dossier.procedure_code,
                scope=AssistConsent.Scope.REGISTRY,
                state=AssistConsent.State.GIVEN,
                used_at__isnull=True,
            )
            .first()
            if consent_id
            else None
        )
        if (
            consent is None
            or consent.given_at is None
            or timezone.now() > consent.given_at + CONSENT_TTL
        ):
            raise ConsentRequired(
                "Chưa có sự đồng ý của người dân cho việc đọc dữ liệu của họ từ cơ sở dữ liệu "
                "quốc gia: gửi mã xác nhận cho người dân hoặc lấy chữ ký của họ tại quầy."
            )
        consent.used_at = timezone.now()
        consent.save(update_fields=["used_at"])
        evidence = {"method": consent.method, "consent": str(consent.id)}
        dossier = services.consent_and_refresh(
            _applicant(officer, dossier),
            dossier.draft_ref,
            recorded_by=officer.personal_id,
            evidence=evidence,
        )
        audit.record(
            actor=officer.personal_id,
            acting_for=dossier.applicant_id,
            action="dossier.counter_registry_consent",
            target_type="dossier",
            target_id=str(dossier.id),
            purpose=f"thu-tuc:{dossier.procedure_code}",
            data=evidence,
        )
    return dossier


@dataclass(frozen=True)
class ComponentView:
    """A component as the counter form shows it: held by a registry (not asked for), the
    e-form itself, or paper to scan, with its pages and digitization."""

    position: int
    name: str
    required: bool
    held: bool
    is_form: bool
    files: list[DossierFile]
    digitization: Digitization | None


def components(dossier: Dossier) -> list[ComponentView]:
    prefill = services.prefill_of(dossier)
    held = {r["registry"] for r in prefill.records}
    files = list(dossier.files.all())
    digitized = {d.component_position: d for d in dossier.digitizations.all()}
    return [
        ComponentView(
            position=c.position,
            name=c.name,
            required=c.required,
            held=bool(c.replaced_by and c.replaced_by in held),
            is_form=c.is_form,
            files=[f for f in files if f.component_position == c.position],
            digitization=digitized.get(c.position),
        )
        for c in catalog.get_published(dossier.procedure_code).components.all()
    ]


def scan(
    officer: OfficialRef,
    reference: str,
    *,
    component: int,
    pages: list[tuple[str, bytes]],
    certify: bool = False,
) -> Digitization:
    """Attach the scanned or photographed pages of one paper component (JPEG, PNG or PDF,
    several pages allowed) and record its digitization. Every page is checked by content
    before anything is saved; a component a registry already holds is not scanned.
    `certify`: the officer compared the copy with the original and signs it as an
    electronic copy from the original (one-stop officers only)."""
    if not pages:
        raise InvalidInput("Chọn ít nhất một trang đã quét hoặc chụp.", param="files")
    uploads.check_count(len(pages))
    checked = [uploads.check_upload(name, content) for name, content in pages]
    dossier = draft_of(officer, reference)
    view = next((c for c in components(dossier) if c.position == component), None)
    if view is None:
        raise InvalidInput("Thành phần hồ sơ không tồn tại.", param="component")
    if view.held:
        raise InvalidInput(
            f"“{view.name}”: Nhà nước đã có dữ liệu thay thế, không quét giấy tờ này.",
            param="component",
        )
    if certify:
        _require(
            officer,
            (RECEIVER_ROLE,),
            dossier.receiving_unit,
            "Chỉ cán bộ một cửa của đơn vị tiếp nhận được chứng thực bản sao điện tử.",
        )
    applicant = _applicant(officer, dossier)
    now = timezone.now()
    with transaction.atomic():
        stored = [
            services.add_file(
                applicant, dossier.draft_ref, component=component, name=c.name, content=c.data
            )
            for c in checked
        ]
        record, _created = Digitization.objects.select_for_update().get_or_create(
            kind=Digitization.Kind.COMPONENT,
            dossier=dossier,
            component_position=component,
            defaults={
                "owner_id": dossier.applicant_id,
                "owner_name": dossier.applicant_name,
                "title": view.name[:500],
                "unit": officer.agency_code,
                "digitized_by": officer.personal_id,
                "digitized_at": now,
            },
        )
        seq = record.items.count()
        for offset, file in enumerate(stored):
            page = DigitizedPage(
                digitization=record,
                seq=seq + offset + 1,
                name=file.name,
                mime=file.mime,
                size=file.size,
                sha256=file.sha256,
                dossier_file=file,
            )
            page.file.name = file.file.name
            page.save()
        record.digitized_by, record.digitized_at = officer.personal_id, now
        record.unit = officer.agency_code
        _refresh_pages(record)
        if certify:
            _certify(record, officer)
        elif record.certified:
            # New pages the certification does not cover: it no longer holds.
            record.certified, record.certified_by, record.certified_at = False, "", None
            record.copy, record.copy_sha256 = "", ""
        record.save()
        audit.record(
            actor=officer.personal_id,
            acting_for=dossier.applicant_id,
            action="dossier.component_digitized",
            target_type="dossier",
            target_id=str(dossier.id),
            purpose=f"thu-tuc:{dossier.procedure_code}",
            data={
                "component": component,
                "pages": [f.sha256 for f in stored],
                "certified": record.certified,
            },
        )
    return record


def _refresh_pages(record: Digitization) -> None:
    hashes = list(record.items.order_by("seq").values_list("sha256", flat=True))
    record.pages, record.page_hashes = len(hashes), hashes


def _certify(record: Digitization, officer: OfficialRef) -> None:
    """Sign the electronic copy: a PDF naming the owner, the paper, every page's SHA-256
    and the image pages themselves, signed (PAdES) by the officer."""
    from motcua.core.pdf import render_document
    from motcua.results import services as results

    items = list(record.items.order_by("seq"))
    images: list[bytes] = []
    for item in items:
        if item.mime in IMAGES:
            with item.file.open("rb") as handle:
                images.append(handle.read())
    now = timezone.now()
    unit = units.agency_name(record.unit)
    rows = [
        ("Chủ sở hữu", f"{record.owner_name} — {record.owner_id}".strip(" —")),
        ("Giấy tờ", record.title),
        ("Số trang", str(len(items))),
        ("Nơi số hóa", unit),
        ("Người chứng thực", f"{officer.full_name} — {officer.personal_id}".strip(" —")),
        ("Thời điểm", format_datetime(now)),
    ]
    rows += [(f"Trang {i.seq}", f"{i.name} · SHA-256 {i.sha256}") for i in items]
    pdf = render_document(
        title="BẢN SAO ĐIỆN TỬ ĐƯỢC CHỨNG THỰC TỪ BẢN CHÍNH",
        subtitle=record.title,
        issuer=unit,
        rows=rows,
        paragraphs=[
            "Cán bộ tiếp nhận đã đối chiếu bản số hóa với bản chính do người dân xuất trình "
            "và xác nhận bản số hóa đúng với bản chính. Mỗi trang được xác định bằng mã băm "
            "SHA-256 nêu trên; các trang là ảnh được in ở các trang sau.",
            "Bản sao điện tử này được dùng lại cho các thủ tục sau mà người dân không phải "
            "nộp lại bản giấy.",
        ],
        footer=f"Mã bản số hóa {record.id}",
        metadata={"keywords": f"motcua-digitization:{record.id}"},
        images=images,
    )
    signed = results.sign_pdf(pdf, signer_personal_id=officer.personal_id, reason=CERTIFY_REASON)
    record.copy.save(f"{record.id}.pdf", ContentFile(signed), save=False)
    record.copy_sha256 = hashlib.sha256(signed).hexdigest()
    record.certified, record.certified_by, record.certified_at = True, officer.personal_id, now


def submit_and_receive(officer: OfficialRef, reference: str, *, cash_receipt: str = "") -> Dossier:
    """Submit the counter dossier and accept it at once (the one-stop step): code, receipt,
    due date and the workflow's next step, as for an online one. A fee must have been
    collected (`cash_receipt`: the receipt number). The receipt also reaches the person's
    inbox and e-wallet when they have an account."""
    dossier = draft_of(officer, reference)
    if dossier.channel != Dossier.Channel.COUNTER:
        raise Conflict("Hồ sơ hỗ trợ nộp trực tuyến được nộp, không tiếp nhận tại quầy.")
    applicant = _applicant(officer, dossier)
    with transaction.atomic():
        dossier = services.submit(
            applicant, dossier.draft_ref, idempotency_key=f"quay-{dossier.draft_ref}"
        )
        if not dossier.code:
            return dossier  # other parties still have to confirm
        if dossier.payment_status == Dossier.Payment.AWAITING:
            if not cash_receipt.strip():
                raise PaymentRequired(
                    "Hồ sơ có phí, lệ phí: thu phí và ghi số biên lai trước khi tiếp nhận."
                )
            services.mark_paid(
                dossier.code, actor=officer.personal_id, receipt_number=cash_receipt.strip()[:40]
            )
        _accept(officer, dossier.code)
        dossier = services.get_by_code(dossier.code)
        _deliver_receipt(dossier, officer)
    return dossier


def _accept(officer: OfficialRef, code: str) -> None:
    from motcua.workflow import services as workflow

    dossier = services.get_by_code(code)
    if workflow.process_for(dossier.procedure_code) is None:
        services.ensure_no_conflict_of_interest(dossier, officer.personal_id)
        services.receive(code, actor=officer.personal_id)
    else:
        workflow.act(officer, code, "accept")


def _deliver_receipt(dossier: Dossier, officer: OfficialRef) -> bool:
    from motcua.identity import selectors as identity
    from motcua.wallet import services as wallet

    if identity.account_name(dossier.applicant_id) is None:
        return False
    key = f"receipt:{dossier.id}"
    wallet.add_document(
        owner_id=dossier.applicant_id,
        title=f"Giấy tiếp nhận hồ sơ {dossier.code}",
        issuer_name=dossier.receiving_unit_name,
        issuer_code=dossier.receiving_unit,
        issued_on=timezone.localtime(timezone.now(), VN_TZ).date(),
        content=receipt.render(dossier),
        filename=f"giay-tiep-nhan-{dossier.code}.pdf",
        key=key,
        actor=officer.personal_id,
        content_type="application/pdf",
        data={"ma_ho_so": dossier.code, "ma_tra_cuu": dossier.lookup_secret, "kenh": "counter"},
    )
    wallet.send_message(
        recipient_id=dossier.applicant_id,
        title=f"Giấy tiếp nhận hồ sơ {dossier.code}",
        body=(
            f"Hồ sơ “{dossier.procedure_name}” nộp trực tiếp tại {dossier.receiving_unit_name} "
            f"đã được tiếp nhận với mã {dossier.code}. Giấy tiếp nhận có trong ví giấy tờ; "
            "theo dõi hồ sơ trong mục Hồ sơ của tôi."
        ),
        key=key,
        actor=officer.personal_id,
        kind="dossier_status",
        link=f"/ho-so/{dossier.code}/",
    )
    return True


def counter_receipt(officer: OfficialRef, code: str) -> tuple[Dossier, bytes]:
    """The receipt to print at the counter, for a one-stop officer of the receiving unit."""
    dossier = Dossier.objects.filter(code=code).first()
    if (
        dossier is None
        or dossier.channel != Dossier.Channel.COUNTER
        or not officer.holds(RECEIVER_ROLE, dossier.receiving_unit)
    ):
        raise DossierNotFound(f"Không tìm thấy hồ sơ {code[:60]}.")
    audit.record(
        actor=officer.personal_id,
        acting_for=dossier.applicant_id,
        action="dossier.counter_receipt_printed",
        target_type="dossier",
        target_id=str(dossier.id),
        purpose=f"xu-ly-ho-so:{code}",
    )
    return dossier, receipt.render(dossier)


# ---------------------------------------------------------------------------- paper results


def digitize_paper_result(
    officer: OfficialRef,
    *,
    title: str,
    issuer_name: str,
    issued_on: dt.date,
    pages: list[tuple[str, bytes]],
    personal_id: str = "",
    qr: str = "",
    number: str = "",
    dossier_code: str = "",
) -> Digitization:
    """A result issued on paper (e.g. an old birth certificate), brought by its owner:
    scanned, certified from the original under the officer's signature and put into the
    owner's e-wallet, so later procedures take it from there."""
    from motcua.wallet import services as wallet

    _require(
        officer,
        (RECEIVER_ROLE,),
        officer.agency_code,
        "Chỉ cán bộ một cửa được số hóa và chứng thực kết quả giấy.",
    )
    title, issuer_name = title.strip()[:255], issuer_name.strip()[:255]
    if not title or not issuer_name:
        raise InvalidInput("Cần tên giấy tờ và cơ quan cấp.", param="title")
    if issued_on > timezone.localdate():
        raise InvalidInput("Ngày cấp không được sau hôm nay.", param="issued_on")
    if not pages:
        raise InvalidInput("Chọn ít nhất một trang đã quét hoặc chụp.", param="files")
    uploads.check_count(len(pages))
    checked = [uploads.check_upload(name, content) for name, content in pages]
    person = identify(officer, personal_id=personal_id, qr=qr)
    dossier = None
    if dossier_code:
        dossier = Dossier.objects.filter(code=dossier_code, applicant_id=person.personal_id).first()
        if dossier is None:
            raise DossierNotFound(f"Không tìm thấy hồ sơ {dossier_code[:60]} của người này.")
    with transaction.atomic():
        record = Digitization.objects.create(
            kind=Digitization.Kind.RESULT,
            owner_id=person.personal_id,
            owner_name=person.full_name,
            dossier=dossier,
            title=title,
            unit=officer.agency_code,
            digitized_by=officer.personal_id,
            digitized_at=timezone.now(),
            data={"issuer": issuer_name, "issued_on": issued_on.isoformat(), "number": number},
        )
        for seq, c in enumerate(checked, start=1):
            page = DigitizedPage(
                digitization=record, seq=seq, name=c.name, mime=c.mime, size=c.size, sha256=c.sha256
            )
            page.file.save(f"{record.id}-{seq}", ContentFile(c.data), save=False)
            page.save()
        _refresh_pages(record)
        _certify(record, officer)
        with record.copy.open("rb") as handle:
            copy = handle.read()
        document = wallet.add_document(
            owner_id=person.personal_id,
            title=title,
            issuer_name=issuer_name,
            issued_on=issued_on,
            content=copy,
            filename=f"ban-sao-dien-tu-{record.id}.pdf",
            key=f"digitized:{record.id}",
            actor=officer.personal_id,
            content_type="application/pdf",
            data={
                "ban_so_hoa": str(record.id),
                "chung_thuc_tu_ban_chinh": True,
                "nguoi_chung_thuc": officer.personal_id,
                "so_hieu": number,
                "sha256_trang": record.page_hashes,
                "ma_ho_so": dossier_code,
            },
        )
        record.wallet_document = str(document.id)
        record.save()
        audit.record(
            actor=officer.personal_id,
            acting_for=person.personal_id,
            action="dossier.paper_result_digitized",
            target_type="dossier.digitization",
            target_id=str(record.id),
            data={"pages": record.page_hashes, "wallet_document": str(document.id)},
        )
    return record


def certified_copies(owner_id: str) -> list[Digitization]:
    """The owner's certified electronic copies, newest first (for reuse by later dossiers)."""
    return list(Digitization.objects.filter(owner_id=owner_id, certified=True)[:200])


def reuse_certified_copy(
    applicant: services.Applicant, reference: str, *, component: int, digitization_id: Any
) -> list[DossierFile]:
    """Attach one of the applicant's certified copies to a component of a new draft instead
    of paper: its pages, as they were certified."""
    record = Digitization.objects.filter(
        pk=digitization_id, owner_id=applicant.subject_id, certified=True
    ).first()
    if record is None:
        raise NotFound("Không tìm thấy bản sao điện tử đã chứng thực.")
    added = []
    with transaction.atomic():
        for item in record.items.order_by("seq"):
            with item.file.open("rb") as handle:
                added.append(
                    services.add_file(
                        applicant,
                        reference,
                        component=component,
                        name=item.name,
                        content=handle.read(),
                    )
                )
        audit.record(
            actor=applicant.actor_id,
            acting_for=applicant.acting_for,
            action="dossier.certified_copy_reused",
            target_type="dossier.digitization",
            target_id=str(record.id),
            data={"reference": reference, "component": component},
        )
    return added


# ---------------------------------------------------------------------------- assisted


def _assisting_role(officer: OfficialRef) -> str:
    return _require(
        officer,
        ASSIST_ROLES,
        officer.agency_code,
        "Chỉ cán bộ một cửa hoặc thành viên Tổ công nghệ số cộng đồng được hỗ trợ nộp hồ sơ.",
    )


def _code_hash(consent_id: Any, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"assist-consent:{consent_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _consent(
    officer: OfficialRef,
    role: str,
    person: Identified,
    procedure_code: str,
    **fields: Any,
) -> AssistConsent:
    """A consent of `person` to `officer` (assisting in `role`) for one procedure, unsaved."""
    return AssistConsent(
        personal_id=person.personal_id,
        person_name=person.full_name,
        assistant_id=officer.personal_id,
        assistant_name=officer.full_name,
        assistant_unit=officer.agency_code,
        assistant_role=role,
        procedure_code=procedure_code,
        **fields,
    )


def _scope(scope: str) -> str:
    if scope not in AssistConsent.Scope.values:
        raise InvalidInput("Phạm vi đồng ý không hợp lệ.", param="scope")
    return scope


def request_consent_code(
    officer: OfficialRef,
    *,
    procedure_code: str,
    personal_id: str = "",
    qr: str = "",
    scope: str = AssistConsent.Scope.ASSIST,
) -> AssistConsent:
    """Send the person a one-time code (inbox, and SMS to their verified phone): reading it
    back to the assistant is their consent. Only the code's HMAC is kept."""
    from motcua.notify import services as notify

    role = _assisting_role(officer)
    version = catalog.get_published(procedure_code)
    person = identify(officer, personal_id=personal_id, qr=qr)
    phone = notify.contact_points(person.personal_id).phone
    if not person.has_account and not phone:
        raise Conflict(
            "Người dân chưa có tài khoản định danh điện tử hay số điện thoại đã xác thực để "
            "nhận mã; hãy lấy chữ ký xác nhận của người dân tại quầy."
        )
    now = timezone.now()
    recent = AssistConsent.objects.filter(
        personal_id=person.personal_id,
        method=AssistConsent.Method.CODE,
        created_at__gte=now - CODE_TTL,
    ).count()
    if recent >= CODES_PER_TTL:
        raise Conflict(
            "Đã gửi nhiều mã xác nhận cho người này trong 10 phút qua; hãy thử lại sau hoặc lấy "
            "chữ ký xác nhận tại quầy."
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    asked = (
        f"đọc dữ liệu của bạn (và gia đình) từ cơ sở dữ liệu quốc gia để điền tờ khai "
        f"“{version.name}”"
        if _scope(scope) == AssistConsent.Scope.REGISTRY
        else f"nộp hồ sơ “{version.name}” thay bạn"
    )
    text = (
        f"{officer.full_name or officer.personal_id} ({units.agency_name(officer.agency_code)}) đề "
        f"nghị {asked}. Mã xác nhận: {code}. Chỉ đọc mã này cho cán bộ nếu bạn đồng ý. "
        "Mã hết hạn sau 10 phút."
    )
    with transaction.atomic():
        consent = _consent(
            officer,
            role,
            person,
            procedure_code,
            method=AssistConsent.Method.CODE,
            scope=scope,
            expires_at=now + CODE_TTL,
        )
        consent.code_hash = _code_hash(consent.id, code)
        consent.save(force_insert=True)
        _send_code(consent, text, phone)
        audit.record(
            actor=officer.personal_id,
            acting_for=person.personal_id,
            action="dossier.assist_consent_requested",
            target_type="dossier.assist_consent",
            target_id=str(consent.id),
            purpose=f"thu-tuc:{procedure_code}",
            data={"method": "code", "sms": bool(phone), "scope": scope},
        )
    return consent


def _send_code(consent: AssistConsent, text: str, phone: str) -> None:
    from motcua.notify import sms
    from motcua.wallet import services as wallet

    wallet.send_message(
        recipient_id=consent.personal_id,
        title="Mã xác nhận đồng ý hỗ trợ nộp hồ sơ",
        body=text,
        key=f"assist-code:{consent.id}",
        actor=consent.assistant_id,
    )
    if not phone or not sms.enabled():
        return

    def send() -> None:
        try:
            sms.configured().send(phone, f"MotCua: {text}")
        except Exception:
            # Deliberately broad: after the commit, any SMS gateway failure must not turn the
            # request into an error; the inbox copy stands and a new code may be sent.
            logger.exception("assist consent code: SMS to the person failed")

    transaction.on_commit(send)


def confirm_consent_code(officer: OfficialRef, consent_id: Any, code: str) -> AssistConsent:
    """The code the person read back. Wrong codes count; after CODE_ATTEMPTS, or once
    expired, the request fails and a new code must be sent."""
    with transaction.atomic():
        consent = (
            AssistConsent.objects.select_for_update()
            .filter(pk=_uuid(consent_id), assistant_id=officer.personal_id)
            .first()
        )
        if consent is None:
            raise NotFound("Không tìm thấy yêu cầu xác nhận.")
        if consent.state == AssistConsent.State.GIVEN:
            return consent
        outcome = "failed"
        if consent.state == AssistConsent.State.PENDING:
            if timezone.now() > consent.expires_at:
                consent.state, outcome = AssistConsent.State.FAILED, "expired"
            else:
                consent.attempts += 1
                given = hmac.compare_digest(
                    _code_hash(consent.id, (code or "").strip()), consent.code_hash
                )
                if given:
                    consent.state, consent.given_at, outcome = (
                        AssistConsent.State.GIVEN,
                        timezone.now(),
                        "given",
                    )
                    consent.code_hash = ""
                elif consent.attempts >= CODE_ATTEMPTS:
                    consent.state, outcome = AssistConsent.State.FAILED, "locked"
                else:
                    outcome = "wrong"
            consent.save()
            audit.record(
                actor=officer.personal_id,
                acting_for=consent.personal_id,
                action=f"dossier.assist_consent_{outcome}",
                target_type="dossier.assist_consent",
                target_id=str(consent.id),
                data={"attempts": consent.attempts},
            )
    if outcome == "given":
        return consent
    if outcome == "wrong":
        raise ConsentCodeInvalid(
            f"Mã xác nhận không đúng; còn {CODE_ATTEMPTS - consent.attempts} lần thử.",
            param="code",
        )
    raise ConsentCodeInvalid(
        "Mã xác nhận đã hết hạn hoặc bị nhập sai quá số lần; hãy gửi mã mới.", param="code"
    )


def _uuid(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def record_signature_consent(
    officer: OfficialRef,
    *,
    procedure_code: str,
    signature_name: str,
    signature: bytes,
    personal_id: str = "",
    qr: str = "",
    scope: str = AssistConsent.Scope.ASSIST,
) -> AssistConsent:
    """The person, present, signs their consent (captured as an image, JPEG or PNG) to be
    assisted, or to the registry reads of the procedure's form (`scope`)."""
    role = _assisting_role(officer)
    _scope(scope)
    catalog.get_published(procedure_code)
    checked = uploads.check_upload(
        signature_name, signature, max_bytes=SIGNATURE_MAX_BYTES, allowed=IMAGES
    )
    person = identify(officer, personal_id=personal_id, qr=qr)
    now = timezone.now()
    with transaction.atomic():
        consent = _consent(
            officer,
            role,
            person,
            procedure_code,
            method=AssistConsent.Method.SIGNATURE,
            scope=scope,
            state=AssistConsent.State.GIVEN,
            given_at=now,
            expires_at=now + CONSENT_TTL,
            signature_sha256=checked.sha256,
        )
        consent.signature.save(
            f"{consent.id}-{checked.name}", ContentFile(checked.data), save=False
        )
        consent.save(force_insert=True)
        audit.record(
            actor=officer.personal_id,
            acting_for=person.personal_id,
            action="dossier.assist_consent_given",
            target_type="dossier.assist_consent",
            target_id=str(consent.id),
            purpose=f"thu-tuc:{procedure_code}",
            data={"method": "signature", "sha256": checked.sha256, "scope": scope},
        )
    return consent


def start_assisted(
    officer: OfficialRef,
    *,
    consent_id: Any,
    receiving_unit: str,
    data: dict[str, Any] | None = None,
) -> Dossier:
    """Open the person's draft, channel `assisted`, under a consent they gave to this
    assistant for this procedure; without one it is refused."""
    _assisting_role(officer)
    with transaction.atomic():
        consent = (
            AssistConsent.objects.select_for_update()
            .filter(
                pk=_uuid(consent_id),
                assistant_id=officer.personal_id,
                scope=AssistConsent.Scope.ASSIST,
            )
            .first()
            if consent_id
            else None
        )
        if (
            consent is None
            or consent.state != AssistConsent.State.GIVEN
            or consent.dossier_id is not None
            or consent.given_at is None
            or timezone.now() > consent.given_at + CONSENT_TTL
        ):
            raise ConsentRequired(
                "Chưa có sự đồng ý của người dân (mã xác nhận một lần hoặc chữ ký tại quầy) "
                "cho việc hỗ trợ nộp hồ sơ này."
            )
        dossier = services.create_draft(
            _applicant(officer, consent.personal_id, consent.person_name),
            consent.procedure_code,
            receiving_unit,
            data,
            channel=Dossier.Channel.ASSISTED,
        )
        dossier.assisted_by = officer.personal_id
        dossier.acting_basis = Dossier.Channel.ASSISTED
        dossier.save(update_fields=["assisted_by", "acting_basis", "updated_at"])
        consent.dossier = dossier
        consent.save(update_fields=["dossier"])
    return dossier


def submit_assisted(officer: OfficialRef, reference: str) -> Dossier:
    """Submit online for the person. From then on it is theirs alone: the assistant no
    longer reaches it here (and sees it in the back office only if their role and unit
    have a step of it)."""
    dossier = draft_of(officer, reference)
    consent = AssistConsent.objects.filter(dossier=dossier).first()
    if dossier.channel != Dossier.Channel.ASSISTED or consent is None:
        raise ConsentRequired("Hồ sơ này không có sự đồng ý của người dân để hỗ trợ nộp.")
    with transaction.atomic():
        submitted = services.submit(
            _applicant(officer, dossier),
            dossier.draft_ref,
            idempotency_key=f"ho-tro-{dossier.draft_ref}",
        )
        audit.record(
            actor=officer.personal_id,
            acting_for=dossier.applicant_id,
            action="dossier.assisted_submitted",
            target_type="dossier",
            target_id=str(dossier.id),
            purpose=f"thu-tuc:{dossier.procedure_code}",
            data={"consent": str(consent.id), "method": consent.method},
        )
    return submitted


# ---------------------------------------------------------------------------- showing


def assistance(dossier: Dossier) -> dict[str, str] | None:
    """Who helped, for a dossier submitted at a counter or with assistance: both names are
    shown wherever the dossier is."""
    if not dossier.assisted_by:
        return None
    consent = AssistConsent.objects.filter(dossier=dossier).first()
    if consent is not None:
        name = consent.assistant_name
        consent_text = f"{consent.get_method_display()}" + (
            f" lúc {timezone.localtime(consent.given_at, VN_TZ):%H:%M %d/%m/%Y}"
            if consent.given_at
            else ""
        )
    else:
        from motcua.identity import selectors as identity

        name, consent_text = identity.account_name(dossier.assisted_by) or "", ""
    return {
        "channel": dossier.channel,
        "channel_label": str(dossier.get_channel_display()),
        "applicant_name": dossier.applicant_name,
        "assisted_by": dossier.assisted_by,
        "assisted_by_name": name,
        "role_label": "Cán bộ tiếp nhận"
        if dossier.channel == Dossier.Channel.COUNTER
        else "Người hỗ trợ nộp",
        "consent": consent_text,
    }


def assistance_rows(dossier: Dossier) -> list[tuple[str, str]]:
    """The receipt's rows about the channel and whoever helped."""
    found = assistance(dossier)
    if found is None:
        return []
    rows = [
        ("Hình thức nộp", found["channel_label"]),
        (found["role_label"], f"{found['assisted_by_name']} — {found['assisted_by']}".strip(" —")),
    ]
    if found["consent"]:
        rows.append(("Người nộp đồng ý bằng", found["consent"]))
    return rows
