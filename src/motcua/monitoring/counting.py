# ruff: noqa: S608 - the SQL is built from table names, constants and integers only
"""The one set of counting rules, in SQL: what the history rows and ratings with ids in a
window (after a high-water mark, up to a new one) add to the day and month counters,
computed set-based (`INSERT … SELECT … GROUP BY`) and added to the rows already there
(`ON CONFLICT … DO UPDATE`). The incremental job counts a window of a batch of ids; the
full recompute counts one window of every id into empty counters: the same statements, so
the two agree by construction. What Python decides (units, procedure versions, timely
answer days) comes from `rules.py` as small temporary tables; the tables of other apps are
named by `sources.py`. Same SQL on SQLite and PostgreSQL but for the local-time functions.

An id that is missing may belong to a transaction still running: a window ends before
such a gap until it is older than `GAP_GRACE_SECONDS` (then it was a rolled-back insert).
Each row's effect depends only on that row, on earlier rows and on dossier facts fixed by
then, so counting in windows of any size gives the same figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from motcua.core.calendar import VN_TZ

from . import rules, sources
from .indexes import conf
from .models import COUNTERS, DayStat, MonthStat

EVENTS, RATINGS = "dossier_events", "ratings"
DAY_KEYS = ("day", "province", "commune", "sector", "procedure")
MONTH_KEYS = ("month", "province", "commune")
AGGREGATES: tuple[str, ...] = ("mon_answer", "mon_result", "mon_scan", "mon_records")
AGGREGATES += ("mon_positions", "mon_uploaded")

MonthKey = tuple[dt.date, str, str]


@dataclass(frozen=True)
class Window:
    """History rows or ratings with `after < id <= last`; `rows` of them; `gap`: it ends
    before a gap that may still fill."""

    after: int
    last: int
    rows: int
    gap: bool = False


def _listed(values: tuple[str, ...]) -> str:
    """An SQL list of constant strings: `'a', 'b'`."""
    return ", ".join(f"'{v}'" for v in values)


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


def window(source: str, after: int, now: dt.datetime, batch: int | None = None) -> Window:
    """The next window of `source` after the high-water mark `after`: at most `batch` rows
    (all when None), ending before the first gap in the ids younger than the grace period
    (from the start, `after` = 0, ids need not begin at 1)."""
    t = sources.tables()
    table, stamp = (t.events, "at") if source == EVENTS else (t.ratings, "rated_at")
    limit = f" LIMIT {int(batch)}" if batch else ""
    young = now - dt.timedelta(seconds=conf("GAP_GRACE_SECONDS"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(id) FROM (SELECT id FROM {table} WHERE id > %s ORDER BY id{limit}) s",
            [after],
        )
        upper = cursor.fetchone()[0]
        if upper is None:
            return Window(after, after, 0)
        cursor.execute(
            f"SELECT min(e.id) FROM {table} e WHERE e.id > %s AND e.id <= %s "
            f"AND e.{stamp} > %s AND e.id - 1 <> %s AND e.id > (SELECT min(id) FROM {table}) "
            f"AND NOT EXISTS (SELECT 1 FROM {table} p WHERE p.id = e.id - 1)",
            [after, upper, young, after],
        )
        gap = cursor.fetchone()[0]
        last = int(upper)
        if gap is not None:  # the last id before the gap, not the missing one
            cursor.execute(
                f"SELECT coalesce(max(id), %s) FROM {table} WHERE id > %s AND id < %s",
                [after, after, gap],
            )
            last = int(cursor.fetchone()[0])
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id > %s AND id <= %s", [after, last])
        return Window(after, last, int(cursor.fetchone()[0]), gap is not None)


def count(events: Window, ratings: Window, *, whole: bool = False) -> set[MonthKey]:
    """Add what the history rows and ratings of the windows count to the day and month
    counters; the month counter keys (month, province, commune) they touched. `whole`: the
    windows hold every id, so the per-dossier facts are gathered for all dossiers at once
    rather than for those the windows name."""
    if not (events.rows or ratings.rows):
        return set()
    t = sources.tables()
    with connection.cursor() as cursor:
        if whole:
            dossiers = f"{t.dossiers} d"
        else:
            cursor.execute(
                f"CREATE TEMP TABLE mon_window AS SELECT dossier_id FROM {t.events} "
                f"WHERE id > {events.after} AND id <= {events.last} "
                f"UNION SELECT dossier_id FROM {t.ratings} "
                f"WHERE id > {ratings.after} AND id <= {ratings.last}"
            )
            if connection.vendor == "postgresql":  # to join it to the big tables by index
                cursor.execute("ANALYZE mon_window")
            dossiers = f"{t.dossiers} d JOIN mon_window w ON w.dossier_id = d.id"
        rules.build(cursor, dossiers, _day, _hour)
        _aggregates(cursor, t, events, within="" if whole else "mon_window")
        both = f"{_event_counts(t, events)} UNION ALL {_rating_counts(t, ratings)}"
        sums = ", ".join(f"SUM({name}) AS {name}" for name in COUNTERS)
        nonzero = " + ".join(f"SUM({name})" for name in COUNTERS)
        cursor.execute(
            f"CREATE TEMP TABLE mon_delta AS SELECT {', '.join(DAY_KEYS)}, {sums} "
            f"FROM ({both}) c GROUP BY {', '.join(DAY_KEYS)} HAVING {nonzero} > 0"
        )
        _add(cursor, DayStat, DAY_KEYS, "SELECT * FROM mon_delta WHERE true")
        month = _month("day")
        _add(
            cursor,
            MonthStat,
            MONTH_KEYS,
            f"SELECT {month}, province, commune, {', '.join(f'SUM({n})' for n in COUNTERS)} "
            f"FROM mon_delta WHERE true GROUP BY {month}, province, commune",
        )
        cursor.execute(f"SELECT DISTINCT {month}, province, commune FROM mon_delta")
        touched = {(rules.as_date(m), p, c) for m, p, c in cursor.fetchall()}
        temporary = (*rules.TABLES, *AGGREGATES, "mon_delta", *(() if whole else ("mon_window",)))
        for name in temporary:
            cursor.execute(f"DROP TABLE {name}")
    return touched


def _add(cursor: Any, model: Any, keys: tuple[str, ...], select: str) -> None:
    """Insert the rows `select` gives, adding them to those with the same key."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in (*keys, *COUNTERS)]
    sets = ", ".join(f"{q} = {table}.{q} + excluded.{q}" for q in quoted[len(keys) :])
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(quoted)}) {select} "
        f"ON CONFLICT ({', '.join(quoted[: len(keys)])}) DO UPDATE SET {sets}"
    )


