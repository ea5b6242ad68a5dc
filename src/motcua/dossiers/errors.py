"""Errors of the dossier lifecycle; the API and pages map them through core.errors."""

from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class DossierNotFound(NotFound):
    code = "dossier-not-found"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "Thao tác không hợp lệ với trạng thái hồ sơ"


class DossierNotEditable(Conflict):
    code = "dossier-not-editable"
    title = "Hồ sơ không thể sửa"


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Khóa chống trùng đã dùng cho hồ sơ khác"


class PaymentRequired(Conflict):
    status = 402
    code = "payment-required"
    title = "Hồ sơ chưa nộp phí, lệ phí"


class MissingComponents(InvalidInput):
    code = "missing-components"
    title = "Thiếu thành phần hồ sơ"


class ComponentTakesNoFile(InvalidInput):
    code = "component-takes-no-file"
    title = "Thành phần này không nhận tệp"


class ConflictOfInterest(PermissionDenied):
    """The official is the applicant, a party or the person acting in the dossier."""

    code = "conflict-of-interest"
    title = "Xung đột lợi ích"
