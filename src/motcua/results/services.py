"""The results app's public functions: sign a PDF (PAdES) for an official, issue a dossier's
electronic result (render, sign, store, deliver to the e-wallet, audit, announce), verify a
PDF, revoke certificates and documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.audit import services as audit
from motcua.catalog import selectors as catalog
from motcua.core import site, uploads
from motcua.core.calendar import VN_TZ
from motcua.core.errors import DomainError, NotFound
from motcua.core.formats import format_date, format_datetime
from motcua.core.pdf import render_document
from motcua.dossiers import services as dossiers
from motcua.identity import services as identity
from motcua.notify import services as outbox
from motcua.units import selectors as units
from motcua.wallet import services as wallet

from . import keystore, rendering, signing
from .errors import (
    ResultNotFound,
    ResultNotIssuable,
    SignerNotAllowed,
    SigningFailed,
)
from .keystore import Signatory, ensure_demo_ca
from .models import ResultDocument

logger = logging.getLogger(__name__)

__all__ = [
    "Verification",
    "ensure_demo_ca",
    "get_document",
    "issue_for_dossier",
    "issue_for_record",
    "public_url",
    "replace_document",
    "result_of",
    "revoke_certificate",
    "revoke_document",
    "sign_pdf",
    "verify_pdf",
]

SIGN_REASON = "Ký số kết quả giải quyết thủ tục hành chính"
SIGNER_ROLE = "leader"
# A result is issued while the competent authority decides, or once it has decided.
ISSUABLE_STATUSES = frozenset({"received", "processing", "result_ready"})


# ------------------------------------------------------------------------------ signing


@dataclass(frozen=True)
class _Signer:
    signatory: Signatory
    roles: tuple[str, ...]
    agency_code: str
    agency_name: str
    province_name: str


def _signer(personal_id: str) -> _Signer:
    """The official behind a personal ID, with their agency; anyone else may not sign."""
    account = get_user_model().objects.filter(username=personal_id).first()
    claims = identity.official_claims(account) if account is not None else {}
    if account is None or not claims:
        raise SignerNotAllowed("Người ký không phải cán bộ, công chức có trong hệ thống.")
    agency = units.get_agency(claims["agency_code"])
    return _Signer(
        signatory=Signatory(
            personal_id=personal_id,
            name=account.get_full_name() or personal_id,
            agency=agency.name,
        ),
        roles=tuple(claims.get("roles", ())),
        agency_code=agency.code,
        agency_name=agency.name,
        province_name=agency.province.name,
    )


def _sign(
    pdf: bytes,
    signatory: Signatory,
    *,
    reason: str,
    location: str,
    activation: signing.Activation | None = None,
) -> bytes:
    provider = signing.get()
    metadata = signers.PdfSignatureMetadata(
        field_name=f"ChuKySo-{secrets.token_hex(4)}",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=signatory.name,
        reason=reason,
        location=location or None,
    )
    tsa = getattr(settings, "RESULTS_TSA_URL", "")
    timestamper = HTTPTimeStamper(tsa) if tsa else None
    try:
        return provider.sign(
            pdf,
            signatory=signatory,
            metadata=metadata,
            timestamper=timestamper,
            activation=activation,
        )
    except DomainError:
        raise
    except Exception as exc:
        # Deliberately broad at the plugin boundary: providers (local key, PKCS#11, remote CSC
        # over HTTP) fail in their own ways and all mean "not signed, try again"; domain
        # refusals pass above, and the trace is logged.
        logger.exception("Signing with provider %s failed", provider.key)
        raise SigningFailed("Không ký số được tài liệu; vui lòng thử lại sau.") from exc


def sign_pdf(
    pdf: bytes,
    *,
    signer_personal_id: str,
    reason: str = SIGN_REASON,
    activation: signing.Activation | None = None,
) -> bytes:
    """`pdf` with a PAdES signature of the official `signer_personal_id`, by the configured
    provider (RESULTS_SIGNING_PROVIDER), timestamped when RESULTS_TSA_URL is set. Refused
    (CertificateRevoked) when their certificate was revoked. Callers pass the official who is
    signing in their own session; `activation` (PIN / one-time code) releases a remote key."""
    signer = _signer(signer_personal_id)
    signed = _sign(
        pdf,
        signer.signatory,
        reason=reason,
        location=signer.agency_name,
        activation=activation,
    )
    audit.record(
        actor=signer_personal_id,
        action="results.pdf.signed",
        target_type="results.pdf",
        target_id=hashlib.sha256(signed).hexdigest(),
        data={"provider": signing.get().key},
    )
    return signed


def revoke_certificate(personal_id: str, reason: str, *, actor: str = "system") -> int:
    """Revoke the official's signing certificate: nothing more can be signed with it, and
    documents it signs are reported. Returns how many certificates were revoked."""
    return keystore.revoke_certificate(personal_id, reason, actor=actor)


# ------------------------------------------------------------------------------ issuing


def public_url(document_id: Any) -> str:
    """The public verification page of a result (what its QR code holds)."""
    return site.absolute(f"/xac-thuc/{document_id}/")


def _valid_for(code: str) -> ResultDocument | None:
    return ResultDocument.objects.filter(
        dossier_code=code, status=ResultDocument.Status.VALID
    ).first()


@dataclass
class _Prepared:
    document: ResultDocument
    content: bytes
    template: rendering.ResultTemplate
    valid_until: dt.date | None
    signer: _Signer


def _result_type(procedure_code: str, fallback: str) -> str:
    try:
        return str(catalog.get_published(procedure_code).result_type) or fallback
    except NotFound:
        return fallback


def _prepare(dossier: Any, signer: _Signer, decision: dict[str, Any]) -> _Prepared:
    """Render and sign the result; nothing is stored yet."""
    template = rendering.template_for(dossier.procedure_code)
    document_id = uuid.uuid4()
    now = timezone.now()
    today = timezone.localtime(now, VN_TZ).date()
    url = public_url(document_id)
    context = {
        "code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "applicant_id": dossier.applicant_id,
        "applicant_name": dossier.applicant_name,
        "receiving_unit_name": dossier.receiving_unit_name,
        "issuer": signer.agency_name,
        "issued_on": format_date(today),
        "result_type": _result_type(dossier.procedure_code, dossier.procedure_name),
    }
    source = {**(dossier.data or {}), "decision": decision}
    title = rendering.fill(template.title, source, context)
    paragraphs = [rendering.fill(p, source, context) for p in template.paragraphs]
    paragraphs.append(f"Người ký: {signer.signatory.name} — {signer.agency_name}.")
    paragraphs.append("Văn bản được ký số. Quét mã QR dưới đây để kiểm tra tính xác thực.")
    pdf = render_document(
        title=title,
        subtitle=rendering.fill(template.subtitle, source, context),
        issuer=f"{signer.province_name}\n{signer.agency_name}",
        rows=rendering.rows(template, source, context),
        paragraphs=paragraphs,
        qr_payload=url,
        footer=f"Mã kết quả {document_id} · {template.code} v{template.version}",
        metadata={
            "title": title,
            "subject": f"{dossier.procedure_name} — hồ sơ {dossier.code}",
            "keywords": f"motcua-result:{document_id}",
            "creation_date": timezone.localtime(now, VN_TZ).replace(tzinfo=None).isoformat(),
        },
    )
    signed = _sign(pdf, signer.signatory, reason=SIGN_REASON, location=signer.agency_name)
    valid_until = today + dt.timedelta(days=template.valid_days) if template.valid_days else None
    data = {
        "document_id": str(document_id),
        "template": {"code": template.code, "version": template.version},
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "owner_id": dossier.applicant_id,
        "issuer": {"code": signer.agency_code, "name": signer.agency_name},
        "issued_on": today.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "verify_url": url,
        **rendering.structured(template, source, context),
    }
    document = ResultDocument(
        id=document_id,
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        template_code=template.code,
        template_version=template.version,
        title=title[:500],
        owner_id=dossier.applicant_id,
        owner_name=dossier.applicant_name,
        issuer_code=signer.agency_code,
        issuer=signer.agency_name,
        signer_personal_id=signer.signatory.personal_id,
        signer_name=signer.signatory.name,
        signing_provider=signing.get().key,
        issued_at=now,
        sha256=hashlib.sha256(signed).hexdigest(),
        data=data,
    )
    return _Prepared(document, signed, template, valid_until, signer)


def _store(prepared: _Prepared) -> ResultDocument:
    """Save, deliver to the owner's e-wallet, audit and announce, in the caller's transaction."""
    doc, template = prepared.document, prepared.template
    doc.file.save(f"{doc.id}.pdf", ContentFile(prepared.content), save=False)
    doc.save(force_insert=True)
    wallet.add_document(
        owner_id=doc.owner_id,
        title=doc.title,
        issuer_name=doc.issuer,
        issuer_code=doc.issuer_code,
        issued_on=doc.issued_at.astimezone(VN_TZ).date(),
        valid_until=prepared.valid_until,
        content=prepared.content,
        filename=f"{template.code}-{doc.dossier_code}.pdf",
        key=f"result:{doc.id}",
        actor=doc.signer_personal_id,
        content_type="application/pdf",
        data=doc.data,
    )
    audit.record(
        actor=doc.signer_personal_id,
        action="results.document.issued",
        target_type="results.document",
        target_id=str(doc.id),
        data={
            "dossier": doc.dossier_code,
            "sha256": doc.sha256,
            "template": f"{template.code}@{template.version}",
            "provider": doc.signing_provider,
        },
    )
    outbox.enqueue(
        "results.issued",
        f"results.issued:{doc.id}",
        {
            "document_id": str(doc.id),
            "dossier_code": doc.dossier_code,
            "owner_id": doc.owner_id,
            "title": doc.title,
            "verify_url": doc.data.get("verify_url", ""),
        },
    )
    topic = template.publishes_for(doc.procedure_code)
    if topic:
        # No registry has a write service through the exchange yet: whoever keeps the
        # population registry consumes this event (idempotent per dossier).
        outbox.enqueue(topic, f"{topic}:{doc.dossier_code}", {**doc.data})
    return doc


def issue_for_dossier(
    code: str, *, signer_personal_id: str, data: dict[str, Any] | None = None
) -> ResultDocument:
    """Issue the electronic result of dossier `code`, signed by the leader
    `signer_personal_id`: rendered from the procedure's template (with `data`, the decision's
    own facts, under `decision.`), signed, stored, put into the applicant's e-wallet with its
    structured data, audited and announced. Idempotent: the dossier's valid result is
    returned if it already has one."""
    existing = _valid_for(code)
    if existing is not None:
        return existing
    dossier = dossiers.get_by_code(code)
    if dossier.status not in ISSUABLE_STATUSES:
        raise ResultNotIssuable(
            f"Hồ sơ {code} đang ở trạng thái «{dossier.get_status_display()}», "
            "không thể cấp kết quả."
        )
    return issue_for_record(dossier, signer_personal_id=signer_personal_id, data=data)


def issue_for_record(
    record: Any, *, signer_personal_id: str, data: dict[str, Any] | None = None
) -> ResultDocument:
    """`issue_for_dossier` for a dossier-like record (code, procedure_code, procedure_name,
    applicant_id, applicant_name, receiving_unit_name, data): the demo command uses it."""
    existing = _valid_for(record.code)
    if existing is not None:
        return existing
    signer = _signer(signer_personal_id)
    if SIGNER_ROLE not in signer.roles:
        raise SignerNotAllowed("Chỉ lãnh đạo có thẩm quyền mới được ký kết quả.")
    prepared = _prepare(record, signer, dict(data or {}))
    try:
        with transaction.atomic():
            return _store(prepared)
    except IntegrityError:  # a concurrent call issued it first
        existing = _valid_for(record.code)
        if existing is None:
            raise
        return existing


def result_of(code: str) -> ResultDocument | None:
    """The valid result of dossier `code`, if it has one (integrated services read their
    members' results through this)."""
    return _valid_for(code)


def get_document(document_id: Any) -> ResultDocument:
    try:
        pk = uuid.UUID(str(document_id))
    except ValueError:
        raise ResultNotFound("Không tìm thấy kết quả.") from None
    document = ResultDocument.objects.filter(pk=pk).first()
    if document is None:
        raise ResultNotFound("Không tìm thấy kết quả.")
    return document


def revoke_document(document_id: Any, *, actor: str, reason: str) -> ResultDocument:
    """Revoke an issued result (thu hồi): verification reports it from now on."""
    with transaction.atomic():
        document = get_document(document_id)
        document = ResultDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != ResultDocument.Status.VALID:
            raise ResultNotIssuable("Kết quả này không còn hiệu lực.")
        document.status = ResultDocument.Status.REVOKED
        document.status_reason = reason[:500]
        document.status_changed_at = timezone.now()
        document.save(update_fields=["status", "status_reason", "status_changed_at"])
        wallet.revoke_document(f"result:{document.pk}", actor=actor, reason=reason)
        audit.record(
            actor=actor,
            action="results.document.revoked",
            target_type="results.document",
            target_id=str(document.pk),
            data={"reason": reason[:500]},
        )
        outbox.enqueue(
            "results.revoked",
            f"results.revoked:{document.pk}",
            {"document_id": str(document.pk), "dossier_code": document.dossier_code},
        )
    return document


def replace_document(
    document_id: Any, *, signer_personal_id: str, reason: str, data: dict[str, Any] | None = None
) -> ResultDocument:
    """Issue a corrected result for the same dossier; the old one becomes `replaced`."""
    old = get_document(document_id)
    if old.status != ResultDocument.Status.VALID:
        raise ResultNotIssuable("Chỉ thay thế được kết quả còn hiệu lực.")
    signer = _signer(signer_personal_id)
    if SIGNER_ROLE not in signer.roles:
        raise SignerNotAllowed("Chỉ lãnh đạo có thẩm quyền mới được ký kết quả.")
    prepared = _prepare(dossiers.get_by_code(old.dossier_code), signer, dict(data or {}))
    with transaction.atomic():
        locked = ResultDocument.objects.select_for_update().get(pk=old.pk)
        if locked.status != ResultDocument.Status.VALID:
            raise ResultNotIssuable("Kết quả này vừa được thay đổi; vui lòng tải lại.")
        locked.status = ResultDocument.Status.REPLACED
        locked.status_reason = reason[:500]
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_reason", "status_changed_at"])
        wallet.revoke_document(f"result:{locked.pk}", actor=signer_personal_id, reason=reason)
        new = _store(prepared)
        locked.replaced_by = new
        locked.save(update_fields=["replaced_by"])
        audit.record(
            actor=signer_personal_id,
            action="results.document.replaced",
            target_type="results.document",
            target_id=str(old.pk),
            data={"replaced_by": str(new.pk), "reason": reason[:500]},
        )
    return new


# ------------------------------------------------------------------------------ verifying


@dataclass
class Verification:
    """What checking a PDF found. `valid` only when every check passed; `reasons` say, in
    Vietnamese, each check that failed."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    document: ResultDocument | None = None
    signer_name: str = ""
    signed_at: dt.datetime | None = None
    status: str = ""
    signature_intact: bool = False
    signature_trusted: bool = False
    certificate_revoked: bool = False


def trust_roots() -> list[Any]:
    """The roots a result's signer certificate must chain to: the configured (or demo) CA,
    the current provider's roots and RESULTS_TRUST_ROOTS (PEM files)."""
    from .signing.local import _asn1_cert

    roots = signing.get("local").trust_roots()
    provider = signing.get()
    if provider.key != "local":
        roots += provider.trust_roots()
    for path in getattr(settings, "RESULTS_TRUST_ROOTS", []):
        with open(path, "rb") as handle:
            roots.append(_asn1_cert(handle.read()))
    return roots


def verify_pdf(pdf: bytes, *, expected: ResultDocument | None = None) -> Verification:
    """Check a PDF: its PAdES signature (intact, valid, chaining to a trusted root, nothing
    added after it), its signer's certificate not revoked before signing, the file being
    exactly a result we issued (sha256), and that result's status. With `expected`, the file
    must be that very result."""
    result = Verification(valid=False)
    digest = hashlib.sha256(pdf).hexdigest()
    result.document = ResultDocument.objects.filter(sha256=digest).first()
    _check_signature(pdf, result)
    document = result.document
    if document is None:
        result.reasons.append(
            "Không phải tài liệu đã cấp: tệp không trùng khớp với kết quả nào do hệ thống cấp."
        )
    else:
        result.status = document.status
        if expected is not None and document.pk != expected.pk:
            result.reasons.append("Tệp là một kết quả khác, không phải kết quả đang xem.")
        if document.status == ResultDocument.Status.REVOKED:
            result.reasons.append(
                f"Kết quả đã bị thu hồi ngày {_local(document.status_changed_at)}."
            )
        elif document.status == ResultDocument.Status.REPLACED:
            result.reasons.append("Kết quả đã được thay thế bằng một kết quả khác.")
    result.valid = not result.reasons
    return result


def _local(moment: dt.datetime | None) -> str:
    return format_datetime(moment)


def _check_signature(pdf: bytes, result: Verification) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # untrusted bytes, not a signed PDF to us: see note_unparsable
        uploads.note_unparsable("result to verify", exc)
        result.reasons.append("Tệp không đọc được như một tệp PDF.")
        return
    if not signatures:
        result.reasons.append("Tệp không có chữ ký số.")
        return
    embedded = signatures[-1]
    context = ValidationContext(
        trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(embedded, context)
    except (SignatureValidationError, ValueError) as exc:
        logger.info("Signature validation error: %s", exc)
        result.reasons.append("Tệp đã bị sửa sau khi ký: chữ ký số không còn khớp với nội dung.")
        return
    cert = status.signing_cert
    result.signer_name = str(cert.subject.native.get("common_name", ""))
    result.signed_at = status.signer_reported_dt
    if status.timestamp_validity is not None:
        result.signed_at = status.timestamp_validity.timestamp
    result.signature_intact = bool(status.intact)
    result.signature_trusted = bool(status.trusted)
    if not status.intact:
        result.reasons.append("Tệp đã bị sửa sau khi ký: nội dung không khớp với chữ ký số.")
    elif not status.valid:
        result.reasons.append("Chữ ký số không hợp lệ.")
    elif not status.trusted:
        result.reasons.append(
            "Chứng thư số của người ký không do tổ chức chứng thực được tin cậy cấp."
        )
    if status.intact and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        result.reasons.append("Tệp đã bị thêm nội dung sau khi ký.")
    record = keystore.by_serial(cert.serial_number)
    if (
        record is not None
        and record.revoked_at is not None
        and (result.signed_at is None or record.revoked_at <= result.signed_at)
    ):
        result.certificate_revoked = True
        result.reasons.append(
            "Chứng thư số của người ký đã bị thu hồi trước thời điểm ký "
            f"({_local(record.revoked_at)})."
        )
