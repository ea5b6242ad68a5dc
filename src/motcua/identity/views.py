"""The provider's own pages: login (ID + password + TOTP), the development "phone", and the
OpenID endpoints' small adjustments (login page, discovery metadata)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, cast
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import check_password
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as oauth2_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_access_token_model, get_application_model

from motcua.core.client_ip import client_ip
from motcua.core.errors import DomainError, NotFound

from . import services
from .forms import LoginForm
from .models import Account
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
                ip=client_ip(request),
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
    """The authorization endpoint, sending anonymous visitors to our login page. It honours
    `acr_values` (refusing level 2 to a level-1 account, with a page saying so), skips the
    consent screen for trusted clients (portal, back office) and for an external client the
    person has already consented to, and records the consent given on the screen."""

    login_url = reverse_lazy("identity:login")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = cast(Account, request.user)  # logged in: the view's login mixin saw to it
        wanted = acr_level(request.GET.get("acr_values", ""))
        if wanted and user.assurance_level < wanted:
            return render(
                request,
                "identity/acr_refused.html",
                {"wanted": wanted, "level": user.assurance_level},
                status=403,
            )
        if "approval_prompt" in request.GET:  # consent is decided here, not by the client
            query = request.GET.copy()
            query.pop("approval_prompt")
            request.GET = query  # type: ignore[assignment]
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError:
            return super().get(request, *args, **kwargs)  # the toolkit's error handling
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        if (
            not application.skip_authorization
            and "prompt" not in request.GET
            and services.has_client_consent(user, application, scopes)
        ):
            if isinstance(credentials.get("ui_locales"), list):
                credentials["ui_locales"] = " ".join(credentials["ui_locales"])
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                return self.error_response(error, application)
            return self.redirect(uri, application)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data.get("allow") and response.status_code in (301, 302):
            application = get_application_model().objects.get(
                client_id=form.cleaned_data["client_id"]
            )
            location = response.get("Location", "")
            if not application.skip_authorization and "code=" in location:
                services.record_client_consent(
                    self.request.user, application, form.cleaned_data["scope"].split()
                )
        return response


def acr_level(acr_values: str) -> int:
    """The highest MotCua level named in `acr_values` (0 when none)."""
    levels = [
        int(value[len(ACR_PREFIX) :])
        for value in acr_values.split()
        if value.startswith(ACR_PREFIX) and value[len(ACR_PREFIX) :].isdigit()
    ]
    return max(levels, default=0)


class TokenView(oauth2_views.TokenView):
    """The token endpoint, plus the token exchange grant (RFC 8693) for acting for someone:

        grant_type=urn:ietf:params:oauth:grant-type:token-exchange
        actor_token=<the person's access token>&actor_token_type=...:access_token
        requested_subject=<personal ID or enterprise code>&basis=parent|guardian|...
        [mandate=<id>]

    The client authenticates as for any grant and must be the client the actor token was
    issued to. The answer is a new access token whose `sub` is the subject and `act.sub` the
    actor (also given in the response body, since access tokens are opaque)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("grant_type") != services.TOKEN_EXCHANGE_GRANT:
            return super().post(request, *args, **kwargs)
        return token_exchange(request)


