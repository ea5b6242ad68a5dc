"""The edocs app's public functions: agency keys and their rotation, composing and sending an
official document (numbered, PAdES-signed, packaged, signed, encrypted when confidential),
receiving a package (verified, or refused saying why), the recipient's register, assignment,
completion and return, the sender's recall and replacement, opening and downloading (audited).

Every write runs in one transaction with its register entry, history and audit entry."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core import uploads
from motcua.core.calendar import VN_TZ
from motcua.core.errors import InvalidInput, NotFound, PermissionDenied
from motcua.identity import officials
from motcua.identity.officials import OfficialRef
from motcua.notify import services as outbox
from motcua.units import selectors as units

from . import crypto, package
from .errors import (
    DocumentNotFound,
    NoAgencyKey,
    NotARecipient,
    NotTheSigner,
    PackageRefused,
    WrongState,
)
from .models import (
    AgencyKey,
    Delivery,
    DeliveryEvent,
    Document,
    DraftDocument,
    RegisterCounter,
    RegisterEntry,
)

logger = logging.getLogger(__name__)

CLERK, LEADER = "clerk", "leader"
MAX_SUMMARY = 2000
MAX_ATTACHMENTS = 20
PDF = "application/pdf"

# Decree 30/2020/ND-CP, appendix III: document types and the abbreviations of their symbols.
DOC_TYPES: dict[str, tuple[str, str]] = {
    "nghi-quyet": ("Nghị quyết", "NQ"),
    "quyet-dinh": ("Quyết định", "QĐ"),
    "chi-thi": ("Chỉ thị", "CT"),
    "quy-che": ("Quy chế", "QC"),
    "quy-dinh": ("Quy định", "QyĐ"),
    "thong-cao": ("Thông cáo", "TC"),
    "thong-bao": ("Thông báo", "TB"),
    "huong-dan": ("Hướng dẫn", "HD"),
    "chuong-trinh": ("Chương trình", "CTr"),
    "ke-hoach": ("Kế hoạch", "KH"),
    "phuong-an": ("Phương án", "PA"),
    "de-an": ("Đề án", "ĐA"),
    "du-an": ("Dự án", "DA"),
    "bao-cao": ("Báo cáo", "BC"),
    "bien-ban": ("Biên bản", "BB"),
    "to-trinh": ("Tờ trình", "TTr"),
    "hop-dong": ("Hợp đồng", "HĐ"),
    "cong-van": ("Công văn", ""),
    "cong-dien": ("Công điện", "CĐ"),
    "ban-ghi-nho": ("Bản ghi nhớ", "GN"),
    "ban-thoa-thuan": ("Bản thỏa thuận", "TTr"),
    "giay-uy-quyen": ("Giấy ủy quyền", "GUQ"),
    "giay-moi": ("Giấy mời", "GM"),
    "giay-gioi-thieu": ("Giấy giới thiệu", "GGT"),
    "phieu-gui": ("Phiếu gửi", "PG"),
    "phieu-chuyen": ("Phiếu chuyển", "PC"),
    "phieu-bao": ("Phiếu báo", "PB"),
}
_AGENCY_ABBR = {"ubnd": "UBND", "tthcc": "TTPVHCC", "ca": "CA", "bhxh": "BHXH"}
_PLACE_PREFIX = re.compile(r"^(Thành phố|Tỉnh|Phường|Xã|Đặc khu) ")


# ------------------------------------------------------------------------------ officials


# An official acting on documents, as identity knows them now (not as a session says); roles
# count at the official's own agency, whose documents they handle.
Official = OfficialRef


def official(personal_id: str) -> Official:
    return officials.official_ref(
        personal_id, refusal="Chỉ cán bộ, công chức mới dùng được chức năng văn bản điện tử."
    )


def _require(actor: Official, *roles: str) -> None:
    if not actor.holds_any(roles, actor.agency_code):
        names = {CLERK: "văn thư", LEADER: "lãnh đạo"}
        raise PermissionDenied(
            "Thao tác này dành cho "
            + " hoặc ".join(names.get(r, r) for r in roles)
            + " của cơ quan."
        )


# ------------------------------------------------------------------------------ agency keys


def _label(key: AgencyKey, kind: str) -> str:
    return f"{key.agency_code}|{key.version}|{kind}"


def current_key(agency_code: str) -> AgencyKey | None:
    return AgencyKey.objects.filter(agency_code=agency_code).order_by("-version").first()


def ensure_agency_key(agency_code: str, *, actor: str = "system:edocs") -> AgencyKey:
    """The agency's newest key version, made (version 1) when it has none."""
    key = current_key(agency_code)
    if key is not None:
        return key
    units.get_agency(agency_code)
    try:
        with transaction.atomic():
            return _new_key(agency_code, 1, actor=actor)
    except IntegrityError:  # made at the same moment by another request
        key = current_key(agency_code)
        assert key is not None
        return key


def rotate_key(agency_code: str, *, actor: str) -> AgencyKey:
    """A new key version for the agency: new documents are encrypted and signed with it; the
    old versions stay (retired) so that documents already received still open and verify."""
    with transaction.atomic():
        units.get_agency(agency_code)
        previous = (
            AgencyKey.objects.select_for_update()
            .filter(agency_code=agency_code)
            .order_by("-version")
            .first()
        )
        version = previous.version + 1 if previous else 1
        if previous is not None:
            previous.retired_at = timezone.now()
            previous.save(update_fields=["retired_at"])
        return _new_key(agency_code, version, actor=actor)


def _new_key(agency_code: str, version: int, *, actor: str) -> AgencyKey:
    pair = crypto.generate_keys()
    key = AgencyKey(agency_code=agency_code, version=version)
    key.sign_public = pair.sign_public
    key.encrypt_public = pair.encrypt_public
    key.sign_private_sealed = crypto.seal_private(pair.sign_private, _label(key, "sign"))
    key.encrypt_private_sealed = crypto.seal_private(pair.encrypt_private, _label(key, "encrypt"))
    key.save(force_insert=True)
    audit.record(
        actor=actor,
        action="edocs.key.created",
        target_type="edocs.agency_key",
        target_id=f"{agency_code}/v{version}",
        data={"fingerprint": crypto.fingerprint(pair.sign_public, pair.encrypt_public)},
    )
    return key