def _aggregates(cursor: Any, t: sources.Tables, events: Window, within: str) -> None:
    """Per dossier (of the window, `within`, or all): its first answer's seq, first
    e-result, first counter scan, registry records; per submission of the window: the
    component positions uploaded by then."""

    def only(column: str) -> str:
        return f" AND {column} IN (SELECT dossier_id FROM {within})" if within else ""

    codes = f"SELECT d.code FROM {t.dossiers} d JOIN {within} w ON w.dossier_id = d.id"
    statements = [
        f"CREATE TEMP TABLE mon_answer AS SELECT dossier_id, min(seq) AS seq FROM {t.events} "
        f"WHERE action IN ({_listed(rules.ANSWERS)}) AND from_status = 'submitted'"
        f"{only('dossier_id')} GROUP BY dossier_id",
        f"CREATE TEMP TABLE mon_result AS SELECT dossier_code, min(issued_at) AS first "
        f"FROM {t.results} WHERE true"
        f"{f' AND dossier_code IN ({codes})' if within else ''} GROUP BY dossier_code",
        f"CREATE TEMP TABLE mon_scan AS SELECT dossier_id, min(digitized_at) AS first "
        f"FROM {t.scans} WHERE kind = '{sources.SCANNED_COMPONENT}' "
        f"AND dossier_id IS NOT NULL{only('dossier_id')} GROUP BY dossier_id",
        f"CREATE TEMP TABLE mon_records AS SELECT dossier_id, count(*) AS n "
        f"FROM {t.records} WHERE true{only('dossier_id')} GROUP BY dossier_id",
        f"CREATE TEMP TABLE mon_positions AS SELECT dossier_id, component_position, "
        f"min(uploaded_at) AS first FROM {t.files} WHERE supplement_id IS NULL"
        f"{only('dossier_id')} GROUP BY dossier_id, component_position",
        f"CREATE TEMP TABLE mon_uploaded AS SELECT e.id AS event_id, count(*) AS n "
        f"FROM {t.events} e JOIN mon_positions f ON f.dossier_id = e.dossier_id "
        f"AND f.first <= e.at WHERE e.action = 'submitted' AND e.from_status = 'draft' "
        f"AND e.id > {events.after} AND e.id <= {events.last} GROUP BY e.id",
    ]
    for sql in statements:
        cursor.execute(sql)
    if connection.vendor == "postgresql":  # temporary tables get no autovacuum statistics
        for name in (*rules.TABLES, *AGGREGATES):
            cursor.execute(f"ANALYZE {name}")


