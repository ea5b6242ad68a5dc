# ruff: noqa: S608 - the SQL is built from model table names, constants and integers only
"""The full recount in SQL: the same day counters as the incremental job (`services.update`)
writes, computed set-based from the whole history in a few statements, for `recompute`.

At national scale (tens of millions of history rows) counting row by row in Python would
take hours; here the database joins each history row to its dossier's facts and sums
them (`INSERT … SELECT … GROUP BY`). The rules are the job's rules (`services._count_events`
and `_count_ratings`), written a second time as SQL: what the Python side decides from
tables of its own (a receiving agency's province and commune, a procedure version's sector
and online level, the last day an answer is still timely) is computed in Python and handed
to the SQL as small temporary tables, so calendars and codes are read one way only. The
test `test_incremental_batches_and_a_full_recompute_agree_exactly` holds the two to the
same figures, row for row; change both or neither.

Like the job, the recount stops before a gap in the history ids younger than
`GAP_GRACE_SECONDS` (a transaction still running), and leaves the high-water marks where
it stopped; the job counts the rest. Like `sources.py`, this module reads the dossiers'
and results' tables directly (read-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from motcua.core.calendar import VN_TZ, default_calendar
from motcua.dossiers.models import (
    ComponentRecord,
    Digitization,
    Dossier,
    DossierEvent,
    DossierFile,
    Rating,
)
from motcua.results.models import ResultDocument

from . import sources
from .indexes import conf
from .models import COUNTERS, DayStat, MonthStat
from .services import (
    COUNTED_ACTIONS,
    EVENTS,
    PAYMENT_PLATFORM,
    RATINGS,
    last_timely_day,
    unit_of,
)

TEMP_TABLES = (
    "units",
    "versions",
    "timely",
    "answer",
    "result",
    "scan",
    "records",
    "positions",
    "uploaded",
)


def _listed(values: tuple[str, ...]) -> str:
    """An SQL list of constant strings: `'a', 'b'`."""
    return ", ".join(f"'{v}'" for v in values)


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _local(column: str) -> str:
    """The column's local (Vietnam) wall-clock time."""
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE 'Asia/Ho_Chi_Minh')"
    offset = dt.datetime(2000, 1, 1, tzinfo=VN_TZ).utcoffset() or dt.timedelta()
    return f"datetime({column}, '+{int(offset.total_seconds() // 3600)} hours')"


