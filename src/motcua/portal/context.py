"""Who a portal request is for: the logged-in person (from the ID token's claims kept in the
session) and, when they switched to acting for someone, that subject. The acting context's
basis is re-checked on every request by `ActingMiddleware`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from motcua.identity import services as identity
from motcua.identity.errors import ActingRefused, StepUpRequired
from motcua.identity.models import Account
from motcua.identity.oidc import ACR_PREFIX

from .oidc import SESSION_ACTING, SESSION_CITIZEN


@dataclass(frozen=True)
class PortalUser:
    account: Account
    claims: dict[str, Any]
    level: int
    subject_id: str  # whom the pages are about: self, or the subject acted for
    subject_name: str
    subject_kind: str
    acting_id: int | None = None
    basis: str = ""
    general_access: bool = True

    @property
    def acting(self) -> bool:
        return self.acting_id is not None

    @property
    def auth_time(self) -> dt.datetime | None:
        """When the person logged in at the provider (the ID token's `auth_time`)."""
        value = self.claims.get("auth_time")
        if not isinstance(value, int | float):
            return None
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)

    @property
    def actor(self) -> str:
        return self.account.username

    @property
    def acting_for(self) -> str:
        return self.subject_id if self.acting else ""


def _level(claims: dict[str, Any]) -> int:
    acr = str(claims.get("acr", ""))
    tail = acr[len(ACR_PREFIX) :] if acr.startswith(ACR_PREFIX) else ""
    return int(tail) if tail.isdigit() else 1


def portal_user(request: HttpRequest) -> PortalUser | None:
    cached = getattr(request, "_portal_user", None)
    if cached is not None:
        return cached
    claims = request.session.get(SESSION_CITIZEN)
    if not claims:
        return None
    account = identity.account_by_sub(str(claims.get("sub", "")))
    if account is None:
        return None
    acting = request.session.get(SESSION_ACTING) or {}
    user = PortalUser(
        account=account,
        claims=claims,
        level=_level(claims),
        subject_id=acting.get("subject_id") or account.username,
        subject_name=acting.get("name") or claims.get("name") or account.full_name,
        subject_kind=acting.get("kind") or account.kind,
        acting_id=acting.get("id"),
        basis=acting.get("basis", ""),
        general_access=acting.get("general", True),
    )
    request._portal_user = user  # type: ignore[attr-defined]
    return user


def citizen_required(view: Any) -> Any:
    """Send visitors who are not logged in to the login, and back here afterwards."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = portal_user(request)
        if user is None:
            login = reverse("portal:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        request.portal_user = user  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


class ActingMiddleware:
    """Re-checks the acting context on every request (a revoked mandate ends it at once) and
    turns StepUpRequired into a page offering to log in again at level 2."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        acting = request.session.get(SESSION_ACTING) if hasattr(request, "session") else None
        if acting:
            self._recheck(request, acting)
        return self.get_response(request)

    def _recheck(self, request: HttpRequest, acting: dict[str, Any]) -> None:
        claims = request.session.get(SESSION_CITIZEN) or {}
        account = identity.account_by_sub(str(claims.get("sub", "")))
        try:
            if account is None:
                raise ActingRefused("")
            identity.check_acting(identity.get_acting(int(acting["id"]), account))
        except ActingRefused:
            request.session.pop(SESSION_ACTING, None)
            request._portal_user = None  # type: ignore[attr-defined]
            messages.warning(
                request,
                _(
                    "Quyền thực hiện thay cho %(name)s không còn hiệu lực; "
                    "bạn đang làm việc với tư cách của chính mình."
                )
                % {"name": acting.get("name", "")},
            )

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if isinstance(exception, StepUpRequired) and not request.path.startswith("/api/"):
            return render(
                request,
                "portal/step_up.html",
                {
                    "level": exception.level,
                    "detail": exception.detail,
                    "next": request.get_full_path() if request.method == "GET" else "/",
                },
                status=403,
            )
        return None