def publish_foreign_key(
    agency_code: str, version: int, *, sign_public: bytes, encrypt_public: bytes, actor: str
) -> AgencyKey:
    """Add to the key directory the public keys of an agency served by another installation
    (no private part here), so that its packages verify and documents can be sent to it."""
    if len(sign_public) != 32 or len(encrypt_public) != 32:
        raise InvalidInput("Khóa công khai phải là khóa Ed25519 và X25519 (32 byte).")
    with transaction.atomic():
        key, created = AgencyKey.objects.get_or_create(
            agency_code=agency_code,
            version=version,
            defaults={"sign_public": sign_public, "encrypt_public": encrypt_public},
        )
        if not created and (
            bytes(key.sign_public) != sign_public or bytes(key.encrypt_public) != encrypt_public
        ):
            raise WrongState(f"Danh bạ đã có khóa khác cho {agency_code} phiên bản {version}.")
        if created:
            audit.record(
                actor=actor,
                action="edocs.key.published",
                target_type="edocs.agency_key",
                target_id=f"{agency_code}/v{version}",
                data={"fingerprint": crypto.fingerprint(sign_public, encrypt_public)},
            )
    return key


def key_directory(agency_code: str) -> list[AgencyKey]:
    """Every published key version of an agency, newest first (public halves only are used)."""
    return list(
        AgencyKey.objects.filter(agency_code=agency_code)
        .defer("sign_private_sealed", "encrypt_private_sealed")
        .order_by("-version")
    )


def _private(key: AgencyKey, kind: str) -> bytes:
    sealed = key.sign_private_sealed if kind == "sign" else key.encrypt_private_sealed
    if not sealed:
        raise NoAgencyKey(
            f"Hệ thống này không giữ khóa bí mật của cơ quan {key.agency_code} "
            f"(phiên bản {key.version})."
        )
    return crypto.open_private(bytes(sealed), _label(key, kind))


# ------------------------------------------------------------------------------ numbering


def _next_number(agency_code: str, book: str, year: int, doc_type: str) -> int:
    """The next number of a register book. The counter row stays locked until the caller's
    transaction ends, so numbers are gap-free (a rollback gives the number back) and never
    given twice."""
    RegisterCounter.objects.bulk_create(
        [RegisterCounter(agency_code=agency_code, book=book, year=year, doc_type=doc_type)],
        ignore_conflicts=True,
    )
    counter = RegisterCounter.objects.select_for_update().get(
        agency_code=agency_code, book=book, year=year, doc_type=doc_type
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _register(document: Document, book: str, actor: str) -> RegisterEntry:
    year = timezone.localdate(timezone.now(), VN_TZ).year
    number = _next_number(document.owner_agency, book, year, document.doc_type)
    return RegisterEntry.objects.create(
        agency_code=document.owner_agency,
        book=book,
        year=year,
        doc_type=document.doc_type,
        number=number,
        document=document,
        registered_by=actor,
    )


def register_book(agency_code: str, book: str, year: int) -> QuerySet[RegisterEntry]:
    return RegisterEntry.objects.filter(
        agency_code=agency_code, book=book, year=year
    ).select_related("document")


# ------------------------------------------------------------------------------ composing


@dataclass
class Draft:
    """What an agency's clerk or leader composes (soạn thảo) before sending."""

    doc_type: str
    summary: str
    recipients: list[str]
    signer_personal_id: str
    signer_position: str
    body: str = ""
    urgency: str = Document.Urgency.NORMAL
    confidentiality: str = Document.Confidentiality.NORMAL
    attachments: list[package.File] = field(default_factory=list)
    main_pdf: bytes | None = None
    answers: uuid.UUID | None = None
    replaces: uuid.UUID | None = None
    replace_reason: str = ""


def _agency_abbr(kind: str) -> str:
    if kind in _AGENCY_ABBR:
        return _AGENCY_ABBR[kind]
    if kind.startswith("so-"):
        return "S" + kind[3:].upper()
    return kind.upper().replace("-", "")


def _symbol(doc_type: str, agency_kind: str) -> str:
    abbr = DOC_TYPES[doc_type][1]
    agency = _agency_abbr(agency_kind)
    return f"{abbr}-{agency}" if abbr else f"{agency}-VP"


def _place(agency: Any) -> str:
    return _PLACE_PREFIX.sub("", agency.province.name)


def _check_draft(
    actor: Official, draft: Draft, *, signing: bool = True
) -> tuple[Official, list[Any]]:
    """The draft's signer and recipient agencies, or why the draft is refused. When
    `signing`, the actor must be the signer: nobody signs in another official's name."""
    _require(actor, CLERK, LEADER)
    if draft.doc_type not in DOC_TYPES:
        raise InvalidInput("Loại văn bản không hợp lệ.", param="doc_type")
    if not draft.summary.strip() or len(draft.summary) > MAX_SUMMARY:
        raise InvalidInput("Cần trích yếu nội dung (tối đa 2.000 ký tự).", param="summary")
    if draft.urgency not in Document.Urgency.values:
        raise InvalidInput("Độ khẩn không hợp lệ.", param="urgency")
    if draft.confidentiality not in Document.Confidentiality.values:
        raise InvalidInput("Độ mật không hợp lệ.", param="confidentiality")
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise InvalidInput("Quá nhiều tệp đính kèm (tối đa 20).", param="attachments")
    codes = list(dict.fromkeys(c.strip() for c in draft.recipients if c.strip()))
    if not codes:
        raise InvalidInput("Cần ít nhất một nơi nhận.", param="recipients")
    if actor.agency_code in codes:
        raise InvalidInput("Không gửi văn bản cho chính cơ quan mình.", param="recipients")
    try:
        agencies = [units.get_agency(c) for c in codes]
    except NotFound as exc:
        raise InvalidInput(exc.detail, param="recipients") from None
    try:
        signer = official(draft.signer_personal_id)
    except PermissionDenied:
        raise InvalidInput("Người ký không phải cán bộ trong hệ thống.", param="signer") from None
    if signer.agency_code != actor.agency_code or not signer.is_leader_of(actor.agency_code):
        raise InvalidInput("Người ký phải là lãnh đạo của cơ quan ban hành.", param="signer")
    if not draft.signer_position.strip():
        raise InvalidInput("Cần chức vụ của người ký.", param="signer_position")
    if signing and signer.personal_id != actor.personal_id:
        raise NotTheSigner(
            "Chỉ người ký tự ký số văn bản trong phiên làm việc của mình: văn thư soạn dự "
            "thảo và trình người ký."
        )
    return signer, agencies


def _held(actor: Official, document_id: uuid.UUID | str, *, lock: bool = False) -> Document:
    """A document the actor's agency holds (its own or its copy); others' are not found."""
    qs = Document.objects.select_for_update() if lock else Document.objects.all()
    try:
        return qs.get(pk=document_id, owner_agency=actor.agency_code)
    except (Document.DoesNotExist, ValueError, TypeError, ValidationError):
        raise DocumentNotFound("Không tìm thấy văn bản trong cơ quan của bạn.") from None


def _link(document: Document | None) -> dict[str, Any] | None:
    if document is None:
        return None
    return {
        "id": str(document.origin_id),
        "agency_code": document.issuing_agency,
        "number_symbol": document.number_symbol,
        "issued_on": document.issued_on.isoformat(),
    }


def _render_main(meta: dict[str, Any], body: str, agency: Any) -> bytes:
    from motcua.core.pdf import render_document

    issued = dt.date.fromisoformat(meta["issued_on"])
    signer = meta["signer"]
    return render_document(
        title=DOC_TYPES[meta["type"]][0].upper(),
        subtitle=meta["summary"],
        issuer=f"{agency.province.name}\n{agency.name}",
        rows=[
            ("Số, ký hiệu", meta["number_symbol"]),
            (
                "Địa danh, ngày tháng",
                f"{meta['place']}, ngày {issued.day:02d} tháng {issued.month:02d} "
                f"năm {issued.year}",
            ),
            ("Nơi nhận", "; ".join(r["name"] for r in meta["recipients"])),
            ("Người ký", f"{signer['position']} {signer['name']}"),
        ],
        paragraphs=[p for p in body.split("\n\n") if p.strip()],
        footer=f"{meta['number_symbol']} — {agency.name}",
    )


def _page_count(pdf: bytes) -> int:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])
    except Exception as exc:  # untrusted bytes: see uploads.note_unparsable
        uploads.note_unparsable("edocs main pdf", exc)
        raise InvalidInput("Tệp văn bản chính không phải PDF hợp lệ.", param="main_pdf") from None


