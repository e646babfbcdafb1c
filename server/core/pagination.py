"""Keyset pagination cursors: opaque to clients, stable under concurrent inserts."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar.params import QueryParameter
from piccolo.columns import Column
from piccolo.query import Select

from server.core.errors import ProblemError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


# A page's query parameters, the same on every paged list.
Cursor = Annotated[str | None, QueryParameter(max_length=200)]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]


def _encode(key: str, row_id: UUID) -> str:
    raw = json.dumps([key, str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, row_id = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(key, str):
            raise TypeError(key)
        return key, UUID(row_id)
    except (ValueError, TypeError) as exc:
        raise ProblemError(400, "invalid_cursor", "The page cursor is not valid.") from exc


def encode_cursor(at: datetime, row_id: UUID) -> str:
    return _encode(at.isoformat(), row_id)


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    at, row_id = _decode(cursor)
    try:
        return datetime.fromisoformat(at), row_id
    except ValueError as exc:
        raise ProblemError(400, "invalid_cursor", "The page cursor is not valid.") from exc


def encode_name_cursor(name: str, row_id: UUID) -> str:
    """For lists in the order of names (then ids)."""
    return _encode(name, row_id)


def decode_name_cursor(cursor: str) -> tuple[str, UUID]:
    return _decode(cursor)


def newest_first(
    query: Select[Any], at: Column, row_id: Column, cursor: str | None, limit: int
) -> Select[Any]:
    """The page after the cursor, newest first by (`at`, `row_id`); one row more than asked,
    so `next_cursor` can tell whether there is more."""
    if cursor:
        cursor_at, cursor_id = decode_cursor(cursor)
        query = query.where((at < cursor_at) | ((at == cursor_at) & (row_id < cursor_id)))
    return query.order_by(at, row_id, ascending=False).limit(limit + 1)


def next_cursor(rows: list[dict[str, Any]], limit: int, at_key: str) -> str | None:
    """The cursor after the last row shown, when `newest_first` found more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last[at_key], last["id"])
