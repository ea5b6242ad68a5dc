import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.calendar import VN_TZ, WorkingCalendar, add_working_days, working_days_between

pytestmark = pytest.mark.clock
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


@settings(max_examples=100, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=30))
def test_n_working_days_take_at_least_n_calendar_days(start, n):
    assert (CAL.add_working_days(start, n) - CAL.counting_day(start)).days >= n


# --- the clock's rules on instants (core/calendar.py's docstring) -------------------------

# A year with the government's swaps too: 2025 worked Saturday 26 April for Friday 2 May.
SWAPPED = WorkingCalendar(
    extra_days_off=frozenset({dt.date(2025, 5, 2)}),
    extra_working_days=frozenset({dt.date(2025, 4, 26)}),
)
instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2025, 12, 31, 23, 59)
).map(lambda t: t.replace(tzinfo=VN_TZ))
calendars = st.sampled_from([CAL, SWAPPED])


def at(day, hour, minute=0):
    return dt.datetime(*day, hour, minute, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    ("instant", "counts_as"),
    [
        (at((2026, 12, 2), 8), dt.date(2026, 12, 2)),  # Wednesday morning
        (at((2026, 12, 2), 16, 59), dt.date(2026, 12, 2)),
        (at((2026, 12, 2), 17, 1), dt.date(2026, 12, 3)),  # after the cut-off
        (at((2026, 12, 4), 17, 30), dt.date(2026, 12, 7)),  # Friday evening -> Monday
        (at((2026, 12, 5), 10), dt.date(2026, 12, 7)),  # Saturday
        (at((2026, 2, 16), 9), dt.date(2026, 2, 23)),  # first day of Tết
        (at((2026, 12, 31), 23, 59), dt.date(2027, 1, 4)),  # New Year's Day, then a weekend
    ],
)
def test_an_instant_counts_as_the_working_day_the_rules_say(instant, counts_as):
    assert CAL.counting_day(instant) == counts_as


def test_a_worked_saturday_counts_as_itself():
    assert SWAPPED.counting_day(at((2025, 4, 26), 10)) == dt.date(2025, 4, 26)
    assert SWAPPED.counting_day(at((2025, 5, 1), 18)) == dt.date(2025, 5, 5)


@pytest.mark.parametrize(
    ("asked", "answered", "days"),
    [
        (at((2026, 12, 4), 17, 30), at((2026, 12, 5), 10), 0),  # Friday night to Saturday
        (at((2026, 12, 2), 18, 30), at((2026, 12, 2), 18, 30), 0),  # the reported bug
        (at((2026, 12, 5), 18, 30), at((2026, 12, 5), 18, 45), 0),  # Saturday evening
        (at((2026, 12, 2), 10), at((2026, 12, 2), 16), 0),  # within one working day
        (at((2026, 12, 2), 10), at((2026, 12, 2), 17, 1), 1),  # answered after the cut-off
        (at((2026, 12, 2), 10), at((2026, 12, 3), 10), 1),
        (at((2026, 2, 13), 10), at((2026, 2, 23), 8), 1),  # over Tết: only Friday lost
        (at((2026, 12, 3), 10), at((2026, 12, 2), 10), 0),  # clocks disagree: never negative
    ],
)
def test_a_pause_lasts_the_working_days_the_rules_say(asked, answered, days):
    assert CAL.working_days_between(asked, answered) == days


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=instants, b=instants)
def test_a_pause_is_never_negative(cal, a, b):
    assert cal.working_days_between(a, b) >= 0


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=instants, n=st.integers(0, 40))
def test_pausing_and_resuming_at_once_changes_nothing(cal, a, n):
    due = cal.add_working_days(a, n)
    assert cal.working_days_between(a, a) == 0
    assert cal.add_working_days(due, cal.working_days_between(a, a)) == due


@settings(max_examples=300, deadline=None)
@given(cal=calendars, received=instants, n=st.integers(0, 40), a=instants, b=instants)
def test_a_pause_never_moves_the_deadline_earlier(cal, received, n, a, b):
    due = cal.add_working_days(received, n)
    asked, answered = min(a, b), max(a, b)
    assert cal.add_working_days(due, cal.working_days_between(asked, answered)) >= due


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_pauses_add_up(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    whole = cal.working_days_between(a, c)
    assert whole == cal.working_days_between(a, b) + cal.working_days_between(b, c)
    assert cal.add_working_days(a, whole) == cal.counting_day(c)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=instants)
def test_an_instant_counts_as_a_working_day_never_before_its_own(cal, a):
    day = cal.counting_day(a)
    assert cal.is_working_day(day)
    assert day >= a.date()