def send(actor: Official, draft: Draft, *, activation: Any = None) -> Document:
    """Issue an outgoing document signed by the actor, who must be its signer (a leader of
    the agency): take its number in the outgoing register, render (or take) its PDF and sign
    it (PAdES), build and sign the package (encrypted for the recipients and the sender when
    confidential), store it with one delivery per recipient, then deliver to each recipient
    served here. A clerk `prepare`s a draft instead, which the signer signs. `activation`
    (results.signing.Activation: the signer's PIN / one-time code) releases a remote key."""
    document = _issue(actor, draft, activation=activation)
    _deliver_all(document)
    return document


def _deliver_all(document: Document) -> None:
    for delivery in document.deliveries.all():
        deliver(delivery.pk)


def _issue(actor: Official, draft: Draft, *, activation: Any = None) -> Document:
    from motcua.results import services as results

    signer, agencies = _check_draft(actor, draft, signing=True)
    issuing = units.get_agency(actor.agency_code)
    sender_key = ensure_agency_key(actor.agency_code, actor=actor.personal_id)
    confidential = draft.confidentiality != Document.Confidentiality.NORMAL
    recipient_keys = [ensure_agency_key(a.code, actor=actor.personal_id) for a in agencies]
    with transaction.atomic():
        answers = _held(actor, draft.answers) if draft.answers else None
        replaces = _held(actor, draft.replaces, lock=True) if draft.replaces else None
        if replaces is not None:
            if replaces.direction != Document.Direction.OUTGOING or (
                replaces.status != Document.Status.ACTIVE
            ):
                raise WrongState("Chỉ thay thế được văn bản đi còn hiệu lực của cơ quan mình.")
            if not draft.replace_reason.strip():
                raise InvalidInput("Cần lý do thay thế.", param="replace_reason")
        year = timezone.localdate(timezone.now(), VN_TZ).year
        number = _next_number(
            actor.agency_code, RegisterCounter.Book.OUTGOING, year, draft.doc_type
        )
        origin_id = uuid.uuid4()
        symbol = _symbol(draft.doc_type, issuing.kind)
        meta: dict[str, Any] = {
            "id": str(origin_id),
            "issuing_agency": {"code": issuing.code, "name": issuing.name},
            "number": number,
            "symbol": symbol,
            "number_symbol": f"{number:02d}/{symbol}",
            "type": draft.doc_type,
            "type_name": DOC_TYPES[draft.doc_type][0],
            "issued_on": timezone.localdate(timezone.now(), VN_TZ).isoformat(),
            "place": _place(issuing),
            "summary": draft.summary.strip(),
            "signer": {"name": signer.name, "position": draft.signer_position.strip()},
            "recipients": [{"code": a.code, "name": a.name} for a in agencies],
            "urgency": draft.urgency,
            "confidentiality": draft.confidentiality,
            "answers": _link(answers),
            "replaces": _link(replaces),
            "replace_reason": draft.replace_reason.strip() if replaces else "",
        }
        main = draft.main_pdf or _render_main(meta, draft.body, issuing)
        meta["page_count"] = _page_count(main)
        reason = f"Ký ban hành văn bản {meta['number_symbol']}"
        files = [
            package.File(
                name=f"{meta['number_symbol'].replace('/', '-')}.pdf",
                media_type=PDF,
                data=results.sign_pdf(
                    main,
                    signer_personal_id=signer.personal_id,
                    reason=reason,
                    activation=activation,
                ),
                role="main",
                pades=True,
            )
        ]
        for f in draft.attachments:
            if f.media_type == PDF or f.data[:5] == b"%PDF-":
                data = results.sign_pdf(
                    f.data,
                    signer_personal_id=signer.personal_id,
                    reason=reason,
                    activation=activation,
                )
                files.append(package.File(f.name, PDF, data, "attachment", pades=True))
            else:
                files.append(package.File(f.name, f.media_type, f.data, "attachment"))
        keys = [sender_key, *recipient_keys] if confidential else []
        blob = _build_package(meta, files, sender_key, keys)
        document = Document.objects.create(
            id=origin_id,
            origin_id=origin_id,
            owner_agency=issuing.code,
            direction=Document.Direction.OUTGOING,
            package=blob,
            package_sha256=crypto.sha256_hex(blob),
            created_by=actor.personal_id,
            answers=answers,
            replaces=replaces,
            **_columns(meta, confidential),
        )
        RegisterEntry.objects.create(
            agency_code=issuing.code,
            book=RegisterCounter.Book.OUTGOING,
            year=year,
            doc_type=draft.doc_type,
            number=number,
            document=document,
            registered_by=actor.personal_id,
        )
        for agency in agencies:
            delivery = Delivery.objects.create(
                document=document, recipient_agency=agency.code, recipient_name=agency.name
            )
            DeliveryEvent.objects.create(
                delivery=delivery, state=delivery.state, actor=actor.personal_id
            )
        if replaces is not None:
            _set_status(replaces, Document.Status.REPLACED, draft.replace_reason, actor)
        if answers is not None and answers.direction == Document.Direction.INCOMING:
            _answered(answers, document, actor)
        audit.record(
            actor=actor.personal_id,
            action="edocs.document.sent",
            target_type="edocs.document",
            target_id=str(document.pk),
            data={
                "number_symbol": document.number_symbol,
                "recipients": [a.code for a in agencies],
                "confidentiality": document.confidentiality,
                "package_sha256": document.package_sha256,
            },
        )
        _announce("edocs.sent", document, recipients=[a.code for a in agencies])
    return document


