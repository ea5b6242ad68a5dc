"""The provider's own pages: login (ID + password + TOTP), the development "phone", and the
OpenID endpoints' small adjustments (login page, discovery metadata)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as oauth2_views

from motcua.core.errors import DomainError, NotFound

from . import services
from .forms import LoginForm
from .oidc import ACR_PREFIX, acr_for

SESSION_ACR = "identity_acr"


@sensitive_post_parameters("password", "code")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    form = LoginForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account = services.authenticate(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except DomainError as exc:
            error, status = exc.detail, exc.status
        else:
            login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_ACR] = acr_for(account.assurance_level)
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "identity/login.html",
        {
            "form": form,
            "error": error,
            "next": next_url,
            "dev_phone": services.dev_tools_enabled(),
        },
        status=status,
    )


@never_cache
def phone_view(request: HttpRequest, identifier: str) -> HttpResponse:
    """A stand-in for the citizen's authenticator app, in development only (404 otherwise)."""
    if not services.dev_tools_enabled():
        raise Http404
    try:
        code = services.current_code(identifier)
    except NotFound:
        raise Http404 from None
    return render(request, "identity/phone.html", {"identifier": identifier, "code": code})


class AuthorizeView(oauth2_views.AuthorizationView):
    """The authorization endpoint, sending anonymous visitors to our login page."""

    login_url = reverse_lazy("identity:login")


class DiscoveryView(oauth2_views.ConnectDiscoveryInfoView):
    """OpenID discovery metadata, stating what this provider really accepts."""

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["id_token_signing_alg_values_supported"] = ["RS256"]
        data["code_challenge_methods_supported"] = ["S256"]
        data["grant_types_supported"] = ["authorization_code", "refresh_token"]
        data["acr_values_supported"] = [f"{ACR_PREFIX}1", f"{ACR_PREFIX}2"]
        data["ui_locales_supported"] = [code for code, _name in settings.LANGUAGES]
        patched = JsonResponse(data)
        patched["Access-Control-Allow-Origin"] = "*"
        return patched
