"""The citizen's dossier pages: start a dossier for a procedure, fill the prefilled form
(autosaved), attach files, submit, download the receipt, follow it in "my dossiers", answer
a supplement request, pay, rate; and the public status lookup. Thin: each calls services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from motcua.catalog import selectors as catalog
from motcua.core import ratelimit, site
from motcua.core.client_ip import client_ip
from motcua.core.errors import DomainError, NotFound
from motcua.dossiers import bundles, counter, receipt
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, Status
from motcua.eforms import services as eforms
from motcua.identity.errors import StepUpRequired
from motcua.payments import services as payments
from motcua.units import selectors as units

from .context import PortalUser, citizen_required
from .forms_render import form_rows, parse_post
from .oidc import SESSION_ACTING

MY_DOSSIERS_PAGE = 50  # dossiers per page of "Hồ sơ của tôi"


def _applicant(request: HttpRequest) -> dossiers.Applicant:
    user: PortalUser = request.portal_user  # type: ignore[attr-defined]
    acting = request.session.get(SESSION_ACTING) or {}
    return dossiers.Applicant(
        subject_id=user.subject_id,
        actor_id=user.account.username,
        kind=user.subject_kind,
        name=user.subject_name,
        basis=user.basis,
        mandate_scope=tuple(acting.get("scope") or ()),
        level=user.level,
    )


def _dossier(request: HttpRequest, reference: str) -> Dossier:
    try:
        return dossiers.get_for(_applicant(request), reference)
    except NotFound:
        raise Http404(reference) from None


@citizen_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Choose where to submit: suggested from the residence, any service centre allowed."""
    try:
        version = catalog.get_published(code)
    except NotFound:
        raise Http404(code) from None
    applicant = _applicant(request)
    if applicant.level < version.min_assurance_level:
        raise StepUpRequired(version.min_assurance_level)
    error = ""
    if request.method == "POST":
        try:
            dossier = dossiers.create_draft(applicant, code, request.POST.get("unit", ""))
        except DomainError as exc:
            error = exc.detail
        else:
            return redirect("portal:dossier", reference=dossier.reference)
    commune = dossiers.residence_commune(applicant.subject_id)
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "portal/dossier_start.html",
        {
            "v": version,
            "suggested": dossiers.suggested_units(code, commune),
            "found": _units_matching(version, query) if query else [],
            "q": query,
            "error": error,
        },
        status=400 if error else 200,
    )


def _units_matching(version: Any, query: str) -> list[Any]:
    """Service centres of the provinces and communes whose names match, at the right levels."""
    found: list[Any] = []
    for unit in units.search_units(query, limit=10):
        province = getattr(unit, "province_id", None)
        if province:  # a commune
            if version.at_commune:
                found += list(units.service_centres(province, unit.code))
        elif version.at_province or version.at_central:
            found += list(units.service_centres(unit.code))
    return found[:20]


@citizen_required
@require_http_methods(["GET", "POST"])
def dossier_page(request: HttpRequest, reference: str) -> HttpResponse:
    dossier = _dossier(request, reference)
    if dossier.code and dossier.parent_id is None and bundles.is_integrated(dossier.procedure_code):
        return redirect("portal:bundle", reference=dossier.code)  # one page for the bundle
    applicant = _applicant(request)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and dossier.status == Status.DRAFT:
        data = parse_post(request.POST)
        action = request.POST.get("action", "save")
        try:
            dossier = dossiers.update_draft(applicant, reference, data=data)
            if action == "submit":
                dossier = dossiers.submit(
                    applicant, reference, idempotency_key=request.POST.get("submit_key", "")
                )
                if dossier.code:
                    messages.success(request, f"Đã nộp hồ sơ. Mã hồ sơ: {dossier.code}.")
                    return redirect("portal:dossier", reference=dossier.code)
                messages.info(request, dossiers.next_step(dossier))
                return redirect("portal:dossier", reference=dossier.reference)
            if request.headers.get("HX-Request") == "true":
                return HttpResponse('<span role="status">Đã lưu nháp.</span>')
            messages.success(request, "Đã lưu nháp.")
            return redirect("portal:dossier", reference=dossier.reference)
        except DomainError as exc:
            errors = dict(getattr(exc, "errors", {}) or {})
            errors.setdefault("", exc.detail)
            status = 400
            dossier.data = data
    return render(request, "portal/dossier.html", _page_context(dossier, errors), status=status)


def _page_context(dossier: Dossier, errors: dict[str, str]) -> dict[str, Any]:
    prefill = eforms.Prefill.from_json(dossier.prefill or {})
    context: dict[str, Any] = {
        "d": dossier,
        "errors": errors,
        "general_error": errors.get(""),
        "prefill": prefill,
        "next_step": dossiers.next_step(dossier),
        "timeline": [
            {"at": e.at, "action": e.action_label, "note": e.note}
            for e in dossiers.timeline(dossier)
        ],
        "files": list(dossier.files.all()),
        "records": list(dossier.records.all()),
        "parties": list(dossier.parties.all()),
        "supplement": dossier.supplements.filter(answered_at__isnull=True).first(),
        "awaiting_payment": dossier.payment_status == Dossier.Payment.AWAITING,
        "can_withdraw": Status.WITHDRAWN in dossiers.TRANSITIONS[Status(dossier.status)],
        "can_rate": dossier.status == Status.RETURNED and not hasattr(dossier, "rating"),
        "assistance": counter.assistance(dossier),
    }
    if dossier.status == Status.DRAFT or context["supplement"]:
        version = catalog.get_published(dossier.procedure_code)
        held = {r["registry"] for r in prefill.records}
        context["components"] = [
            {
                "position": c.position,
                "c": c,
                "held": bool(c.replaced_by and c.replaced_by in held),
                "is_form": c.is_form,
                "files": [f for f in context["files"] if f.component_position == c.position],
            }
            for c in version.components.all()
        ]
    if dossier.status == Status.DRAFT:
        form = eforms.form_for(dossier.procedure_code)
        context["rows"] = form_rows(form, dossier.data, prefill, errors)
        context["submit_key"] = f"web-{dossier.draft_ref}"
    return context


