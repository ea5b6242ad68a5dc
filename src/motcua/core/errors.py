"""Domain errors. Services raise these; the API maps them once to RFC 9457 problems and the
pages to messages. The message is Vietnamese first (gettext), safe to show to the user."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    status = 400
    code = "domain-error"
    title = "Yêu cầu không hợp lệ"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    code = "invalid-input"
    title = "Dữ liệu không hợp lệ"


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Không tìm thấy"


class PermissionDenied(DomainError):
    status = 403
    code = "permission-denied"
    title = "Không có quyền"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Xung đột dữ liệu"
