"""The officials' pages (hệ thống một cửa điện tử): log in through the identity provider with
the back office's client, the work queue and a dossier's page with its step's actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core import oidc_client
from motcua.core.errors import DomainError, NotFound
from motcua.core.officials import official_required
from motcua.dossiers import services as dossiers
from motcua.eforms import services as eforms
from motcua.identity.models import Official

from .oidc import SESSION_OFFICIAL, backoffice_rp

ROLE_NAMES = dict(Official.Role.choices)
QUEUE_PAGE = 50  # tasks per page of the queue


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("backoffice:queue")


@never_cache
def login(request: HttpRequest) -> HttpResponse:
    try:
        url = oidc_client.begin_login(
            request, _safe_next(request, request.GET.get("next")), backoffice_rp()
        )
    except oidc_client.LoginError as exc:
        return render(request, "backoffice/refused.html", {"error": exc.detail}, status=exc.status)
    return redirect(url)


@never_cache
def login_callback(request: HttpRequest) -> HttpResponse:
    try:
        next_url, claims = oidc_client.complete_login(request, backoffice_rp())
    except oidc_client.LoginError as exc:
        return render(request, "backoffice/refused.html", {"error": exc.detail}, status=exc.status)
    if not claims.get("agency_code") or not claims.get("roles"):
        request.session.flush()
        return render(
            request,
            "backoffice/refused.html",
            {"error": _("Tài khoản này không phải tài khoản cán bộ, công chức.")},
            status=403,
        )
    request.session[SESSION_OFFICIAL] = claims
    return redirect(_safe_next(request, next_url))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    rp = backoffice_rp()
    id_token = request.session.get(rp.session_id_token)
    request.session.flush()
    after = request.build_absolute_uri(reverse("backoffice:queue"))
    return redirect(oidc_client.logout_url(request, id_token, after, rp) or after)


def _workflow() -> Any:
    from motcua.workflow import services

    return services


def _ref(request: HttpRequest) -> Any:
    workflow = _workflow()
    claims = request.session[SESSION_OFFICIAL]
    return workflow.official_ref(str(claims.get("personal_id") or ""))


@official_required
def queue(request: HttpRequest) -> HttpResponse:
    """Hàng đợi hồ sơ: my tasks (and my roles' unclaimed ones) or the unit's, by due date."""
    official = request.session[SESSION_OFFICIAL]
    roles = [ROLE_NAMES.get(r, r) for r in official.get("roles", [])]
    workflow = _workflow()
    scope = "unit" if request.GET.get("pham-vi") == "don-vi" else "mine"
    try:
        page = max(1, int(request.GET.get("trang", "1")))
    except ValueError:
        page = 1
    error, total = "", 0
    try:
        total, tasks = workflow.queue_page(
            _ref(request), scope=scope, limit=QUEUE_PAGE, offset=(page - 1) * QUEUE_PAGE
        )
    except DomainError as exc:
        tasks, error = [], exc.detail
    return render(
        request,
        "backoffice/queue.html",
        {
            "official": official,
            "roles": roles,
            "tasks": tasks,
            "scope": scope,
            "error": error,
            "total": total,
            "page_number": page,
            "pages": max(1, -(-total // QUEUE_PAGE)),
            "scope_query": "pham-vi=don-vi&" if scope == "unit" else "",
        },
    )


@official_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, code: str) -> HttpResponse:
    """One dossier: form data with registry sources, files, history, and the step's actions."""
    official = _ref(request)
    workflow = _workflow()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "claim":
                workflow.claim(official, request.POST.get("task", ""))
            else:
                workflow.act(official, code, action, reason=request.POST.get("reason", ""))
            messages.success(request, _("Đã thực hiện."))
            return redirect("backoffice:case", code=code)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", _("Thao tác không hợp lệ.")))
            status = 400
    try:
        found = workflow.case(official, code)
    except NotFound:
        raise Http404(code) from None
    prefill = eforms.Prefill.from_json(found.dossier.prefill or {})
    return render(
        request,
        "backoffice/case.html",
        {
            "case": found,
            "d": found.dossier,
            "sources": prefill.values,
            "timeline": dossiers.timeline(found.dossier),
            "files": list(found.dossier.files.all()),
            "records": list(found.dossier.records.all()),
            "needs_reason": NEEDS_REASON,
        },
        status=status,
    )


NEEDS_REASON = {"refuse", "request_supplement", "return_for_rework"}
