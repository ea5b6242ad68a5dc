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


class RecentLoginRequired(StepUpRequired):
    """The operation (giving a mandate, acting by token exchange) needs a level-2 login made in
    the last few minutes, not an older session or token."""

    def __init__(self, level: int, minutes: int) -> None:
        super().__init__(level)
        self.detail = str(
            _(
                "Để bảo vệ bạn, chức năng này cần đăng nhập lại bằng tài khoản định danh điện tử "
                "mức độ %(level)s (lần đăng nhập gần nhất phải trong vòng %(minutes)s phút)."
            )
        ) % {"level": level, "minutes": minutes}
        self.args = (self.detail,)


class ActingRefused(DomainError):
    """Acting for that subject is not (or no longer) allowed: no relationship, mandate revoked
    or expired, child no longer a minor. Says nothing about the subject."""

    status = 403
    code = "acting-refused"
    title = "Không được thực hiện thay"


class InsufficientScope(DomainError):
    """The token lacks a scope the operation needs (RFC 6750 `insufficient_scope`): the person
    did not let this application see that part of their data."""

    status = 403
    code = "insufficient_scope"
    title = "Ứng dụng chưa được cấp quyền"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            str(
                _(
                    "Ứng dụng chưa được bạn cho phép truy cập phần dữ liệu này (phạm vi cần có: "
                    "%(scopes)s)."
                )
            )
            % {"scopes": ", ".join(missing)},
            scope=" ".join(missing),
        )
        self.missing = missing
