"""Working-day arithmetic for legal deadlines (Decree 61/2018, 107/2021): weekends and
Vietnamese public holidays (lunar ones and official substitutions included, from the
`holidays` package), plus extra days off and working days configured in settings.

A receipt made on a day off, or after the daily cut-off hour, counts from the next working
day; the due date for `n` working days is that day moved forward by `n` working days."""

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

    def counting_start(self, start: dt.date | dt.datetime) -> dt.date:
        """The working day from which a period starting at `start` counts."""
        if isinstance(start, dt.datetime):
            local = start.astimezone(VN_TZ) if start.tzinfo else start
            day = local.date()
            if local.hour >= self.cutoff_hour:
                return self.next_working_day(day)
        else:
            day = start
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: dt.date | dt.datetime, n: int) -> dt.date:
        """The date `n` working days after the day `start` counts from (n=0: that day)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = self.counting_start(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
        """Working days after the day `a` counts from, up to and including `b`'s date;
        negative when `b` comes first. add_working_days(a, working_days_between(a, b)) == b
        for every working day b on or after a's counting day."""
        first = self.counting_start(a)
        last = b.astimezone(VN_TZ).date() if isinstance(b, dt.datetime) and b.tzinfo else b
        if isinstance(last, dt.datetime):
            last = last.date()
        if last < first:
            return -self._count(last, first)
        return self._count(first, last)

    def _count(self, first: dt.date, last: dt.date) -> int:
        """Working days in (first, last]."""
        count = 0
        day = first + dt.timedelta(days=1)
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += dt.timedelta(days=1)
        return count


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
