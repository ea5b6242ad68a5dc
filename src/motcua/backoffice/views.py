"""The officials' pages (hệ thống một cửa điện tử): log in through the identity provider with
the back office's client, and a placeholder dossier queue showing agency and roles."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.core import oidc_client
from motcua.identity.models import Official

from .oidc import SESSION_OFFICIAL, backoffice_rp

ROLE_NAMES = dict(Official.Role.choices)


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("backoffice:queue")


def official_required(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.session.get(SESSION_OFFICIAL):
            login = reverse("backoffice:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper


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


@official_required
def queue(request: HttpRequest) -> HttpResponse:
    """ "Hàng đợi hồ sơ": a placeholder until dossiers exist."""
    official = request.session[SESSION_OFFICIAL]
    roles = [ROLE_NAMES.get(r, r) for r in official.get("roles", [])]
    return render(request, "backoffice/queue.html", {"official": official, "roles": roles})