# ------------------------------------------------------------------------------ drafts


def _draft_label(draft_id: Any) -> str:
    return f"draft|{draft_id}"


def _seal_content(draft: Draft, draft_id: Any) -> bytes:
    content = {
        "summary": draft.summary.strip(),
        "body": draft.body,
        "replace_reason": draft.replace_reason.strip(),
        "main_pdf": crypto.b64(draft.main_pdf) if draft.main_pdf else None,
        "attachments": [
            {"name": f.name, "media_type": f.media_type, "data": crypto.b64(f.data)}
            for f in draft.attachments
        ],
    }
    return crypto.seal_private(package.canonical_json(content), _draft_label(draft_id))


def draft_content(pending: DraftDocument) -> dict[str, Any]:
    """The sealed part of a draft: summary, body, replace_reason, main_pdf, attachments."""
    raw = crypto.open_private(bytes(pending.content_sealed), _draft_label(pending.pk))
    content: dict[str, Any] = json.loads(raw)
    return content


def _draft_of(pending: DraftDocument) -> Draft:
    content = draft_content(pending)
    return Draft(
        doc_type=pending.doc_type,
        summary=content["summary"],
        recipients=[r["code"] for r in pending.recipients],
        signer_personal_id=pending.signer_personal_id,
        signer_position=pending.signer_position,
        body=content["body"],
        urgency=pending.urgency,
        confidentiality=pending.confidentiality,
        attachments=[
            package.File(a["name"], a["media_type"], crypto.unb64(a["data"]))
            for a in content["attachments"]
        ],
        main_pdf=crypto.unb64(content["main_pdf"]) if content["main_pdf"] else None,
        answers=pending.answers,
        replaces=pending.replaces,
        replace_reason=content["replace_reason"],
    )


def prepare(actor: Official, draft: Draft) -> DraftDocument:
    """A clerk (or a leader) submits a draft for signing (trình ký) to the leader it names:
    checked like a document to send, but it takes no number and no signature until the
    signer signs it in their own session (`sign_draft`)."""
    signer, agencies = _check_draft(actor, draft, signing=False)
    if draft.answers:
        _held(actor, draft.answers)
    if draft.replaces:
        replaced = _held(actor, draft.replaces)
        if replaced.direction != Document.Direction.OUTGOING:
            raise WrongState("Chỉ thay thế được văn bản đi còn hiệu lực của cơ quan mình.")
        if not draft.replace_reason.strip():
            raise InvalidInput("Cần lý do thay thế.", param="replace_reason")
    with transaction.atomic():
        pending = DraftDocument(
            agency_code=actor.agency_code,
            prepared_by=actor.personal_id,
            prepared_by_name=actor.name,
            signer_personal_id=signer.personal_id,
            signer_name=signer.name,
            signer_position=draft.signer_position.strip(),
            doc_type=draft.doc_type,
            recipients=[{"code": a.code, "name": a.name} for a in agencies],
            urgency=draft.urgency,
            confidentiality=draft.confidentiality,
            answers=draft.answers,
            replaces=draft.replaces,
        )
        pending.content_sealed = _seal_content(draft, pending.pk)
        pending.save(force_insert=True)
        _audit_draft(actor, "edocs.draft.submitted", pending, signer=signer.personal_id)
        outbox.enqueue(
            "edocs.draft_submitted",
            f"edocs.draft_submitted:{pending.pk}",
            {"draft": str(pending.pk), "agency": actor.agency_code, "signer": signer.personal_id},
        )
    return pending


def drafts(actor: Official) -> QuerySet[DraftDocument]:
    """The agency's drafts for signing, newest first (its clerks and leaders see them)."""
    _require(actor, CLERK, LEADER)
    return DraftDocument.objects.filter(agency_code=actor.agency_code)


def get_draft(actor: Official, draft_id: Any, *, lock: bool = False) -> DraftDocument:
    _require(actor, CLERK, LEADER)
    qs = DraftDocument.objects.select_for_update() if lock else DraftDocument.objects.all()
    try:
        return qs.get(pk=draft_id, agency_code=actor.agency_code)
    except (DraftDocument.DoesNotExist, ValueError, TypeError, ValidationError):
        raise DocumentNotFound("Không tìm thấy dự thảo trong cơ quan của bạn.") from None


def remote_signing() -> bool:
    """Whether signers' keys are held by a remote signing service (they then give a PIN or
    one-time code when signing)."""
    from django.conf import settings

    return getattr(settings, "RESULTS_SIGNING_PROVIDER", "") == "csc"


def _pending_for(actor: Official, draft_id: Any) -> DraftDocument:
    pending = get_draft(actor, draft_id, lock=True)
    if pending.signer_personal_id != actor.personal_id:
        raise NotTheSigner(
            f"Dự thảo này trình {pending.signer_name} ký; chỉ người ký tự ký hoặc trả lại."
        )
    if pending.state != DraftDocument.State.PENDING:
        raise WrongState(f"Dự thảo đã ở trạng thái “{pending.get_state_display()}”.")
    return pending


def sign_draft(actor: Official, draft_id: Any, *, activation: Any = None) -> Document:
    """The signer named by a draft signs and issues it, in their own session (with their PIN
    / one-time code, `activation`, when their key is held by a remote signing service):
    numbered, signed with their key, packaged and sent, in one transaction with the draft's
    state."""
    with transaction.atomic():
        pending = _pending_for(actor, draft_id)
        document = _issue(actor, _draft_of(pending), activation=activation)
        pending.state, pending.document = DraftDocument.State.SIGNED, document
        pending.decided_at = timezone.now()
        pending.save(update_fields=["state", "document", "decided_at"])
        _audit_draft(actor, "edocs.draft.signed", pending, document=str(document.pk))
    _deliver_all(document)
    return document


