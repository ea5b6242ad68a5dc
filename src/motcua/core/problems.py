"""RFC 9457 problem details: the one place where errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Schema

CONTENT_TYPE = "application/problem+json"


class Problem(Schema):
    """An RFC 9457 problem: what went wrong, in Vietnamese, safe to show to the user."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    param: str | None = None


def problem_response(
    request: HttpRequest | None,
    status: int,
    code: str,
    title: str,
    detail: str,
    **extra: Any,
) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"urn:motcua:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JsonResponse(
        body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def server_error_problem(request: HttpRequest | None) -> JsonResponse:
    """The one answer to an unexpected error: no details leak; the error is logged."""
    return problem_response(
        request,
        500,
        "server-error",
        "Lỗi hệ thống",
        "Đã có lỗi ngoài dự kiến; lỗi đã được ghi lại.",
    )


def too_large_problem(request: HttpRequest | None) -> JsonResponse:
    """413: the request body is over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's RequestDataTooBig)."""
    from django.utils.translation import gettext as _

    return problem_response(
        request,
        413,
        "request-too-large",
        _("Yêu cầu quá lớn"),
        _("Nội dung yêu cầu vượt quá giới hạn cho phép."),
    )


ERRORS = {400: Problem, 404: Problem}
