"""The officials' web session, shared by every page for officials (back office, official
documents, monitoring): the session key under which the back office's login keeps the
official's claims, and the decorator that sends a visitor without them to that login. It
lives in the ground layer so that no app's pages import the back office (`.importlinter`);
the login page is named by a setting, like Django's LOGIN_URL."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode

SESSION_OFFICIAL = "backoffice_official"


def login_redirect(request: HttpRequest) -> HttpResponse:
    """To the officials' login, back to this page afterwards."""
    login = resolve_url(settings.MOTCUA_OFFICIAL_LOGIN_URL)
    return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")


def official_required(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.session.get(SESSION_OFFICIAL):
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper
