"""The counting rules that Python decides, for the counting SQL (`counting.py`): which
history rows count, a receiving agency's province and commune, a procedure version's sector
and online level, and the last day an answer to a submission is still timely (the working
calendar, lunar holidays included). Each is handed to the SQL as a small temporary table
built from the distinct values the counted dossiers have, so codes and calendars are read
one way only, whether the job counts a batch or the whole history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from motcua.core.calendar import VN_TZ, default_calendar

from . import sources

PAYMENT_PLATFORM = "system:payments"
ANSWERS = sources.ANSWERS
# History actions counted whatever the status before them (a submission counts from a
# draft only, a withdrawal from anything but a draft).
COUNTED_ACTIONS = (
    "received",
    "refused",
    "supplement_requested",
    "result_ready",
    "returned",
    "paid",
)
TABLES = ("mon_units", "mon_versions", "mon_timely")


def unit_of(agency_code: str) -> tuple[str, str]:
    """(province, commune) of an agency code `PP.kind` or `PP.CCCCC.kind`."""
    parts = agency_code.split(".")
    province = parts[0] if len(parts[0]) == 2 and parts[0].isdigit() else ""
    commune = parts[1] if len(parts) == 3 and len(parts[1]) == 5 else ""
    return province, commune


@lru_cache(maxsize=65536)
def last_timely_day(day: dt.date, after_cutoff: bool) -> dt.date:
    """The last day (a day off included) on which an answer to a submission made on `day`
    (after the cut-off hour or not) is timely: within one working day of its counting day."""
    start = dt.datetime.combine(day, dt.time(23 if after_cutoff else 0), tzinfo=VN_TZ)
    return default_calendar().last_day_within(start, 1)


def as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def build(
    cursor: Any, dossiers: str, local_day: Callable[[str], str], local_hour: Callable[[str], str]
) -> None:
    """Create `mon_units` (receiving unit → province, commune), `mon_versions` (procedure
    code, version → sector, level) and `mon_timely` (local day and hour of a submission →
    last timely answer day) for the dossiers `dossiers` selects (`FROM` clause, alias d);
    `local_day` and `local_hour` turn a column into its Vietnam day and hour in SQL."""
    cutoff = default_calendar().cutoff_hour
    cursor.execute("CREATE TEMP TABLE mon_units (receiving_unit text, province text, commune text)")
    cursor.execute(f"SELECT DISTINCT d.receiving_unit FROM {dossiers}")  # noqa: S608
    units = [(u, *unit_of(u)) for (u,) in cursor.fetchall()]
    cursor.executemany("INSERT INTO mon_units VALUES (%s, %s, %s)", units)
    cursor.execute(
        "CREATE TEMP TABLE mon_versions (code text, version integer, sector text, level text)"
    )
    cursor.execute(f"SELECT DISTINCT d.procedure_code, d.procedure_version FROM {dossiers}")  # noqa: S608
    versions = [(c, v, *sources.version_facts(c, v)) for c, v in cursor.fetchall()]
    cursor.executemany("INSERT INTO mon_versions VALUES (%s, %s, %s, %s)", versions)
    cursor.execute("CREATE TEMP TABLE mon_timely (day date, hour integer, last_ok date)")
    day, hour = local_day("d.submitted_at"), local_hour("d.submitted_at")
    cursor.execute(
        f"SELECT DISTINCT {day}, {hour} FROM {dossiers} WHERE d.submitted_at IS NOT NULL"  # noqa: S608
    )
    timely = [
        (as_date(d), int(h), last_timely_day(as_date(d), int(h) >= cutoff))
        for d, h in cursor.fetchall()
    ]
    cursor.executemany("INSERT INTO mon_timely VALUES (%s, %s, %s)", timely)
