"""Log in and out of the portal through the identity provider (OpenID Connect)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from motcua.identity.oidc import ACR_PREFIX

from . import oidc


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


@never_cache
def login(request: HttpRequest) -> HttpResponse:
    """`?acr=2` asks the provider for assurance level 2 (step-up)."""
    acr = request.GET.get("acr", "")
    acr_values = f"{ACR_PREFIX}{acr}" if acr in {"1", "2"} else ""
    try:
        url = oidc.begin_login(
            request,
            _safe_next(request, request.GET.get("next")),
            oidc.portal_rp(),
            acr_values=acr_values,
        )
    except oidc.LoginError as exc:
        return render(request, "portal/login_error.html", {"error": exc.detail}, status=exc.status)
    return redirect(url)


@never_cache
def login_callback(request: HttpRequest) -> HttpResponse:
    try:
        next_url, claims = oidc.complete_login(request, oidc.portal_rp())
    except oidc.LoginError as exc:
        return render(request, "portal/login_error.html", {"error": exc.detail}, status=exc.status)
    request.session.pop(oidc.SESSION_ACTING, None)
    request.session[oidc.SESSION_CITIZEN] = claims
    return redirect(_safe_next(request, next_url))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Forget the person here, then ask the provider to end its session too."""
    id_token = request.session.get(oidc.SESSION_ID_TOKEN)
    request.session.flush()
    after = request.build_absolute_uri(reverse("portal:home"))
    return redirect(oidc.logout_url(request, id_token, after, oidc.portal_rp()) or after)
