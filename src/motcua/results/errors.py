"""Domain errors of the results app (Vietnamese messages, safe to show)."""

from __future__ import annotations

from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class CertificateRevoked(PermissionDenied):
    """The signer's certificate was revoked: nothing may be signed with it."""

    code = "certificate-revoked"
    title = "Chứng thư số đã bị thu hồi"


class SignerNotAllowed(PermissionDenied):
    code = "signer-not-allowed"
    title = "Người ký không hợp lệ"


class SigningFailed(DomainError):
    """The signing provider (local key store or remote service) could not sign."""

    status = 502
    code = "signing-failed"
    title = "Không ký số được"


class ResultNotFound(NotFound):
    code = "result-not-found"


class ResultNotIssuable(Conflict):
    code = "result-not-issuable"
    title = "Không thể cấp kết quả"
