"""Keyset pagination cursors: opaque to clients, stable under concurrent inserts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar.params import QueryParameter
from piccolo.columns import Column
from piccolo.query import Select

from server.core import base64url
from server.core.errors import ProblemError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


# A page's query parameters, the same on every paged list.
Cursor = Annotated[str | None, QueryParameter(max_length=200)]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]


def encode_name_cursor(name: str, row_id: UUID) -> str:
    """For lists in the order of names (then ids); the time cursors below are built on it."""
    raw = json.dumps([name, str(row_id)]).encode()
    return base64url.encode(raw)


def decode_name_cursor(cursor: str) -> tuple[str, UUID]:
    try:
        name, row_id = json.loads(base64url.decode(cursor))
        if not isinstance(name, str):
            raise TypeError(name)
        return name, UUID(row_id)
    except (ValueError, TypeError) as exc:
        raise ProblemError(400, "invalid_cursor", "The page cursor is not valid.") from exc


def encode_cursor(at: datetime, row_id: UUID) -> str:
    return encode_name_cursor(at.isoformat(), row_id)


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    at, row_id = decode_name_cursor(cursor)
    try:
        return datetime.fromisoformat(at), row_id
    except ValueError as exc:
        raise ProblemError(400, "invalid_cursor", "The page cursor is not valid.") from exc


def newest_first(
    query: Select[Any], at: Column, row_id: Column, cursor: str | None, limit: int
) -> Select[Any]:
    """The page after the cursor, newest first by (`at`, `row_id`); one row more than asked,
    so `next_cursor` can tell whether there is more."""
    if cursor:
        cursor_at, cursor_id = decode_cursor(cursor)
        query = query.where((at < cursor_at) | ((at == cursor_at) & (row_id < cursor_id)))
    return query.order_by(at, row_id, ascending=False).limit(limit + 1)


def newest_first_sql(at: str, row_id: str, cursor: str | None, limit: int) -> tuple[str, list[Any]]:
    """`newest_first` for a raw query: the conditions (starting with AND), order and limit to
    end it with, and their values."""
    condition, args = "", []
    if cursor:
        cursor_at, cursor_id = decode_cursor(cursor)
        condition = f" AND ({at} < {{}} OR ({at} = {{}} AND {row_id} < {{}}))"
        args = [cursor_at, cursor_at, cursor_id]
    return f"{condition} ORDER BY {at} DESC, {row_id} DESC LIMIT {limit + 1}", args


def next_cursor(rows: list[dict[str, Any]], limit: int, at_key: str) -> str | None:
    """The cursor after the last row shown, when `newest_first` found more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last[at_key], last["id"])