def reject_draft(actor: Official, draft_id: Any, reason: str) -> DraftDocument:
    """The signer sends a draft back to whoever prepared it, with a reason."""
    if not reason.strip():
        raise InvalidInput("Cần lý do trả lại dự thảo.", param="reason")
    with transaction.atomic():
        pending = _pending_for(actor, draft_id)
        pending.state, pending.reason = DraftDocument.State.REJECTED, reason.strip()
        pending.decided_at = timezone.now()
        pending.save(update_fields=["state", "reason", "decided_at"])
        _audit_draft(actor, "edocs.draft.rejected", pending, reason=reason.strip()[:500])
        outbox.enqueue(
            "edocs.draft_rejected",
            f"edocs.draft_rejected:{pending.pk}",
            {"draft": str(pending.pk), "prepared_by": pending.prepared_by},
        )
    return pending


def _audit_draft(actor: Official, action: str, pending: DraftDocument, **data: Any) -> None:
    audit.record(
        actor=actor.personal_id,
        action=action,
        target_type="edocs.draft",
        target_id=str(pending.pk),
        data={"agency_code": actor.agency_code, "doc_type": pending.doc_type, **data},
    )


def _columns(meta: dict[str, Any], confidential: bool) -> dict[str, Any]:
    """Document columns from package metadata; a confidential document's summary and signer
    are left out (they exist only inside the encrypted content)."""
    return {
        "issuing_agency": meta["issuing_agency"]["code"],
        "issuing_agency_name": meta["issuing_agency"]["name"],
        "number": meta["number"],
        "symbol": meta["symbol"],
        "doc_type": meta["type"],
        "issued_on": dt.date.fromisoformat(meta["issued_on"]),
        "place": meta["place"],
        "summary": "" if confidential else meta["summary"],
        "signer_name": "" if confidential else meta["signer"]["name"],
        "signer_position": "" if confidential else meta["signer"]["position"],
        "recipients": meta["recipients"],
        "urgency": meta["urgency"],
        "confidentiality": meta["confidentiality"],
        "page_count": meta["page_count"],
    }


_SECRET_FIELDS = ("summary", "signer")


def _build_package(
    meta: dict[str, Any], files: list[package.File], sender: AgencyKey, keys: list[AgencyKey]
) -> bytes:
    listed, payload = package.file_entries(files)
    manifest: dict[str, Any] = {
        "format": package.FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "sender": {"agency_code": sender.agency_code, "key_version": sender.version},
        "document": meta,
        "files": listed,
        "encryption": None,
    }
    if keys:
        secret = {k: meta[k] for k in _SECRET_FIELDS}
        manifest["document"] = {k: v for k, v in meta.items() if k not in _SECRET_FIELDS}
        inner = package.write_zip(
            [
                (package.INNER_MANIFEST, package.canonical_json({**secret, "files": listed})),
                *[(p, payload[p]) for p in sorted(payload)],
            ]
        )
        content_key, sealed = crypto.encrypt_content(inner, _content_aad(meta["id"]))
        wrapped = []
        for key in keys:
            info = _wrap_info(key.agency_code, key.version, meta["id"])
            wrapped.append(
                {
                    "agency_code": key.agency_code,
                    "key_version": key.version,
                    **crypto.wrap_key(content_key, bytes(key.encrypt_public), info),
                }
            )
        manifest["files"] = []
        manifest["encryption"] = {
            "alg": crypto.WRAP_ALG,
            "content_alg": crypto.CONTENT_ALG,
            "content": {
                "path": package.CONTENT,
                "size": len(sealed),
                "sha256": crypto.sha256_hex(sealed),
            },
            "recipients": wrapped,
        }
        payload = {package.CONTENT: sealed}
    return package.build(manifest, payload, sign_private=_private(sender, "sign"))


def _content_aad(origin_id: str) -> bytes:
    return f"{package.FORMAT}|content|{origin_id}".encode()


def _wrap_info(agency_code: str, version: int, origin_id: str) -> bytes:
    return f"{agency_code}|{version}|{origin_id}".encode()


def _announce(topic: str, document: Document, **extra: Any) -> None:
    # No summary in events: they may be about a confidential document.
    outbox.enqueue(
        topic,
        f"{topic}:{document.pk}:{extra.get('key', '')}",
        {
            "document": str(document.pk),
            "number_symbol": document.number_symbol,
            "owner_agency": document.owner_agency,
            **{k: v for k, v in extra.items() if k != "key"},
        },
    )


# ------------------------------------------------------------------------------ receiving


@dataclass
class Opened:
    """A verified package's content as the receiving agency may read it."""

    manifest: dict[str, Any]
    document: dict[str, Any]  # metadata, with summary and signer even when confidential
    files: list[dict[str, Any]]
    data: dict[str, bytes]


def verify_package(blob: bytes, *, agency_code: str, check_pades: bool = True) -> Opened:
    """Verify a package for the agency `agency_code`: format, the sender's signature over the
    manifest (key directory), that the agency is a recipient (or the sender), every file's
    SHA-256, the decryption of a confidential content with the agency's key, and each PDF's
    PAdES signature. Raises PackageRefused (with one error per failed file or check) or
    NotARecipient."""
    try:
        parsed = package.parse(blob)
    except package.Malformed as exc:
        raise PackageRefused(str(exc)) from None
    manifest = parsed.manifest
    _check_signature(parsed)
    meta = manifest.get("document") or {}
    recipients = [str(r.get("code")) for r in meta.get("recipients", [])]
    sender = str(manifest["sender"]["agency_code"])
    if agency_code not in recipients and agency_code != sender:
        raise NotARecipient(
            f"Cơ quan {agency_code} không có trong nơi nhận của văn bản "
            f"{meta.get('number_symbol', '')}; gói bị từ chối."
        )
    encryption = manifest.get("encryption")
    if encryption:
        problems = package.check_files([encryption.get("content", {})], parsed.entries)
        if problems:
            raise PackageRefused(_first(problems), errors=problems)
        inner_bytes = _decrypt(manifest, parsed.entries[package.CONTENT], agency_code)
        try:
            inner = package.read_zip(inner_bytes)
            secret = json.loads(inner.pop(package.INNER_MANIFEST))
        except (package.Malformed, KeyError, ValueError):
            raise PackageRefused("Nội dung mật sau khi giải mã không đúng định dạng.") from None
        listed, entries = secret.get("files", []), inner
        document = {**meta, **{k: secret.get(k) for k in _SECRET_FIELDS}}
    else:
        listed, entries, document = manifest.get("files", []), parsed.entries, meta
    problems = package.check_files(listed, entries)
    if problems:
        raise PackageRefused(_first(problems), errors=problems)
    if check_pades:
        problems = _check_pades(listed, entries)
        if problems:
            raise PackageRefused(_first(problems), errors=problems)
    return Opened(manifest=manifest, document=document, files=listed, data=entries)


