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
