from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    """Personal ID (or enterprise code), password and the 6-digit code from the authenticator."""

    identifier = forms.CharField(
        label=_("Số định danh cá nhân hoặc mã số doanh nghiệp"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "inputmode": "numeric", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Mã xác thực (6 chữ số)"),
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}
        ),
    )
