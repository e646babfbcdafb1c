"""Keyset pagination cursors: opaque to clients, stable under concurrent inserts."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.columns import Column
from piccolo.query import Select

from server.core.errors import ProblemError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(at: datetime, row_id: UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, row_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(at), UUID(row_id)
    except (ValueError, TypeError) as exc:
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


def next_cursor(rows: list[dict[str, Any]], limit: int, at_key: str) -> str | None:
    """The cursor after the last row shown, when `newest_first` found more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last[at_key], last["id"])