def _first(problems: list[dict[str, Any]]) -> str:
    more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
    return f"{problems[0]['msg']}{more}"


def _check_signature(parsed: package.Parsed) -> None:
    sender = parsed.manifest.get("sender") or {}
    sig = parsed.signature
    code, version = str(sender.get("agency_code", "")), sender.get("key_version")
    if sig.get("agency_code") != code or sig.get("key_version") != version:
        raise PackageRefused("Chữ ký của gói không phải của cơ quan gửi ghi trong bản kê.")
    if not isinstance(version, int) or isinstance(version, bool):
        raise PackageRefused("Bản kê ghi phiên bản khóa của cơ quan gửi không hợp lệ.")
    if sig.get("alg") != crypto.SIGN_ALG:
        raise PackageRefused(f"Thuật toán chữ ký {str(sig.get('alg'))[:20]!r} không được hỗ trợ.")
    key = AgencyKey.objects.filter(agency_code=code, version=version).first()
    if key is None:
        raise PackageRefused(
            f"Danh bạ khóa không có khóa công khai của cơ quan {code} phiên bản {version}: "
            "không kiểm tra được chữ ký của gói."
        )
    try:
        signature = crypto.unb64(str(sig.get("signature", "")))
    except ValueError:
        signature = b""
    if not crypto.signature_valid(bytes(key.sign_public), signature, parsed.manifest_bytes):
        raise PackageRefused(
            "Chữ ký của gói không hợp lệ: bản kê (manifest.json) đã bị sửa sau khi ký hoặc "
            f"không được ký bằng khóa của cơ quan {code} phiên bản {version}.",
            errors=[{"loc": [package.MANIFEST], "msg": "Chữ ký Ed25519 không khớp."}],
        )


def _decrypt(manifest: dict[str, Any], sealed: bytes, agency_code: str) -> bytes:
    encryption = manifest["encryption"]
    origin_id = str(manifest["document"]["id"])
    mine = [w for w in encryption.get("recipients", []) if w.get("agency_code") == agency_code]
    if not mine:
        raise NotARecipient(
            f"Văn bản mật không được mã hóa cho cơ quan {agency_code}: không thể đọc."
        )
    wrapped = mine[0]
    version = wrapped.get("key_version")
    key = (
        AgencyKey.objects.filter(agency_code=agency_code, version=version).first()
        if isinstance(version, int)
        else None
    )
    if key is None:
        raise NoAgencyKey(
            f"Không có khóa phiên bản {wrapped.get('key_version')} của cơ quan {agency_code}."
        )
    try:
        info = _wrap_info(agency_code, key.version, origin_id)
        content_key = crypto.unwrap_key(wrapped, _private(key, "encrypt"), info)
        return crypto.decrypt_content(content_key, sealed, _content_aad(origin_id))
    except crypto.DecryptionFailed:
        raise PackageRefused(
            "Không giải mã được nội dung mật: khóa bọc hoặc bản mã không xác thực được.",
            errors=[{"loc": [package.CONTENT], "msg": "Giải mã AES-GCM thất bại."}],
        ) from None


def _check_pades(listed: list[dict[str, Any]], entries: dict[str, bytes]) -> list[dict[str, Any]]:
    from motcua.results import services as results

    problems = []
    for item in listed:
        if not item.get("pades"):
            continue
        path = str(item["path"])
        found = results.verify_pdf(entries[path])
        if not (found.signature_intact and found.signature_trusted) or found.certificate_revoked:
            reasons = [r for r in found.reasons if "không trùng khớp với kết quả" not in r]
            problems.append(
                {
                    "loc": [path],
                    "msg": f"Tệp {path}: chữ ký số PAdES không hợp lệ — "
                    + "; ".join(reasons or ["chữ ký không được tin cậy."]),
                }
            )
    return problems


def import_package(blob: bytes, *, agency_code: str, actor: str = "system:edocs") -> Document:
    """Receive a package for `agency_code`: verify it (refused with the reasons otherwise) and
    keep the agency's copy, the bytes exactly as received. Importing the same package again
    returns the same copy."""
    try:
        opened = verify_package(blob, agency_code=agency_code)
    except (PackageRefused, NotARecipient) as exc:
        audit.record(
            actor=actor,
            action="edocs.package.refused",
            target_type="edocs.package",
            target_id=crypto.sha256_hex(blob),
            data={"agency_code": agency_code, "reason": exc.detail[:500]},
        )
        raise
    meta = opened.manifest["document"]
    if str(opened.manifest["sender"]["agency_code"]) == agency_code:
        raise NotARecipient("Cơ quan gửi không nhận lại văn bản của chính mình.")
    origin_id = uuid.UUID(str(meta["id"]))
    confidential = bool(opened.manifest.get("encryption"))
    with transaction.atomic():
        existing = Document.objects.filter(owner_agency=agency_code, origin_id=origin_id).first()
        if existing is not None:
            return existing
        copy = Document.objects.create(
            origin_id=origin_id,
            owner_agency=agency_code,
            direction=Document.Direction.INCOMING,
            package=blob,
            package_sha256=crypto.sha256_hex(blob),
            created_by=actor,
            answers=_resolve(agency_code, meta.get("answers")),
            replaces=_resolve(agency_code, meta.get("replaces")),
            **_columns(opened.document, confidential),
        )
        if copy.replaces is not None and copy.replaces.status == Document.Status.ACTIVE:
            _set_status(
                copy.replaces, Document.Status.REPLACED, meta.get("replace_reason", ""), None
            )
        delivery = (
            Delivery.objects.select_for_update()
            .filter(document_id=origin_id, recipient_agency=agency_code)
            .first()
        )
        if delivery is not None:
            delivery.incoming = copy
            if delivery.state == Delivery.State.SENT:
                _move(delivery, Delivery.State.DELIVERED, actor, "")
            else:  # the copy was imported again (e.g. from an exported file)
                delivery.save(update_fields=["incoming"])
        audit.record(
            actor=actor,
            action="edocs.package.received",
            target_type="edocs.document",
            target_id=str(copy.pk),
            data={
                "agency_code": agency_code,
                "number_symbol": copy.number_symbol,
                "issuing_agency": copy.issuing_agency,
                "package_sha256": copy.package_sha256,
            },
        )
        _announce("edocs.delivered", copy, recipient=agency_code)
    return copy


