"""The logged-in person's pages: acting for someone else and mandates, the e-wallet, the
inbox, "my data" (who read what about me; consents for sensitive data) and the applications
they allowed to use their identity. Thin: each calls one service."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.exchange import selectors as exchange_selectors
from motcua.exchange import services as exchange
from motcua.identity import services as identity
from motcua.identity.errors import ActingRefused
from motcua.identity.models import Acting
from motcua.wallet import selectors as wallet_selectors
from motcua.wallet import services as wallet

from .context import PortalUser, citizen_required
from .oidc import SESSION_ACTING


def _user(request: HttpRequest) -> PortalUser:
    return request.portal_user  # type: ignore[attr-defined]


def _general(user: PortalUser) -> None:
    if not user.general_access:
        raise Http404  # a procedure-limited mandate does not open the wallet or inbox


BASIS_NAMES = dict(Acting.Basis.choices)


# --- acting for someone else -----------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def acting(request: HttpRequest) -> HttpResponse:
    """ "Thực hiện thay": pick whom to act for, or go back to acting for oneself."""
    user = _user(request)
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            _stop(request, user)
            return redirect("portal:acting")
        mandate = request.POST.get("mandate", "")
        try:
            started = identity.start_acting_for(
                user.account,
                request.POST.get("subject_id", ""),
                request.POST.get("basis", ""),
                level=user.level,
                mandate_id=int(mandate) if mandate.isdigit() else None,
            )  # StepUpRequired goes on to the middleware's step-up page
        except (ActingRefused, InvalidInput) as exc:
            context = {"options": [], "basis_names": BASIS_NAMES, "user": user}
            return render(
                request, "portal/acting.html", {**context, "error": exc.detail}, status=exc.status
            )
        request.session[SESSION_ACTING] = {
            "id": started.pk,
            "subject_id": started.subject.username,
            "name": started.subject.full_name,
            "kind": started.subject.kind,
            "basis": started.basis,
            "general": started.mandate is None or "*" in started.mandate.scope,
            "scope": list(started.mandate.scope) if started.mandate else [],
        }
        messages.success(
            request,
            _("Bạn đang thực hiện thay cho %(name)s.") % {"name": started.subject.full_name},
        )
        return redirect("portal:wallet")
    options = identity.acting_options(user.account) if not user.acting else []
    return render(
        request,
        "portal/acting.html",
        {"options": options, "basis_names": BASIS_NAMES, "user": user},
    )


def _stop(request: HttpRequest, user: PortalUser) -> None:
    if user.acting_id:
        with contextlib.suppress(DomainError):
            identity.stop_acting(identity.get_acting(user.acting_id, user.account))
    request.session.pop(SESSION_ACTING, None)


@citizen_required
@require_http_methods(["GET", "POST"])
def mandates(request: HttpRequest) -> HttpResponse:
    """ "Ủy quyền": mandates I gave (revocable) and received; give a new one."""
    user = _user(request)
    error = None
    status = 200
    if request.method == "POST" and not user.acting:
        try:
            until = dt.date.fromisoformat(request.POST.get("valid_until", ""))
        except ValueError:
            error, status = _("Ngày hết hiệu lực không hợp lệ."), 400
        else:
            try:
                identity.create_mandate(
                    user.account,
                    request.POST.get("grantee", ""),
                    request.POST.get("scope", "").replace(",", " ").split(),
                    timezone.make_aware(dt.datetime.combine(until, dt.time(23, 59, 59))),
                    level=user.level,
                    auth_time=user.auth_time,
                )
            except DomainError as exc:
                error, status = exc.detail, exc.status
            else:
                messages.success(request, _("Đã ghi nhận ủy quyền."))
                return redirect("portal:mandates")
    return render(
        request,
        "portal/mandates.html",
        {
            "given": identity.mandates_given(user.account),
            "received": identity.live_mandates_received(user.account),
            "error": error,
            "now": timezone.now(),
            "user": user,
        },
        status=status,
    )


@citizen_required
@require_POST
def revoke_mandate(request: HttpRequest, mandate_id: int) -> HttpResponse:
    try:
        identity.revoke_mandate(_user(request).account, mandate_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Đã thu hồi ủy quyền; ủy quyền hết hiệu lực ngay."))
    return redirect("portal:mandates")


# --- e-wallet and inbox ----------------------------------------------------------------------


@citizen_required
def wallet_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _general(user)
    documents = wallet_selectors.documents_of(user.subject_id)
    return render(request, "portal/wallet.html", {"documents": documents, "user": user})


@citizen_required
def wallet_download(request: HttpRequest, document_id: str) -> HttpResponse:
    user = _user(request)
    _general(user)
    try:
        document, content = wallet.open_document(
            user.subject_id, document_id, actor=user.actor, acting_for=user.acting_for
        )
    except NotFound:
        raise Http404 from None
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _general(user)
    unread_only = request.GET.get("chua-doc") == "1"
    items = list(wallet_selectors.messages_of(user.subject_id, unread_only=unread_only)[:100])
    return render(
        request,
        "portal/inbox.html",
        {
            "items": items,
            "unread_only": unread_only,
            "unread": wallet_selectors.unread_count(user.subject_id),
            "user": user,
        },
    )


@citizen_required
@require_POST
def inbox_read(request: HttpRequest, message_id: str) -> HttpResponse:
    user = _user(request)
    _general(user)
    try:
        wallet.mark_read(user.subject_id, message_id, actor=user.actor, acting_for=user.acting_for)
    except NotFound:
        raise Http404 from None
    return redirect("portal:inbox")


# --- my data: who read what about me; consents for sensitive services ------------------------


def _personal_id(user: PortalUser) -> str:
    if user.subject_kind != "person":
        raise Http404
    return user.subject_id


@citizen_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _general(user)
    pid = _personal_id(user)
    error = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                exchange.revoke_consent(pid, int(request.POST.get("consent", "0") or 0))
                messages.success(request, _("Đã rút lại sự đồng ý."))
            else:
                exchange.grant_consent(
                    pid,
                    request.POST.get("purpose", "").strip(),
                    service=request.POST.get("service") or None,
                )
                messages.success(request, _("Đã ghi nhận sự đồng ý."))
            return redirect("portal:my-data")
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "detail", _("Dữ liệu không hợp lệ."))
            status = getattr(exc, "status", 400)
    try:
        page = max(1, int(request.GET.get("trang", "1")))
    except ValueError:
        page = 1
    total, rows = exchange_selectors.access_history(pid, 50, (page - 1) * 50)
    context: dict[str, Any] = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // 50)),
        "consents": list(exchange_selectors.consents_of(pid)),
        "error": error,
        "user": user,
    }
    return render(request, "portal/my_data.html", context, status=status)


# --- applications allowed to use my identity -------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def applications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        consent = request.POST.get("consent", "")
        try:
            identity.revoke_client_consent(user.account, int(consent) if consent.isdigit() else 0)
        except NotFound:
            raise Http404 from None
        messages.success(request, _("Đã thu hồi quyền của ứng dụng."))
        return redirect("portal:applications")
    return render(
        request,
        "portal/applications.html",
        {"consents": identity.client_consents(user.account), "user": user},
    )