def _event_counts(t: sources.Tables, events: Window) -> str:
    """One row per counted history row of the window: its key and what it adds to each
    counter."""
    sub = "e.action = 'submitted'"
    answered = (
        f"e.action IN ({_listed(rules.ANSWERS)}) AND e.from_status = 'submitted' AND a.seq = e.seq"
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
        "answered_timely": _flag(f"{answered} AND {day} <= tm.last_ok"),
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
        "paid_online": _flag(f"e.action = 'paid' AND e.actor = '{rules.PAYMENT_PLATFORM}'"),
    }
    columns = ", ".join(f"{counts.get(name, '0')} AS {name}" for name in COUNTERS)
    counted = (
        "((e.action = 'submitted' AND e.from_status = 'draft') "
        "OR (e.action = 'withdrawn' AND e.from_status <> 'draft') "
        f"OR e.action IN ({_listed(rules.COUNTED_ACTIONS)}))"
    )
    return (
        f"SELECT {day} AS day, u.province, u.commune, coalesce(v.sector, '') AS sector, "
        f"d.procedure_code AS procedure, {columns} "
        f"FROM {t.events} e JOIN {t.dossiers} d ON d.id = e.dossier_id "
        "JOIN mon_units u ON u.receiving_unit = d.receiving_unit "
        "LEFT JOIN mon_versions v ON v.code = d.procedure_code "
        "AND v.version = d.procedure_version "
        "LEFT JOIN mon_answer a ON a.dossier_id = e.dossier_id "
        "LEFT JOIN mon_result r ON r.dossier_code = d.code "
        "LEFT JOIN mon_scan s ON s.dossier_id = e.dossier_id "
        "LEFT JOIN mon_records rc ON rc.dossier_id = e.dossier_id "
        "LEFT JOIN mon_uploaded up ON up.event_id = e.id "
        f"LEFT JOIN mon_timely tm ON tm.day = {_day('d.submitted_at')} "
        f"AND tm.hour = {_hour('d.submitted_at')} "
        f"WHERE e.id > {int(events.after)} AND e.id <= {int(events.last)} AND {counted}"
    )


def _rating_counts(t: sources.Tables, ratings: Window) -> str:
    counts = {
        "ratings": "1",
        "rating_points": "g.score",
        "ratings_satisfied": _flag("g.score >= 4"),
    }
    columns = ", ".join(f"{counts.get(name, '0')} AS {name}" for name in COUNTERS)
    return (
        f"SELECT {_day('g.rated_at')} AS day, u.province, u.commune, "
        f"coalesce(v.sector, '') AS sector, d.procedure_code AS procedure, {columns} "
        f"FROM {t.ratings} g JOIN {t.dossiers} d ON d.id = g.dossier_id "
        "JOIN mon_units u ON u.receiving_unit = d.receiving_unit "
        "LEFT JOIN mon_versions v ON v.code = d.procedure_code "
        "AND v.version = d.procedure_version "
        f"WHERE g.id > {int(ratings.after)} AND g.id <= {int(ratings.last)}"
    )