@citizen_required
@require_POST
def upload(request: HttpRequest, reference: str) -> HttpResponse:
    dossier = _dossier(request, reference)
    upload_file = request.FILES.get("file")
    try:
        if upload_file is None:
            raise DomainError("Hãy chọn một tệp để đính kèm.")
        component = int(request.POST.get("component", "-1"))
        dossiers.add_file(
            _applicant(request),
            reference,
            component=component,
            name=upload_file.name or "tep",
            content=upload_file.read(),
        )
        messages.success(request, f"Đã đính kèm {upload_file.name}.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", "Thành phần hồ sơ không hợp lệ."))
    return redirect("portal:dossier", reference=dossier.reference)


@citizen_required
def receipt_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    dossier = _dossier(request, reference)
    if not dossier.code:
        raise Http404(reference)
    response = HttpResponse(receipt.render(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response


@citizen_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """Every dossier of the applicant, newest first, `MY_DOSSIERS_PAGE` a page (`?trang=`)."""
    applicant = _applicant(request)
    found = dossiers.mine_query(applicant)
    total = found.count()
    pages = max(1, -(-total // MY_DOSSIERS_PAGE))
    try:
        page = min(pages, max(1, int(request.GET.get("trang", "1"))))
    except ValueError:
        page = 1
    start = (page - 1) * MY_DOSSIERS_PAGE
    return render(
        request,
        "portal/my_dossiers.html",
        {
            "dossiers": [
                (d, dossiers.next_step(d)) for d in found[start : start + MY_DOSSIERS_PAGE]
            ],
            "total": total,
            "page_number": page,
            "pages": pages,
            "to_confirm": dossiers.awaiting_my_confirmation(applicant.actor_id),
        },
    )


@citizen_required
@require_POST
def act(request: HttpRequest, reference: str) -> HttpResponse:
    """The small actions of a submitted dossier: withdraw, answer a supplement, rate, pay."""
    dossier = _dossier(request, reference)
    applicant = _applicant(request)
    action = request.POST.get("action", "")
    try:
        if action == "consent":
            dossiers.consent_and_refresh(applicant, reference)
            messages.success(request, "Đã đồng ý; dữ liệu đã được điền sẵn.")
        elif action == "withdraw":
            dossiers.withdraw(applicant, reference, request.POST.get("reason", ""))
            messages.success(request, "Đã rút hồ sơ.")
        elif action == "supplement":
            dossiers.answer_supplement(applicant, reference, note=request.POST.get("note", ""))
            messages.success(request, "Đã gửi bổ sung hồ sơ.")
        elif action == "rate":
            dossiers.rate(
                applicant,
                reference,
                score=int(request.POST.get("score", "0")),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, "Cảm ơn bạn đã đánh giá.")
        elif action == "pay":
            # On the public address: the payment provider sends the browser back there.
            back = site.absolute(reverse("portal:dossier", kwargs={"reference": dossier.reference}))
            _payment, url = payments.start(
                dossier.reference,
                payer_id=applicant.subject_id,
                amount=dossier.fee_amount,
                description=f"Phí, lệ phí hồ sơ {dossier.reference}: {dossier.procedure_name}",
                return_url=back,
                actor=applicant.actor_id,
            )
            return redirect(url)
        else:
            raise DomainError("Thao tác không hợp lệ.")
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", "Dữ liệu không hợp lệ."))
    return redirect("portal:dossier", reference=dossier.reference)


@citizen_required
@require_http_methods(["GET", "POST"])
def confirm_party(request: HttpRequest, draft_ref: str) -> HttpResponse:
    """The other party of a two-party procedure confirms with their own login."""
    user: PortalUser = request.portal_user  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            dossiers.answer_party(
                user.account.username, draft_ref, confirm=request.POST.get("answer") == "yes"
            )
            messages.success(request, "Đã ghi nhận trả lời của bạn.")
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect("portal:my-dossiers")
    pending = [d for d in dossiers.awaiting_my_confirmation(user.account.username)]
    dossier = next((d for d in pending if d.draft_ref == draft_ref), None)
    if dossier is None:
        raise Http404(draft_ref)
    return render(request, "portal/dossier_confirm.html", {"d": dossier})


def public_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("ma", "").strip()[:60]
    secret = request.GET.get("bi-mat", "").strip()[:16]
    found, error, status = None, "", 200
    if code or secret:
        limit, window = ratelimit.public_lookup_limit()
        try:
            ratelimit.hit("public-lookup", client_ip(request), limit=limit, window=window)
            found = dossiers.public_status(code, secret)
        except (NotFound, ratelimit.RateLimited) as exc:
            error, status = exc.detail, exc.status
    return render(
        request,
        "portal/public_lookup.html",
        {"code": code, "found": found, "error": error},
        status=status,
    )
