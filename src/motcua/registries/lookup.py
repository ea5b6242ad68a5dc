"""One-row lookups by a unique key, for data services: the hot path of every exchange call.

On PostgreSQL the SELECT (only the requested attributes, joins included) is compiled once per
(model, key, attributes) and run as a prepared statement with the subject as its only
parameter: one indexed query, planned once per connection, and no ORM compilation per call.
Elsewhere the ORM runs it each time. (Prepared statements need a direct connection or a
pooler that supports them, e.g. PgBouncer >= 1.21 with max_prepared_statements.)"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection
from django.db.models import Model

_PLACEHOLDER = "\x1fsubject\x1f"


@lru_cache(maxsize=256)
def _compiled(model: type[Model], key: str, fields: tuple[str, ...]) -> str:
    query = model._default_manager.filter(**{key: _PLACEHOLDER}).values(*fields)[:1].query
    sql, params = query.sql_with_params()
    if list(params) != [_PLACEHOLDER]:  # the subject must be the only parameter
        raise ValueError(f"cannot precompile a lookup of {model.__name__} by {key}")
    return sql


def one_row(model: type[Model], key: str, value: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """The `fields` of the row whose `key` equals `value`, or {} when there is none."""
    if connection.vendor != "postgresql":
        row = model._default_manager.filter(**{key: value}).values(*fields)[:1]
        return dict(row[0]) if row else {}
    found = prepared_one(_compiled(model, key, fields), [value])
    return dict(zip(fields, found, strict=True)) if found else {}


def prepared_one(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """PostgreSQL only: run `sql` (%s placeholders) on Django's connection as a prepared
    statement with server-side parameters, and return its first row. A constraint violation
    is raised as django.db.IntegrityError, like Django's own cursors do."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        try:
            cursor.execute(sql, params, prepare=True)
        except psycopg.errors.IntegrityError as exc:
            raise IntegrityError(*exc.args) from exc
        return cursor.fetchone()
