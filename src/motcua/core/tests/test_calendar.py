import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.calendar import VN_TZ, WorkingCalendar, add_working_days, working_days_between

CAL = WorkingCalendar()
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


def test_lunar_new_year_2026_is_skipped():
    # Friday 13 Feb 2026; Tết holidays Mon 16 - Fri 20 Feb; next working day Mon 23 Feb.
    assert CAL.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 23)


def test_hung_kings_day_substitution_is_a_day_off():
    # Hung Kings' day 2026 falls on Sunday 26 April; Monday 27 is the day off in lieu.
    assert not CAL.is_working_day(dt.date(2026, 4, 27))
    assert CAL.add_working_days(dt.date(2026, 4, 24), 1) == dt.date(2026, 4, 28)


def test_swapped_saturday_is_a_working_day():
    # 2025: Friday 2 May off, Saturday 26 April worked instead.
    assert CAL.is_working_day(dt.date(2025, 4, 26))
    assert not CAL.is_working_day(dt.date(2025, 5, 2))


def test_receipt_after_cutoff_counts_from_next_working_day():
    before = dt.datetime(2026, 11, 23, 16, 59, tzinfo=VN_TZ)  # Monday
    after = dt.datetime(2026, 11, 23, 17, 0, tzinfo=VN_TZ)
    assert CAL.add_working_days(before, 0) == dt.date(2026, 11, 23)
    # 24 Nov 2026 is Vietnam Cultural Day (a holiday), so counting starts on the 25th.
    assert CAL.add_working_days(after, 0) == dt.date(2026, 11, 25)
    assert CAL.add_working_days(after, 3) == dt.date(2026, 11, 30)


def test_cutoff_uses_vietnam_time_for_utc_datetimes():
    # 10:30 UTC is 17:30 in Hà Nội: after the cut-off.
    received = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)  # Friday
    assert CAL.add_working_days(received, 0) == dt.date(2026, 11, 23)


def test_configured_extra_day_off_and_working_saturday():
    cal = WorkingCalendar(
        extra_days_off=frozenset({dt.date(2026, 12, 1)}),
        extra_working_days=frozenset({dt.date(2026, 12, 5)}),
    )
    assert cal.add_working_days(dt.date(2026, 11, 30), 1) == dt.date(2026, 12, 2)
    assert cal.add_working_days(dt.date(2026, 12, 4), 1) == dt.date(2026, 12, 5)


def test_settings_configure_the_default_calendar(settings):
    settings.WORKING_CALENDAR = {
        "extra_days_off": ["2026-12-01"],
        "extra_working_days": [],
        "cutoff_hour": 12,
    }
    assert add_working_days(dt.date(2026, 11, 30), 1) == dt.date(2026, 12, 2)
    noon = dt.datetime(2026, 11, 30, 12, 30, tzinfo=VN_TZ)
    assert working_days_between(noon, dt.date(2026, 12, 2)) == 0


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError):
        WorkingCalendar(
            extra_days_off=frozenset({dt.date(2026, 1, 3)}),
            extra_working_days=frozenset({dt.date(2026, 1, 3)}),
        )
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.date(2026, 1, 5), -1)


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=60))
def test_due_date_is_a_working_day_and_round_trips(start, n):
    due = CAL.add_working_days(start, n)
    assert CAL.is_working_day(due)
    assert due >= start
    assert CAL.working_days_between(start, due) == n


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=40), m=st.integers(0, 40))
def test_adding_is_additive(start, n, m):
    assert CAL.add_working_days(CAL.add_working_days(start, n), m) == CAL.add_working_days(
        start, n + m
    )


@settings(max_examples=200, deadline=None)
@given(a=dates, b=dates)
def test_between_is_antisymmetric_on_working_days(a, b):
    a, b = CAL.counting_start(a), CAL.counting_start(b)
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)


@settings(max_examples=100, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=30))
def test_n_working_days_take_at_least_n_calendar_days(start, n):
    assert (CAL.add_working_days(start, n) - CAL.counting_start(start)).days >= n
