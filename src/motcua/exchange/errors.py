"""Why the exchange refused a call. Each is logged, and none returns data."""

from __future__ import annotations

from motcua.core.errors import DomainError, NotFound, PermissionDenied


class AccessDenied(PermissionDenied):
    """A call refused by policy; `reason` is no-grant, wrong-purpose or no-consent."""

    code = "access-denied"
    title = "Không được phép khai thác dữ liệu"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason
        # The problem type names the reason: urn:motcua:problem:no-consent, ...
        self.code = reason


class UnknownService(NotFound):
    code = "unknown-service"


class SubjectNotFound(NotFound):
    code = "subject-not-found"
    title = "Không tìm thấy chủ thể dữ liệu"


class ClientAuthenticationFailed(DomainError):
    """The client assertion is missing, forged, expired, replayed or names another audience."""

    status = 401
    code = "invalid-client"
    title = "Xác thực đơn vị khai thác không thành công"
