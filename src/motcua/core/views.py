"""Operational endpoints and the site-wide error pages."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .problems import problem_response, server_error_problem, too_large_problem


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def csp_nonce(request: HttpRequest) -> dict[str, object]:
    """Template context: the request's CSP nonce as `csp_nonce` (the name django-htmx's
    `htmx_script` reads), for the few inline elements a page may need."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return problem_response(
            request, 404, "not-found", "Không tìm thấy", "Không có địa chỉ này trong API."
        )
    return render(request, "errors/404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        if _is_api(request):
            return too_large_problem(request)
        return render(request, "errors/413.html", status=413)
    if _is_api(request):
        return problem_response(
            request, 400, "bad-request", "Yêu cầu không hợp lệ", "Yêu cầu không hợp lệ."
        )
    return render(request, "errors/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return server_error_problem(request)
    return render(request, "errors/500.html", status=500)
