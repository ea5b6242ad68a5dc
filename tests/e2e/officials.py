"""What the browser journeys of the back office share: officials appointed for a test, the
provider's login page, form groups by their legend."""

from __future__ import annotations

import re
from typing import Any

from motcua.identity.testing import PASSWORD, make_person, totp_now


def appoint(personal_id: str, name: str, agency: str, role: str) -> Any:
    """An account for `personal_id`, appointed official of `agency` in `role`."""
    from motcua.identity import services as identity

    account = make_person(personal_id, full_name=name)
    identity.appoint_official(personal_id=personal_id, agency_code=agency, roles=[role])
    return account


def log_in_at(page: Any, account: Any) -> None:
    """Fill the provider's login page the browser was sent to."""
    page.wait_for_url(re.compile(r"/dinh-danh/dang-nhap/"))
    page.get_by_label("Số định danh cá nhân hoặc mã số doanh nghiệp").fill(account.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(totp_now(account))
    page.get_by_role("button", name="Đăng nhập").click()


def group(page: Any, legend: str) -> Any:
    return page.get_by_role("group", name=legend, exact=True)
