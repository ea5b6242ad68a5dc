"""One way every list operation of the API pages: `?limit=&offset=` in, and
`{total, items, limit, offset}` out, so a client never mistakes a cut list for the whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(Schema):
    """`limit` items from `offset` (both optional)."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="số mục tối đa một trang")
    offset: int = Field(0, ge=0, le=1_000_000, description="bỏ qua bấy nhiêu mục đầu")


class Page(Schema, Generic[T]):
    """A page of a list: `total` items match, `items` holds those from `offset` on."""

    total: int = Field(description="số mục khớp, trên mọi trang")
    items: list[T]
    limit: int
    offset: int


def page(
    rows: QuerySet[Any] | Sequence[Any],
    params: PageQuery,
    out: Callable[[Any], Any] | None = None,
    *,
    total: int | None = None,
) -> dict[str, Any]:
    """The page of `rows` that `params` asks for (a queryset is counted and sliced in the
    database), each item passed through `out` when given. `total`: already counted."""
    if total is None:
        total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    window = list(rows[params.offset : params.offset + params.limit])
    return {
        "total": total,
        "items": [out(row) for row in window] if out else window,
        "limit": params.limit,
        "offset": params.offset,
    }


def sliced(
    items: Sequence[Any], total: int, params: PageQuery, out: Callable[[Any], Any] | None = None
) -> dict[str, Any]:
    """A page from items a selector already sliced by `params` and counted (`total`)."""
    return {
        "total": total,
        "items": [out(item) for item in items] if out else list(items),
        "limit": params.limit,
        "offset": params.offset,
    }
