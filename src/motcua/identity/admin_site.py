"""The Django admin behind the identity provider's login: no password-only path. A staff
account gets in only with a session opened by the provider's login page (password and TOTP
code) at assurance level 2; the admin's own password form is replaced by a redirect there."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

ADMIN_LEVEL = 2


def session_acr() -> str:
    from .oidc import acr_for

    return acr_for(ADMIN_LEVEL)


class SecondFactorAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        from .views import SESSION_ACR

        return bool(
            super().has_permission(request) and request.session.get(SESSION_ACR) == session_acr()
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Send everyone to the provider's login page (password + TOTP), never check a
        password here."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('identity:login')}?{urlencode({'next': next_url})}")


class MotCuaAdminConfig(AdminConfig):
    default_site = "motcua.identity.admin_site.SecondFactorAdminSite"
