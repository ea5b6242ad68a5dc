"""The counter's pages (quầy tiếp nhận, /can-bo/quay/): identify a walk-in person by the
chip card's QR code or the personal ID, fill the same prefilled form as online, scan the
paper per component, submit and receive at once, print the receipt; digitize a paper
result into the owner's e-wallet; submit online for a person who consented (assisted).
Thin: each view calls `motcua.dossiers.counter`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from motcua.catalog import selectors as catalog
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.dossiers import counter
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import AssistConsent, Dossier
from motcua.eforms import services as eforms
from motcua.portal.forms_render import form_rows, parse_post

from .oidc import SESSION_OFFICIAL
from .views import official_required

MAX_PAGES_BYTES = 50 * 1024 * 1024


def _officer(request: HttpRequest) -> Any:
    claims = request.session[SESSION_OFFICIAL]
    return counter.official(str(claims.get("personal_id") or ""))


def _procedures(officer: Any) -> list[Any]:
    """The published procedures the officer's unit receives (commune or province level)."""
    level = "commune" if officer.agency_code.count(".") == 2 else "province"
    rows = catalog.published().order_by("name")
    if level == "commune":
        rows = rows.filter(at_commune=True)
    return list(rows[:500])


def _error(exc: Exception) -> str:
    return str(getattr(exc, "detail", "") or "Dữ liệu không hợp lệ.")


