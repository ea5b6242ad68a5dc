"""Time and numbers as a Vietnamese reader expects them, the one place every page, PDF, e-mail
and SMS takes them from: instants in Vietnam time (Asia/Ho_Chi_Minh, UTC+7, whatever the
server's zone), dates as dd/mm/yyyy, thousands grouped with a dot ("37.695"), a decimal
comma ("1,5") and money as "8.000 đồng".

The API reads a date-time without an offset as Vietnam time (`VietnamDateTime`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator

from .calendar import VN_TZ

VIETNAM_TZ = VN_TZ
DATE = "%d/%m/%Y"
TIME = "%H:%M"
DATETIME = f"{TIME} {DATE}"  # "18:43 02/12/2026", as Vietnamese documents write it


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` in Vietnam time; a naive value is taken to be Vietnam time already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VIETNAM_TZ)
    return moment.astimezone(VIETNAM_TZ)


def format_datetime(moment: dt.datetime | None) -> str:
    """'18:43 02/12/2026' in Vietnam time; '' for None."""
    return local(moment).strftime(DATETIME) if moment is not None else ""


def format_date(day: dt.date | dt.datetime | None) -> str:
    """'02/12/2026'; an instant is first brought to Vietnam time (its Vietnamese date)."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = local(day).date()
    return day.strftime(DATE)


def format_number(value: int | float | Decimal | str | None, decimals: int | None = None) -> str:
    """'37.695', '1.234,5': dot between thousands, comma before decimals (vi-VN)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except ArithmeticError:  # not a number (decimal.InvalidOperation): shown as it is
        return str(value)
    if not number.is_finite():
        return str(value)
    trim = decimals is None  # as many decimals as needed, up to two
    text = f"{number:,.{2 if trim else decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_money(amount: int | Decimal | None) -> str:
    """'8.000 đồng' (Vietnamese đồng have no subunit)."""
    return f"{format_number(int(amount or 0))} đồng"


def format_bytes(size: int | None) -> str:
    """'37.695 byte': the exact size, grouped as Vietnamese numbers are."""
    return f"{format_number(int(size or 0))} byte"


def _in_vietnam(value: dt.datetime) -> dt.datetime:
    """A date-time the API received: without an offset it is Vietnam time; an instant the
    database cannot store (beyond year 9999 in UTC) is a validation error, not a crash."""
    try:
        moment = local(value)
        moment.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(_("Ngày giờ nằm ngoài phạm vi cho phép.")) from exc
    return moment


VietnamDateTime = Annotated[dt.datetime, AfterValidator(_in_vietnam)]
"""The type of every date-time field the API accepts (see `motcua.core.formats`)."""
