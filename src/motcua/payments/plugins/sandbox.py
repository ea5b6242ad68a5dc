"""The sandbox provider: a fake bank for development and tests. Its page shows the amount and
three buttons (pay, fail, cancel); pressing one makes the sandbox send the app a callback
signed with HMAC-SHA256, through the same verification and service as the HTTP endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from motcua.core import site
from motcua.core.errors import DomainError
from motcua.payments.models import Payment

from . import OUTCOMES, CallbackData, CallbackRefused, register

SIGNATURE_HEADER = "X-Sandbox-Signature"
_MAX_ID = 64


def secret() -> bytes:
    """PAYMENTS_SANDBOX_SECRET, else a key derived from SECRET_KEY (never SECRET_KEY itself)."""
    configured = getattr(settings, "PAYMENTS_SANDBOX_SECRET", "")
    if configured:
        return str(configured).encode()
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("Set PAYMENTS_SANDBOX_SECRET or SECRET_KEY.")
    return hmac.new(
        settings.SECRET_KEY.encode(), b"motcua.payments.sandbox", hashlib.sha256
    ).digest()


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(secret(), body, hashlib.sha256).hexdigest()


class SandboxProvider:
    id = "sandbox"
    name = "Ngân hàng thử nghiệm (sandbox)"
    test_only = True  # anyone may press "pay": never the configured provider in production

    def start(self, payment: Payment, return_url: str) -> str:
        return reverse("payments:sandbox-page", args=[payment.provider_ref])

    def parse_callback(self, request: HttpRequest) -> CallbackData:
        return self.parse_signed(request.body, request.headers.get(SIGNATURE_HEADER, ""))

    def signed_callback(self, payment: Payment, outcome: str) -> tuple[bytes, str]:
        """The body and signature the fake bank sends when the payer presses a button."""
        body = json.dumps(
            {
                "callback_id": uuid.uuid4().hex,
                "provider_ref": payment.provider_ref,
                "outcome": outcome,
                "amount": payment.amount,
                "sent_at": timezone.now().isoformat(),
            },
            separators=(",", ":"),
        ).encode()
        return body, sign(body)

    def parse_signed(self, body: bytes, signature: str) -> CallbackData:
        if not signature or not constant_time_compare(sign(body), signature):
            raise CallbackRefused(_("Chữ ký của thông báo thanh toán không hợp lệ."))
        try:
            raw: Any = json.loads(body)
        except ValueError:
            raise CallbackRefused(_("Nội dung thông báo thanh toán không đọc được.")) from None
        if not isinstance(raw, dict):
            raise CallbackRefused(_("Nội dung thông báo thanh toán không đọc được."))
        callback_id, ref = raw.get("callback_id"), raw.get("provider_ref")
        outcome, amount = raw.get("outcome"), raw.get("amount")
        if not (
            isinstance(callback_id, str)
            and 0 < len(callback_id) <= _MAX_ID
            and isinstance(ref, str)
            and 0 < len(ref) <= _MAX_ID
            and outcome in OUTCOMES
            and isinstance(amount, int)
            and not isinstance(amount, bool)
        ):
            raise CallbackRefused(_("Thông báo thanh toán thiếu hoặc sai thông tin."))
        return CallbackData(
            callback_id=callback_id, provider_ref=ref, outcome=outcome, raw=raw, amount=amount
        )

    @property
    def urlpatterns(self) -> list[URLPattern]:
        return [path("<slug:provider_ref>/", bank_page, name="sandbox-page")]


provider = SandboxProvider()
register(provider)


# --- the fake bank's page --------------------------------------------------------------------

BUTTON_MESSAGES = {
    "paid": gettext_lazy("Ngân hàng thử nghiệm: đã thanh toán."),
    "failed": gettext_lazy("Ngân hàng thử nghiệm: giao dịch không thành công."),
    "cancelled": gettext_lazy("Ngân hàng thử nghiệm: bạn đã hủy giao dịch."),
}


@require_http_methods(["GET", "POST"])
def bank_page(request: HttpRequest, provider_ref: str) -> HttpResponse:
    """GET shows what is being paid; POST (a button) sends the signed callback and returns the
    browser to the payment's return URL."""
    from motcua.payments import services  # the services import this package's registry

    payment = Payment.objects.filter(provider=provider.id, provider_ref=provider_ref).first()
    if payment is None:
        raise Http404
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        if outcome not in OUTCOMES:
            return _page(request, payment, error=_("Vui lòng chọn một thao tác."), status=400)
        if payment.is_pending:
            body, signature = provider.signed_callback(payment, outcome)
            try:
                payment = services.handle_callback(
                    provider.id, provider.parse_signed(body, signature)
                )
            except DomainError as exc:
                return _page(request, payment, error=exc.detail, status=exc.status)
            messages.info(request, str(BUTTON_MESSAGES[outcome]), fail_silently=True)
        return _back(payment)
    return _page(request, payment)


def _page(
    request: HttpRequest, payment: Payment, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "payments/sandbox.html",
        {"payment": payment, "error": error, "provider_name": provider.name},
        status=status,
    )


def _back(payment: Payment) -> HttpResponse:
    url = payment.return_url
    if not site.is_own_url(url):
        url = "/"
    return HttpResponseRedirect(url)
