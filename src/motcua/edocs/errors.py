"""Domain errors of the edocs app (Vietnamese messages, safe to show)."""

from __future__ import annotations

from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class PackageRefused(DomainError):
    """A package failed verification; `errors` name each file or check that failed."""

    status = 422
    code = "package-refused"
    title = "Gói văn bản bị từ chối"


class NotARecipient(PermissionDenied):
    code = "not-a-recipient"
    title = "Không phải nơi nhận"


class DocumentNotFound(NotFound):
    code = "document-not-found"
    title = "Không tìm thấy văn bản"


class WrongState(Conflict):
    code = "wrong-state"
    title = "Thao tác không phù hợp với trạng thái"


class NoAgencyKey(DomainError):
    status = 409
    code = "no-agency-key"
    title = "Cơ quan chưa có khóa"


class NotTheSigner(PermissionDenied):
    """A signature is its signer's own act: nobody signs in another official's name."""

    code = "not-the-signer"
    title = "Không phải người ký"
