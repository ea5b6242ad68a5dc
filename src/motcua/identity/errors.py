"""Domain errors of the identity provider; messages are safe to show and never say whether an
identifier exists."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError


class LoginFailed(DomainError):
    status = 401
    code = "login-failed"
    title = "Đăng nhập không thành công"

    def __init__(self) -> None:
        super().__init__(
            str(
                _(
                    "Số định danh, mật khẩu hoặc mã xác thực không đúng. "
                    "Vui lòng kiểm tra và thử lại."
                )
            )
        )


class LoginLocked(DomainError):
    status = 429
    code = "login-locked"
    title = "Tạm khóa đăng nhập"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            str(
                _(
                    "Bạn đã nhập sai quá nhiều lần. Việc đăng nhập bằng số định danh này "
                    "tạm khóa %(minutes)s phút."
                )
            )
            % {"minutes": minutes}
        )


class LoginThrottled(DomainError):
    status = 429
    code = "login-throttled"
    title = "Quá nhiều lần thử"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            str(
                _(
                    "Có quá nhiều lần đăng nhập sai từ thiết bị hoặc mạng này. "
                    "Vui lòng thử lại sau %(minutes)s phút."
                )
            )
            % {"minutes": minutes}
        )


class StepUpRequired(DomainError):
    """The request needs a higher assurance level than the session has (bước nâng mức)."""

    status = 403
    code = "step-up-required"
    title = "Cần định danh mức độ cao hơn"

    def __init__(self, level: int) -> None:
        super().__init__(
            str(
                _(
                    "Chức năng này yêu cầu tài khoản định danh điện tử mức độ %(level)s. "
                    "Vui lòng đăng nhập lại bằng tài khoản mức độ %(level)s."
                )
            )
            % {"level": level},
            acr_values=f"urn:motcua:loa:{level}",
        )
        self.level = level


class ActingRefused(DomainError):
    """Acting for that subject is not (or no longer) allowed: no relationship, mandate revoked
    or expired, child no longer a minor. Says nothing about the subject."""

    status = 403
    code = "acting-refused"
    title = "Không được thực hiện thay"