def receive(actor: Official, blob: bytes) -> Document:
    """A clerk or leader imports a package received outside this installation."""
    _require(actor, CLERK, LEADER)
    return import_package(blob, agency_code=actor.agency_code, actor=actor.personal_id)


def _resolve(agency_code: str, link: dict[str, Any] | None) -> Document | None:
    if not link:
        return None
    try:
        origin = uuid.UUID(str(link.get("id")))
    except ValueError:
        return None
    return Document.objects.filter(owner_agency=agency_code, origin_id=origin).first()


def deliver(delivery_id: int) -> Delivery:
    """Hand a delivery's package to its recipient served by this installation (the local
    transport). A refusal leaves it `sent` with the reason; safe to call again."""
    delivery = Delivery.objects.select_related("document").get(pk=delivery_id)
    if delivery.state != Delivery.State.SENT:
        return delivery
    try:
        import_package(
            bytes(delivery.document.package),
            agency_code=delivery.recipient_agency,
            actor="system:edocs",
        )
    except (PackageRefused, NotARecipient, NoAgencyKey) as exc:
        logger.warning("edocs: delivery %s refused: %s", delivery_id, exc.detail)
        Delivery.objects.filter(pk=delivery_id).update(reason=exc.detail[:2000])
    delivery.refresh_from_db()
    return delivery


def deliver_pending(limit: int = 100) -> int:
    """Retry the deliveries still `sent` (a worker may call this); returns how many arrived."""
    done = 0
    for pk in Delivery.objects.filter(state=Delivery.State.SENT).values_list("pk", flat=True)[
        :limit
    ]:
        done += deliver(pk).state == Delivery.State.DELIVERED
    return done


# ------------------------------------------------------------------------------ handling


_NEXT = {
    Delivery.State.DELIVERED: {Delivery.State.SENT},
    Delivery.State.RECEIVED: {Delivery.State.DELIVERED},
    Delivery.State.ASSIGNED: {Delivery.State.RECEIVED, Delivery.State.ASSIGNED},
    Delivery.State.DONE: {Delivery.State.RECEIVED, Delivery.State.ASSIGNED},
    Delivery.State.RETURNED: {
        Delivery.State.DELIVERED,
        Delivery.State.RECEIVED,
        Delivery.State.ASSIGNED,
    },
    Delivery.State.RECALLED: {
        Delivery.State.SENT,
        Delivery.State.DELIVERED,
        Delivery.State.RECEIVED,
        Delivery.State.ASSIGNED,
        Delivery.State.DONE,
    },
}


def _move(delivery: Delivery, state: str, actor: str, note: str) -> None:
    if delivery.state not in _NEXT[Delivery.State(state)]:
        raise WrongState(
            f"Văn bản đang ở trạng thái “{delivery.get_state_display()}”, không thể chuyển sang "
            f"“{Delivery.State(state).label}”."
        )
    delivery.state = state
    if state in (Delivery.State.RETURNED, Delivery.State.RECALLED):
        delivery.reason = note
    delivery.save()
    DeliveryEvent.objects.create(delivery=delivery, state=state, actor=actor, note=note)


def _incoming(actor: Official, document_id: Any) -> tuple[Document, Delivery]:
    document = _held(actor, document_id, lock=True)
    if document.direction != Document.Direction.INCOMING:
        raise WrongState("Thao tác này chỉ dành cho văn bản đến.")
    delivery = Delivery.objects.select_for_update().filter(incoming=document).first()
    if delivery is None:
        raise WrongState(
            "Văn bản nhập từ hệ thống khác không theo dõi được trạng thái xử lý ở đây."
        )
    if document.status == Document.Status.RECALLED:
        raise WrongState("Văn bản đã bị cơ quan gửi thu hồi.")
    return document, delivery


def register_incoming(actor: Official, document_id: Any) -> RegisterEntry:
    """The clerk enters a delivered document in the incoming register (vào sổ văn bản đến)."""
    _require(actor, CLERK)
    with transaction.atomic():
        document, delivery = _incoming(actor, document_id)
        _move(delivery, Delivery.State.RECEIVED, actor.personal_id, "")
        entry = _register(document, RegisterCounter.Book.INCOMING, actor.personal_id)
        delivery.events.filter(state=Delivery.State.RECEIVED).update(note=f"Số đến {entry.number}")
        _audit(actor, "edocs.document.registered", document, number=entry.number)
        _announce("edocs.received", document, recipient=actor.agency_code)
    return entry


def assign(
    actor: Official, document_id: Any, assignee_personal_id: str, note: str = ""
) -> Delivery:
    """A clerk or leader gives a registered document to an official of the agency to handle."""
    _require(actor, CLERK, LEADER)
    try:
        assignee = official(assignee_personal_id)
    except PermissionDenied:
        raise InvalidInput("Người được giao không phải cán bộ.", param="assignee") from None
    if assignee.agency_code != actor.agency_code:
        raise InvalidInput("Chỉ giao cho cán bộ của cơ quan mình.", param="assignee")
    with transaction.atomic():
        document, delivery = _incoming(actor, document_id)
        delivery.assignee, delivery.assignee_name = assignee.personal_id, assignee.name
        _move(delivery, Delivery.State.ASSIGNED, actor.personal_id, note or f"Giao {assignee.name}")
        _audit(actor, "edocs.document.assigned", document, assignee=assignee.personal_id)
        _announce(
            "edocs.assigned", document, key=assignee.personal_id, assignee=assignee.personal_id
        )
    return delivery


def complete(actor: Official, document_id: Any, note: str = "") -> Delivery:
    """The assignee (or a leader) marks the document handled."""
    with transaction.atomic():
        document, delivery = _incoming(actor, document_id)
        if not (actor.is_leader_of(actor.agency_code) or delivery.assignee == actor.personal_id):
            raise PermissionDenied("Chỉ người được giao xử lý hoặc lãnh đạo đánh dấu xong.")
        _move(delivery, Delivery.State.DONE, actor.personal_id, note)
        _audit(actor, "edocs.document.done", document)
    return delivery


def return_document(actor: Official, document_id: Any, reason: str) -> Delivery:
    """Send a document back to its issuer with a reason (trả lại văn bản)."""
    _require(actor, CLERK, LEADER)
    if not reason.strip():
        raise InvalidInput("Cần lý do trả lại.", param="reason")
    with transaction.atomic():
        document, delivery = _incoming(actor, document_id)
        _move(delivery, Delivery.State.RETURNED, actor.personal_id, reason.strip())
        _audit(actor, "edocs.document.returned", document, reason=reason.strip()[:500])
        _announce("edocs.returned", document, recipient=actor.agency_code)
    return delivery