def _day(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST({_local(column)} AS date)"
    return f"date({_local(column)})"


def _hour(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(extract(hour FROM {_local(column)}) AS integer)"
    return f"CAST(strftime('%H', {_local(column)}) AS integer)"


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _bound(cursor: Any, table: str, stamp: str, now: dt.datetime) -> int:
    """The highest id that may be counted: before the first gap younger than the grace
    period (`services._contiguous` over the whole table), or the last id."""
    young = now - dt.timedelta(seconds=conf("GAP_GRACE_SECONDS"))
    cursor.execute(
        f"SELECT min(e.id) FROM {table} e WHERE e.id > (SELECT min(id) FROM {table}) "
        f"AND e.{stamp} > %s AND NOT EXISTS (SELECT 1 FROM {table} p WHERE p.id = e.id - 1)",
        [young],
    )
    gap = cursor.fetchone()[0]
    if gap is not None:
        return int(gap) - 1
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    return int(cursor.fetchone()[0])


def _lookups(cursor: Any, dossier: str) -> None:
    """The small tables Python decides: units, procedure versions, timely answer days."""
    cursor.execute("CREATE TEMP TABLE mon_units (receiving_unit text, province text, commune text)")
    cursor.execute(f"SELECT DISTINCT receiving_unit FROM {dossier}")
    units = [(u, *unit_of(u)) for (u,) in cursor.fetchall()]
    cursor.executemany("INSERT INTO mon_units VALUES (%s, %s, %s)", units)
    cursor.execute(
        "CREATE TEMP TABLE mon_versions (code text, version integer, sector text, level text)"
    )
    cursor.execute(f"SELECT DISTINCT procedure_code, procedure_version FROM {dossier}")
    versions = [(c, v, *sources.version_facts(c, v)) for c, v in cursor.fetchall()]
    cursor.executemany("INSERT INTO mon_versions VALUES (%s, %s, %s, %s)", versions)
    cursor.execute("CREATE TEMP TABLE mon_timely (day date, late integer, last_ok date)")
    cursor.execute(
        f"SELECT min({_day('submitted_at')}), max({_day('submitted_at')}) FROM {dossier}"
    )
    first, last = cursor.fetchone()
    if first is not None:
        cursor.executemany(
            "INSERT INTO mon_timely VALUES (%s, %s, %s)", list(_timely_rows(first, last))
        )


def _timely_rows(first: Any, last: Any) -> Any:
    """(submission day, after the cut-off hour, the last answer day still timely) for every
    day in [first, last]: the answer is timely iff its day is on or before that last day."""
    first, last = (d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in (first, last))
    day = first
    while day <= last:
        for late in (False, True):
            yield (day, int(late), last_timely_day(day, late))
        day += dt.timedelta(days=1)


def _aggregates(cursor: Any, events: str) -> None:
    """Per dossier: its first answer's seq, first e-result, first counter scan, registry
    records; per submission: the component positions uploaded by then."""
    statements = [
        f"CREATE TEMP TABLE mon_answer AS SELECT dossier_id, min(seq) AS seq FROM {events} "
        f"WHERE action IN ({_listed(sources.ANSWERS)}) AND from_status = 'submitted' "
        "GROUP BY dossier_id",
        f"CREATE TEMP TABLE mon_result AS SELECT dossier_code, min(issued_at) AS first "
        f"FROM {_table(ResultDocument)} GROUP BY dossier_code",
        f"CREATE TEMP TABLE mon_scan AS SELECT dossier_id, min(digitized_at) AS first "
        f"FROM {_table(Digitization)} WHERE kind = '{Digitization.Kind.COMPONENT.value}' "
        f"AND dossier_id IS NOT NULL GROUP BY dossier_id",
        f"CREATE TEMP TABLE mon_records AS SELECT dossier_id, count(*) AS n "
        f"FROM {_table(ComponentRecord)} GROUP BY dossier_id",
        f"CREATE TEMP TABLE mon_positions AS SELECT dossier_id, component_position, "
        f"min(uploaded_at) AS first FROM {_table(DossierFile)} WHERE supplement_id IS NULL "
        f"GROUP BY dossier_id, component_position",
        f"CREATE TEMP TABLE mon_uploaded AS SELECT e.id AS event_id, count(*) AS n "
        f"FROM {events} e JOIN mon_positions f ON f.dossier_id = e.dossier_id "
        f"AND f.first <= e.at WHERE e.action = 'submitted' AND e.from_status = 'draft' "
        f"GROUP BY e.id",
    ]
    for sql in statements:
        cursor.execute(sql)
    if connection.vendor == "postgresql":  # temporary tables get no autovacuum statistics
        for name in TEMP_TABLES:
            cursor.execute(f"ANALYZE mon_{name}")


def _event_counts(events: str, dossier: str, last_id: int, cutoff: int) -> str:
    """One row per counted history row: its key and what it adds to each counter."""
    sub = "e.action = 'submitted'"
    answered = (
        f"e.action IN ({_listed(sources.ANSWERS)}) "
        "AND e.from_status = 'submitted' AND a.seq = e.seq"
    )
    day = _day("e.at")
    result_by = "r.first IS NOT NULL AND r.first <= e.at"
    due = "d.due_date IS NOT NULL AND e.action = 'result_ready'"
    counts = {
        "submitted": _flag(sub),
        "online": _flag(f"{sub} AND d.channel = 'online'"),
        "assisted": _flag(f"{sub} AND d.channel = 'assisted'"),
        "walk_in": _flag(f"{sub} AND d.channel = 'counter'"),
        "walk_in_digitized": _flag(
            f"{sub} AND d.channel = 'counter' AND s.first IS NOT NULL AND s.first <= e.at"
        ),
        "fully_online": _flag(f"{sub} AND d.channel = 'online' AND v.level = 'full'"),
        "fee_required": _flag(f"{sub} AND d.fee_amount > 0"),
        "components": f"CASE WHEN {sub} THEN coalesce(up.n, 0) + coalesce(rc.n, 0) ELSE 0 END",
        "components_reused": f"CASE WHEN {sub} THEN coalesce(rc.n, 0) ELSE 0 END",
        "answered": _flag(answered),
        "answered_timely": _flag(
            f"{answered} AND d.submitted_at IS NOT NULL AND {day} <= t.last_ok"
        ),
        "received": _flag("e.action = 'received'"),
        "refused": _flag("e.action = 'refused'"),
        "withdrawn": _flag("e.action = 'withdrawn'"),
        "finished": _flag("e.action = 'result_ready'"),
        "finished_early": _flag(f"{due} AND {day} < d.due_date"),
        "finished_on_time": _flag(f"{due} AND {day} = d.due_date"),
        "finished_late": _flag(f"{due} AND {day} > d.due_date"),
        "results_digital": _flag(f"e.action = 'result_ready' AND {result_by}"),
        "returned": _flag("e.action = 'returned'"),
        "returned_online": _flag(f"e.action = 'returned' AND {result_by}"),
        "paid": _flag("e.action = 'paid'"),
        "paid_online": _flag(f"e.action = 'paid' AND e.actor = '{PAYMENT_PLATFORM}'"),
    }
    columns = ", ".join(f"{counts.get(name, '0')} AS {name}" for name in COUNTERS)
    late = _flag(f"{_hour('d.submitted_at')} >= {int(cutoff)}")
    counted = (
        "((e.action = 'submitted' AND e.from_status = 'draft') "
        "OR (e.action = 'withdrawn' AND e.from_status <> 'draft') "
        f"OR e.action IN ({_listed(COUNTED_ACTIONS)}))"
    )
    return (
        f"SELECT {day} AS day, u.province, u.commune, coalesce(v.sector, '') AS sector, "
        f"d.procedure_code AS procedure, {columns} "
        f"FROM {events} e JOIN {dossier} d ON d.id = e.dossier_id "
        "JOIN mon_units u ON u.receiving_unit = d.receiving_unit "
        "LEFT JOIN mon_versions v ON v.code = d.procedure_code "
        "AND v.version = d.procedure_version "
        "LEFT JOIN mon_answer a ON a.dossier_id = e.dossier_id "
        "LEFT JOIN mon_result r ON r.dossier_code = d.code "
        "LEFT JOIN mon_scan s ON s.dossier_id = e.dossier_id "
        "LEFT JOIN mon_records rc ON rc.dossier_id = e.dossier_id "
        "LEFT JOIN mon_uploaded up ON up.event_id = e.id "
        f"LEFT JOIN mon_timely t ON t.day = {_day('d.submitted_at')} AND t.late = {late} "
        f"WHERE e.id <= {int(last_id)} AND {counted}"
    )


def _rating_counts(ratings: str, dossier: str, last_id: int) -> str:
    counts = {
        "ratings": "1",
        "rating_points": "g.score",
        "ratings_satisfied": _flag("g.score >= 4"),
    }
    columns = ", ".join(f"{counts.get(name, '0')} AS {name}" for name in COUNTERS)
    return (
        f"SELECT {_day('g.rated_at')} AS day, u.province, u.commune, "
        f"coalesce(v.sector, '') AS sector, d.procedure_code AS procedure, {columns} "
        f"FROM {ratings} g JOIN {dossier} d ON d.id = g.dossier_id "
        "JOIN mon_units u ON u.receiving_unit = d.receiving_unit "
        "LEFT JOIN mon_versions v ON v.code = d.procedure_code "
        "AND v.version = d.procedure_version "
        f"WHERE g.id <= {int(last_id)}"
    )


def count_all(now: dt.datetime) -> dict[str, tuple[int, int]]:
    """Fill the empty day and month counters from the whole history and ratings up to
    the first young gap; per source (`dossier_events`, `ratings`): the last id counted and
    the rows read. Run inside `recompute`'s transaction, after it emptied the counters."""
    events, ratings, dossier = _table(DossierEvent), _table(Rating), _table(Dossier)
    keys = ("day", "province", "commune", "sector", "procedure")
    quoted = ", ".join(connection.ops.quote_name(c) for c in (*keys, *COUNTERS))
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)
    nonzero = " + ".join(f"SUM({name})" for name in COUNTERS)
    with connection.cursor() as cursor:
        last_event = _bound(cursor, events, "at", now)
        last_rating = _bound(cursor, ratings, "rated_at", now)
        _lookups(cursor, dossier)
        _aggregates(cursor, events)
        both = (
            f"{_event_counts(events, dossier, last_event, default_calendar().cutoff_hour)} "
            f"UNION ALL {_rating_counts(ratings, dossier, last_rating)}"
        )
        cursor.execute(
            f"INSERT INTO {_table(DayStat)} ({quoted}) "
            f"SELECT day, province, commune, sector, procedure, {sums} FROM ({both}) c "
            f"GROUP BY day, province, commune, sector, procedure HAVING {nonzero} > 0"
        )
        month_keys = ", ".join(
            connection.ops.quote_name(c) for c in ("month", "province", "commune")
        )
        cursor.execute(
            f"INSERT INTO {_table(MonthStat)} ({month_keys}, {', '.join(COUNTERS)}) "
            f"SELECT {_month('day')}, province, commune, {sums} FROM {_table(DayStat)} "
            f"GROUP BY {_month('day')}, province, commune"
        )
        for name in TEMP_TABLES:
            cursor.execute(f"DROP TABLE mon_{name}")
        read = []
        for table, last in ((events, last_event), (ratings, last_rating)):
            cursor.execute(f"SELECT count(*) FROM {table} WHERE id <= %s", [last])
            read.append(int(cursor.fetchone()[0]))
    return {EVENTS: (last_event, read[0]), RATINGS: (last_rating, read[1])}
