"""Subject identifiers: the 12-digit personal ID (số định danh cá nhân, Circular 59/2021/TT-BCA)
and the 10- or 13-digit enterprise code (mã số doanh nghiệp, which is also the tax code).

Pure functions, no database: they parse, validate and normalise; errors are `InvalidInput`
with a Vietnamese message."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput

Sex = Literal["male", "female"]

# Place-of-birth codes of Circular 59/2021/TT-BCA (Annex: codes of the 63 provinces before the
# 2025 merger). The 34 provinces since 2025 kept codes from this list, so IDs issued before
# and after the merger both start with one of these.
BIRTH_PROVINCE_CODES: frozenset[str] = frozenset(
    f"{n:03d}"
    for n in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35,
        36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68,
        70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )
)  # fmt: skip

_PERSONAL_ID = re.compile(r"[0-9]{12}")
_ENTERPRISE = re.compile(r"([0-9]{10})(?:-?([0-9]{3}))?")


@dataclass(frozen=True)
class PersonalId:
    """A parsed personal ID: where the person was born, the year and the sex it encodes."""

    value: str
    birth_province: str
    birth_year: int
    sex: Sex


def parse_personal_id(raw: str) -> PersonalId:
    """Parse a personal ID; the century-and-sex digit is 0/1 for the 20th century
    (male/female), 2/3 for the 21st, 4/5 for the 22nd, 6/7 for the 23rd, 8/9 for the 24th."""
    value = (raw or "").strip()
    if not _PERSONAL_ID.fullmatch(value):
        raise InvalidInput(_("Số định danh cá nhân phải gồm đúng 12 chữ số."), param="personal_id")
    province = value[:3]
    if province not in BIRTH_PROVINCE_CODES:
        raise InvalidInput(
            _("Ba chữ số đầu của số định danh không phải mã tỉnh nơi đăng ký khai sinh."),
            param="personal_id",
        )
    century_sex = int(value[3])
    year = 1900 + (century_sex // 2) * 100 + int(value[4:6])
    sex: Sex = "female" if century_sex % 2 else "male"
    return PersonalId(value=value, birth_province=province, birth_year=year, sex=sex)


def validate_personal_id(
    raw: str, *, birth_date: datetime.date | None = None, sex: Sex | None = None
) -> str:
    """Return the personal ID when its structure is valid and it agrees with the birth date
    and sex given (either may be unknown)."""
    parsed = parse_personal_id(raw)
    if birth_date is not None and birth_date.year != parsed.birth_year:
        raise InvalidInput(
            _("Năm sinh không khớp với số định danh cá nhân (mã số cho năm %(year)s).")
            % {"year": parsed.birth_year},
            param="birth_date",
        )
    if sex is not None and sex != parsed.sex:
        raise InvalidInput(_("Giới tính không khớp với số định danh cá nhân."), param="sex")
    return parsed.value


def normalise_enterprise_code(raw: str) -> str:
    """A 10-digit enterprise code, or a branch's 13 digits written `NNNNNNNNNN-NNN`."""
    value = (raw or "").strip()
    match = _ENTERPRISE.fullmatch(value)
    if not match:
        raise InvalidInput(
            _(
                "Mã số doanh nghiệp gồm 10 chữ số, "
                "hoặc 13 chữ số (dạng NNNNNNNNNN-NNN) cho chi nhánh."
            ),
            param="enterprise_code",
        )
    head, branch = match.groups()
    if branch is None:
        return head
    if branch == "000":
        raise InvalidInput(
            _("Ba chữ số cuối của mã chi nhánh phải từ 001 đến 999."), param="enterprise_code"
        )
    return f"{head}-{branch}"


def subject_kind(raw: str) -> Literal["person", "organisation"] | None:
    """Which kind of subject an identifier names by its shape alone, or None."""
    value = (raw or "").strip()
    if _PERSONAL_ID.fullmatch(value):
        return "person"
    if _ENTERPRISE.fullmatch(value):
        return "organisation"
    return None


def normalise_subject_id(raw: str) -> str:
    """The stored form of a login identifier (the account's username); unknown shapes are
    returned stripped so that a lookup simply finds nothing."""
    value = (raw or "").strip()
    if subject_kind(value) == "organisation":
        try:
            return normalise_enterprise_code(value)
        except InvalidInput:
            return value
    return value
