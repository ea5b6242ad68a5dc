"""The provider callback endpoint (server to server): verify, apply, answer. Thin: the
provider's plugin verifies the signature, `services.handle_callback` does the rest."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua.core.errors import DomainError
from motcua.core.problems import problem_response

from . import plugins, services


@csrf_exempt  # the caller is the provider, not a browser: its signature is checked instead
@require_POST
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """200 when the callback is applied or was already applied; a problem (400, 404) when
    its signature or content does not verify, in which case nothing changes."""
    try:
        plugin = plugins.get(provider)
        data = plugin.parse_callback(request)
        payment = services.handle_callback(plugin.id, data)
    except DomainError as exc:
        return problem_response(request, exc.status, exc.code, exc.title, exc.detail, **exc.extra)
    return JsonResponse({"status": "ok", "payment_status": payment.status})