def _answered(incoming: Document, answer: Document, actor: Official) -> None:
    delivery = Delivery.objects.select_for_update().filter(incoming=incoming).first()
    if delivery is not None and delivery.state in (
        Delivery.State.RECEIVED,
        Delivery.State.ASSIGNED,
    ):
        _move(
            delivery,
            Delivery.State.DONE,
            actor.personal_id,
            f"Đã trả lời bằng văn bản số {answer.number_symbol}",
        )


def recall(actor: Official, document_id: Any, reason: str) -> Document:
    """The issuer withdraws an outgoing document (thu hồi) with a reason: every delivery is
    recalled and the recipients' copies say so."""
    _require(actor, CLERK, LEADER)
    if not reason.strip():
        raise InvalidInput("Cần lý do thu hồi.", param="reason")
    with transaction.atomic():
        document = _held(actor, document_id, lock=True)
        if document.direction != Document.Direction.OUTGOING:
            raise WrongState("Chỉ thu hồi được văn bản đi của cơ quan mình.")
        if document.status != Document.Status.ACTIVE:
            raise WrongState("Văn bản đã bị thu hồi hoặc thay thế.")
        _set_status(document, Document.Status.RECALLED, reason.strip(), actor)
        for delivery in document.deliveries.select_for_update():
            if delivery.state != Delivery.State.RETURNED:
                _move(delivery, Delivery.State.RECALLED, actor.personal_id, reason.strip())
    return document


def replace(actor: Official, document_id: Any, draft: Draft, reason: str) -> Document:
    """Issue a new document replacing an outgoing one (văn bản thay thế)."""
    draft.replaces, draft.replace_reason = uuid.UUID(str(document_id)), reason
    return send(actor, draft)


def _set_status(document: Document, status: str, reason: str, actor: Official | None) -> None:
    document.status, document.status_reason = status, reason
    document.save(update_fields=["status", "status_reason"])
    for copy in Document.objects.filter(origin_id=document.origin_id).exclude(pk=document.pk):
        copy.status, copy.status_reason = status, reason
        copy.save(update_fields=["status", "status_reason"])
    if actor is not None:
        _audit(actor, f"edocs.document.{status}", document, reason=reason[:500])


def _audit(actor: Official, action: str, document: Document, **data: Any) -> None:
    audit.record(
        actor=actor.personal_id,
        action=action,
        target_type="edocs.document",
        target_id=str(document.pk),
        data={"agency_code": actor.agency_code, "number_symbol": document.number_symbol, **data},
    )


# ------------------------------------------------------------------------------ reading


def outgoing(actor: Official) -> QuerySet[Document]:
    return (
        Document.objects.filter(
            owner_agency=actor.agency_code, direction=Document.Direction.OUTGOING
        )
        .defer("package")
        .prefetch_related("deliveries")
    )


def incoming(actor: Official) -> QuerySet[Document]:
    return (
        Document.objects.filter(
            owner_agency=actor.agency_code, direction=Document.Direction.INCOMING
        )
        .defer("package")
        .select_related("delivery_in")
    )


def get(actor: Official, document_id: Any) -> Document:
    """A document's metadata (no content is read, nothing decrypted)."""
    return _held(actor, document_id)


def _may_read(actor: Official, document: Document) -> None:
    if not document.confidential:
        return
    delivery = getattr(document, "delivery_in", None) if document.direction == "in" else None
    assignee = delivery.assignee if delivery is not None else ""
    if not (actor.holds_any((CLERK, LEADER), actor.agency_code) or assignee == actor.personal_id):
        raise PermissionDenied(
            "Văn bản mật chỉ văn thư, lãnh đạo và người được giao xử lý được đọc."
        )


def open_document(actor: Official, document_id: Any, *, purpose: str = "") -> Opened:
    """Read a document's content (decrypting a confidential one with the agency's key);
    audited as an opening."""
    document = _held(actor, document_id)
    _may_read(actor, document)
    opened = verify_package(
        bytes(document.package), agency_code=actor.agency_code, check_pades=False
    )
    _audit(actor, "edocs.document.opened", document, purpose=purpose)
    return opened


def download(actor: Official, document_id: Any, index: int) -> tuple[dict[str, Any], bytes]:
    """One file of a document (index from 1 in the package's file list); audited."""
    document = _held(actor, document_id)
    _may_read(actor, document)
    opened = verify_package(
        bytes(document.package), agency_code=actor.agency_code, check_pades=False
    )
    if not 1 <= index <= len(opened.files):
        raise NotFound("Văn bản không có tệp này.")
    item = opened.files[index - 1]
    _audit(actor, "edocs.file.downloaded", document, path=item["path"], sha256=item["sha256"])
    return item, opened.data[item["path"]]


def export_package(actor: Official, document_id: Any) -> tuple[Document, bytes]:
    """The package exactly as signed or received, for another installation; audited."""
    _require(actor, CLERK, LEADER)
    document = _held(actor, document_id)
    _audit(actor, "edocs.package.exported", document, sha256=document.package_sha256)
    return document, bytes(document.package)


def forward(
    actor: Official,
    document_id: Any,
    recipients: Iterable[str],
    *,
    signer_personal_id: str,
    signer_position: str,
    note: str = "",
) -> Document:
    """Forward a held document to other agencies (chuyển văn bản): a transfer slip (phiếu
    chuyển) issued by this agency with the document's files attached, as confidential as the
    original; audited as a forward."""
    document = _held(actor, document_id)
    _may_read(actor, document)
    opened = verify_package(
        bytes(document.package), agency_code=actor.agency_code, check_pades=False
    )
    files = [
        package.File(name=i["name"], media_type=i["media_type"], data=opened.data[i["path"]])
        for i in opened.files
    ]
    summary = (
        f"Chuyển văn bản số {document.number_symbol} ngày "
        f"{document.issued_on:%d/%m/%Y} của {document.issuing_agency_name}"
    )
    draft = Draft(
        doc_type="phieu-chuyen",
        summary=summary,
        recipients=list(recipients),
        signer_personal_id=signer_personal_id,
        signer_position=signer_position,
        body=note,
        urgency=document.urgency,
        confidentiality=document.confidentiality,
        attachments=files,
    )
    slip = send(actor, draft)
    _audit(
        actor,
        "edocs.document.forwarded",
        document,
        slip=str(slip.pk),
        recipients=list(draft.recipients),
    )
    return slip
