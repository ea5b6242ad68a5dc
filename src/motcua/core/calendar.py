"""Working-day arithmetic for legal deadlines: the clock's rules, stated once.

Law: Decree 61/2018/NĐ-CP (art. 15, receipt of dossiers) as amended by Decree 107/2021/NĐ-CP
counts a procedure's time limit in working days from the day the dossier is received in full; a
dossier received online outside working hours, or on a day off, counts as received on
the next working day. Working days exclude Saturdays, Sundays and Vietnamese public holidays
(lunar ones and official substitutions included, from the `holidays` package), plus the days
off and worked Saturdays the government swaps each year (settings).

The rules, for any instant `t` (read in Vietnam time, Asia/Ho_Chi_Minh):
1. `counting_day(t)`: the working day `t` counts as. On a working day before the cut-off hour
   (17:00 by default), that day; at or after the cut-off (17:30 on a Friday), on a Saturday, a
   public holiday or any other day off, the next working day. A swapped (worked) Saturday is a
   working day like any other. A bare date counts as itself when it is a working day, else as
   the next one.
2. A deadline of `n` working days from `t` is `counting_day(t)` moved forward by `n` working
   days (`add_working_days`); `n` is never negative.
3. A pause (the dossier waits on the applicant's supplement; the wait is not counted) from `a`
   to `b` lasts `working_days_between(a, b)`: the working days from `counting_day(a)` up to,
   not including, `counting_day(b)`. It is never negative (a `b` before `a` counts 0). A pause
   that starts and ends at the same instant, within one day's working hours, or wholly outside
   working hours (Friday 17:30 to Sunday) lasts 0; one that ends after the cut-off loses the
   day it ended on. The deadline after a pause moves later by that many working days, never
   earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class WorkingCalendar:
    """A Vietnamese working calendar with this installation's overrides."""

    extra_days_off: frozenset[dt.date] = field(default_factory=frozenset)
    extra_working_days: frozenset[dt.date] = field(default_factory=frozenset)
    cutoff_hour: int = 17

    def __post_init__(self) -> None:
        if not 0 <= self.cutoff_hour <= 24:
            raise ValueError("cutoff_hour must be between 0 and 24")
        if self.extra_days_off & self.extra_working_days:
            raise ValueError("a date cannot be both an extra day off and an extra working day")

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return _vn_holidays(day.year).is_working_day(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def counting_day(self, instant: dt.date | dt.datetime) -> dt.date:
        """The working day an event at `instant` counts as (rule 1)."""
        if isinstance(instant, dt.datetime):
            local = instant.astimezone(VN_TZ) if instant.tzinfo else instant
            day = local.date()
            if local.hour >= self.cutoff_hour:
                return self.next_working_day(day)
        else:
            day = instant
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: dt.date | dt.datetime, n: int) -> dt.date:
        """The date `n` working days after the day `start` counts as (rule 2; n=0: that day)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = self.counting_day(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
        """Working days from `a`'s counting day up to `b`'s, that one excluded (rule 3); 0 when
        `b` counts no later than `a`. add_working_days(a, working_days_between(a, b)) ==
        counting_day(b) whenever b comes after a."""
        first, last = self.counting_day(a), self.counting_day(b)
        count = 0
        while first < last:
            count += 1
            first = self.next_working_day(first)
        return count

    def last_day_within(self, start: dt.date | dt.datetime, n: int) -> dt.date:
        """The last calendar day (a day off included) before the (n+1)-th working day after
        `start`'s counting day: an answer dated up to it came within `n` working days."""
        return self.add_working_days(start, n + 1) - dt.timedelta(days=1)


@cache
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def _parse_dates(values: list[str]) -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(v) for v in values)


def default_calendar() -> WorkingCalendar:
    """The calendar configured in settings.WORKING_CALENDAR."""
    from django.conf import settings

    conf: dict[str, Any] = settings.WORKING_CALENDAR
    return WorkingCalendar(
        extra_days_off=_parse_dates(conf.get("extra_days_off", [])),
        extra_working_days=_parse_dates(conf.get("extra_working_days", [])),
        cutoff_hour=int(conf.get("cutoff_hour", 17)),
    )


def add_working_days(start: dt.date | dt.datetime, n: int) -> dt.date:
    return default_calendar().add_working_days(start, n)


def working_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    return default_calendar().working_days_between(a, b)