class DiscoveryView(oauth2_views.ConnectDiscoveryInfoView):
    """OpenID discovery metadata, stating what this provider really accepts."""

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["id_token_signing_alg_values_supported"] = ["RS256"]
        data["code_challenge_methods_supported"] = ["S256"]
        data["grant_types_supported"] = [
            "authorization_code",
            "refresh_token",
            services.TOKEN_EXCHANGE_GRANT,  # acting for someone else (README.md)
        ]
        data["acr_values_supported"] = [f"{ACR_PREFIX}1", f"{ACR_PREFIX}2"]
        data["ui_locales_supported"] = [code for code, _name in settings.LANGUAGES]
        patched = JsonResponse(data)
        patched["Access-Control-Allow-Origin"] = "*"
        return patched


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse(
        {"error": error, "error_description": description},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    return response


def _client_from_request(request: HttpRequest) -> Any:
    """The client authenticated by HTTP Basic or form credentials (RFC 6749 §2.3.1); a public
    client names itself with client_id only."""
    client_id = request.POST.get("client_id", "")
    secret = request.POST.get("client_secret", "")
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        raw_id, _colon, raw_secret = decoded.partition(":")
        client_id, secret = unquote(raw_id), unquote(raw_secret)
    if not client_id:
        return None
    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None:
        return None
    if application.client_type == application.CLIENT_PUBLIC:
        return application
    stored = application.client_secret or ""
    if not secret:
        return None
    ok = check_password(secret, stored) if application.hash_client_secret else secret == stored
    return application if ok else None


@csrf_exempt
@never_cache
def token_exchange(request: HttpRequest) -> HttpResponse:
    application = _client_from_request(request)
    if application is None:
        return _oauth_error("invalid_client", "Client authentication failed.", 401)
    if request.POST.get("actor_token_type", services.ACCESS_TOKEN_TYPE) != (
        services.ACCESS_TOKEN_TYPE
    ):
        return _oauth_error("invalid_request", "actor_token_type must be an access token.")
    raw = request.POST.get("actor_token", "")
    subject_id = request.POST.get("requested_subject", "").strip()
    basis = request.POST.get("basis", "").strip()
    mandate = request.POST.get("mandate", "").strip()
    if not raw or not subject_id or not basis or (mandate and not mandate.isdigit()):
        return _oauth_error(
            "invalid_request", "actor_token, requested_subject and basis are required."
        )
    import hashlib

    actor_token = (
        get_access_token_model()
        .objects.select_related("user", "application")
        .filter(token_checksum=hashlib.sha256(raw.encode()).hexdigest())
        .first()
    )
    if (
        actor_token is None
        or actor_token.user is None
        or actor_token.expires <= timezone.now()
        or actor_token.application_id != application.pk
    ):
        return _oauth_error("invalid_grant", "The actor token is invalid or expired.")
    try:
        issued = services.exchange_for_acting(
            actor_token, application, subject_id, basis, int(mandate) if mandate else None
        )
    except DomainError as exc:
        return _oauth_error("invalid_grant" if exc.status == 403 else "invalid_request", exc.detail)
    response = JsonResponse(
        {
            "access_token": issued.token,
            "issued_token_type": services.ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": issued.scope,
            "sub": issued.sub,
            "act": {"sub": issued.actor_sub},
        }
    )
    response["Cache-Control"] = "no-store"
    return response


class IntrospectView(oauth2_views.IntrospectTokenView):
    """RFC 7662 introspection for registered resource servers (settings.OIDC_RESOURCE_SERVERS);
    any other client may introspect only its own tokens (another's is `{"active": false}`).
    The answer says whom the token is about as the caller's `sub` (pairwise for a pairwise
    client), its `acr` and, for an acting-for token, the actor (`act`) — never the personal
    ID (`username`). An acting token whose basis no longer holds (revoked mandate, child of
    age) is inactive."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.answer(request, request.GET.get("token"))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.answer(request, request.POST.get("token"))

    def answer(self, request: HttpRequest, token_value: str | None) -> HttpResponse:
        response = oauth2_views.IntrospectTokenView.get_token_response(token_value)
        if token_value is None or response.status_code != 200:
            return response
        data = json.loads(response.content)
        data.pop("username", None)  # the personal ID: never to a relying party
        if not data.get("active"):
            return response
        caller = _introspecting_client(request)
        if caller is None:
            return JsonResponse({"active": False})
        if caller.client_id not in settings.OIDC_RESOURCE_SERVERS and (
            data.get("client_id") != caller.client_id
        ):
            return JsonResponse({"active": False})  # another client's token
        from .api_auth import context_for_token
        from .errors import ActingRefused
        from .oidc import subject_for_client

        try:
            context = context_for_token(token_value)
        except ActingRefused:
            context = None
        if context is None:
            return JsonResponse({"active": False})
        data.update(sub=subject_for_client(context.sub, caller), acr=f"{ACR_PREFIX}{context.level}")
        data["subject_kind"] = context.kind
        if context.acting:
            data["act"] = {"sub": subject_for_client(context.actor_sub, caller)}
        return JsonResponse(data)


def _introspecting_client(request: HttpRequest) -> Any:
    """The client calling the introspection endpoint: by its credentials, or by the bearer
    token (scope `introspection`) it presented; the toolkit has checked either already."""
    application = _client_from_request(request)
    if application is not None:
        return application
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    import hashlib

    token = (
        get_access_token_model()
        .objects.select_related("application")
        .filter(token_checksum=hashlib.sha256(value.strip().encode()).hexdigest())
        .first()
    )
    return token.application if token is not None else None