@official_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """Receive a walk-in person: card QR or typed ID, and the procedure."""
    officer = _officer(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            dossier = counter.open_at_counter(
                officer,
                procedure_code=request.POST.get("procedure", "").strip()[:20],
                personal_id=request.POST.get("personal_id", "")[:20],
                qr=request.POST.get("qr", "")[: counter.MAX_QR_CHARS],
            )
        except DomainError as exc:
            error, status = _error(exc), 400
        else:
            messages.success(
                request,
                f"Đã đối chiếu nhân thân và mở hồ sơ cho {dossier.applicant_name}.",
            )
            return redirect("backoffice:counter-dossier", reference=dossier.draft_ref)
    drafts = Dossier.objects.filter(
        assisted_by=officer.personal_id, status="draft", submit_requested_at__isnull=True
    ).order_by("-created_at")[:20]
    return render(
        request,
        "backoffice/counter_home.html",
        {
            "officer": officer,
            "procedures": _procedures(officer),
            "drafts": drafts,
            "error": error,
            "post": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


def _draft(request: HttpRequest, reference: str) -> Dossier:
    try:
        return counter.draft_of(_officer(request), reference)
    except NotFound:
        raise Http404(reference) from None


_CONSENT_ACTIONS = ("consent_code", "consent_confirm", "consent_signature")


def _registry_consent(request: HttpRequest, officer: Any, dossier: Dossier, action: str) -> bool:
    """The person's own consent to the registry reads: a code sent to them and read back, or
    their signature at the counter. True once recorded."""
    if action == "consent_code":
        sent = counter.request_registry_consent_code(officer, dossier.draft_ref)
        messages.info(
            request,
            f"Đã gửi mã xác nhận cho {sent.person_name}. Đề nghị người dân đọc mã nếu đồng ý.",
        )
        return False
    if action == "consent_confirm":
        pending = counter.pending_registry_consent(officer, dossier)
        if pending is None:
            raise InvalidInput("Chưa gửi mã xác nhận hoặc mã đã hết hạn; hãy gửi mã mới.")
        given = counter.confirm_consent_code(officer, pending.id, request.POST.get("code", ""))
    else:
        upload = request.FILES.get("signature")
        if upload is None:
            raise InvalidInput("Cần ảnh chữ ký của người dân.", param="signature")
        given = counter.record_signature_consent(
            officer,
            procedure_code=dossier.procedure_code,
            personal_id=dossier.applicant_id,
            signature_name=upload.name or "chu-ky",
            signature=upload.read(counter.SIGNATURE_MAX_BYTES + 1),
            scope=AssistConsent.Scope.REGISTRY,
        )
    counter.record_registry_consent(officer, dossier.draft_ref, consent_id=given.id)
    return True


@official_required
@require_http_methods(["GET", "POST"])
def dossier_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The walk-in (or assisted) person's form, prefilled as online, with the paper to scan."""
    officer = _officer(request)
    dossier = _draft(request, reference)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in _CONSENT_ACTIONS:
                if _registry_consent(request, officer, dossier, action):
                    messages.success(request, "Người dân đã đồng ý; dữ liệu đã được điền sẵn.")
                return redirect("backoffice:counter-dossier", reference=dossier.draft_ref)
            data = parse_post(request.POST)
            dossier = counter.update(officer, dossier.draft_ref, data)
            if action == "receive":
                dossier = counter.submit_and_receive(
                    officer, dossier.draft_ref, cash_receipt=request.POST.get("cash_receipt", "")
                )
                if dossier.code:
                    messages.success(request, f"Đã tiếp nhận hồ sơ. Mã hồ sơ: {dossier.code}.")
                    return redirect("backoffice:counter-received", code=dossier.code)
                messages.info(request, dossiers.next_step(dossier))
                return redirect("backoffice:counter")
            if action == "submit":
                dossier = counter.submit_assisted(officer, dossier.draft_ref)
                messages.success(
                    request,
                    f"Đã nộp hồ sơ thay cho {dossier.applicant_name}. Mã hồ sơ: {dossier.code}. "
                    "Người dân theo dõi hồ sơ trên tài khoản của mình.",
                )
                return redirect("backoffice:counter")
            messages.success(request, "Đã lưu.")
            return redirect("backoffice:counter-dossier", reference=dossier.draft_ref)
        except DomainError as exc:
            errors = dict(getattr(exc, "errors", {}) or {})
            errors.setdefault("", exc.detail)
            status = 400
            if action not in _CONSENT_ACTIONS:
                dossier.data = parse_post(request.POST)
    prefill = eforms.Prefill.from_json(dossier.prefill or {})
    form = eforms.form_for(dossier.procedure_code)
    return render(
        request,
        "backoffice/counter_dossier.html",
        {
            "d": dossier,
            "officer": officer,
            "prefill": prefill,
            "rows": form_rows(form, dossier.data, prefill, errors),
            "general_error": errors.get(""),
            "components": counter.components(dossier),
            "assistance": counter.assistance(dossier),
            "can_certify": officer.holds(counter.RECEIVER_ROLE, dossier.receiving_unit),
            "pending_consent": counter.pending_registry_consent(officer, dossier),
        },
        status=status,
    )


def _pages(request: HttpRequest) -> list[tuple[str, bytes]]:
    files = request.FILES.getlist("pages")
    if sum(f.size or 0 for f in files) > MAX_PAGES_BYTES:
        raise InvalidInput("Các trang quét quá lớn; hãy quét ở độ phân giải thấp hơn.")
    return [(f.name or "trang", f.read()) for f in files]


@official_required
@require_POST
def scan(request: HttpRequest, reference: str) -> HttpResponse:
    """Attach the scanned pages of one component (several files at once)."""
    officer = _officer(request)
    dossier = _draft(request, reference)
    try:
        record = counter.scan(
            officer,
            dossier.draft_ref,
            component=int(request.POST.get("component", "-1")),
            pages=_pages(request),
            certify=request.POST.get("certify") == "1",
        )
        note = " và chứng thực bản sao điện tử từ bản chính" if record.certified else ""
        messages.success(request, f"Đã số hóa {record.pages} trang của “{record.title}”{note}.")
    except (DomainError, ValueError) as exc:
        messages.error(request, _error(exc))
    return redirect("backoffice:counter-dossier", reference=dossier.draft_ref)


@official_required
def received(request: HttpRequest, code: str) -> HttpResponse:
    """After the counter receipt: the code, the receipt to print, where the dossier went."""
    officer = _officer(request)
    try:
        dossier, _pdf = counter.counter_receipt(officer, code)
    except NotFound:
        raise Http404(code) from None
    return render(
        request,
        "backoffice/counter_received.html",
        {
            "d": dossier,
            "assistance": counter.assistance(dossier),
            "digitizations": list(dossier.digitizations.all()),
        },
    )


@official_required
def receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    try:
        dossier, pdf = counter.counter_receipt(_officer(request), code)
    except NotFound:
        raise Http404(code) from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response


@official_required
@require_http_methods(["GET", "POST"])
def paper_result(request: HttpRequest) -> HttpResponse:
    """Digitize a result issued on paper into its owner's e-wallet, certified."""
    officer = _officer(request)
    error, done, status = "", None, 200
    if request.method == "POST":
        try:
            issued = request.POST.get("issued_on", "")
            try:
                issued_on = dt.date.fromisoformat(issued)
            except ValueError:
                raise InvalidInput("Ngày cấp không hợp lệ.", param="issued_on") from None
            done = counter.digitize_paper_result(
                officer,
                personal_id=request.POST.get("personal_id", "")[:20],
                qr=request.POST.get("qr", "")[: counter.MAX_QR_CHARS],
                title=request.POST.get("title", ""),
                issuer_name=request.POST.get("issuer_name", ""),
                issued_on=issued_on,
                number=request.POST.get("number", "")[:60],
                pages=_pages(request),
            )
        except DomainError as exc:
            error, status = _error(exc), 400
    return render(
        request,
        "backoffice/counter_paper_result.html",
        {"error": error, "done": done, "post": request.POST if error else {}},
        status=status,
    )


@official_required
@require_http_methods(["GET", "POST"])
def assisted(request: HttpRequest) -> HttpResponse:
    """Assisted submission, first step: the person's consent, by a one-time code sent to
    them or their signature captured here."""
    officer = _officer(request)
    error, status = "", 200
    if request.method == "POST":
        procedure = request.POST.get("procedure", "").strip()[:20]
        who = {
            "personal_id": request.POST.get("personal_id", "")[:20],
            "qr": request.POST.get("qr", "")[: counter.MAX_QR_CHARS],
        }
        try:
            if request.POST.get("method") == "signature":
                upload = request.FILES.get("signature")
                if upload is None:
                    raise InvalidInput("Cần ảnh chữ ký của người dân.", param="signature")
                consent = counter.record_signature_consent(
                    officer,
                    procedure_code=procedure,
                    signature_name=upload.name or "chu-ky",
                    signature=upload.read(counter.SIGNATURE_MAX_BYTES + 1),
                    **who,
                )
            else:
                consent = counter.request_consent_code(officer, procedure_code=procedure, **who)
                messages.info(
                    request,
                    f"Đã gửi mã xác nhận cho {consent.person_name}. Đề nghị người dân đọc mã "
                    "nếu đồng ý.",
                )
        except DomainError as exc:
            error, status = _error(exc), 400
        else:
            return redirect("backoffice:counter-consent", consent_id=consent.id)
    return render(
        request,
        "backoffice/counter_assisted.html",
        {
            "officer": officer,
            "procedures": _procedures(officer),
            "error": error,
            "post": request.POST if error else {},
        },
        status=status,
    )


@official_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, consent_id: str) -> HttpResponse:
    """Assisted submission, second step: the code read back, then the receiving unit."""
    officer = _officer(request)
    found = AssistConsent.objects.filter(
        pk=counter._uuid(consent_id), assistant_id=officer.personal_id, dossier__isnull=True
    ).first()
    if found is None:
        raise Http404(consent_id)
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                found = counter.confirm_consent_code(
                    officer, found.id, request.POST.get("code", "")
                )
                messages.success(request, "Người dân đã đồng ý.")
                return redirect("backoffice:counter-consent", consent_id=found.id)
            dossier = counter.start_assisted(
                officer,
                consent_id=found.id,
                receiving_unit=request.POST.get("receiving_unit", "").strip()[:40],
            )
            return redirect("backoffice:counter-dossier", reference=dossier.draft_ref)
        except DomainError as exc:
            error, status = _error(exc), 400
            found.refresh_from_db()
    suggested: list[Any] = []
    if found.state == AssistConsent.State.GIVEN:
        # Where the assistant works first, then where the person lives; any unit may be typed.
        parts = officer.agency_code.split(".")
        local = parts[1] if len(parts) == 3 else ""
        for commune in (local, dossiers.residence_commune(found.personal_id)):
            for unit in dossiers.suggested_units(found.procedure_code, commune):
                if unit.code not in {u.code for u in suggested}:
                    suggested.append(unit)
    return render(
        request,
        "backoffice/counter_consent.html",
        {"c": found, "error": error, "suggested": suggested, "officer": officer},
        status=status,
    )
