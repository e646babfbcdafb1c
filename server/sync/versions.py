"""Versions of a pull's collections, read from the change log database triggers write
(`sync_change`; the triggers are in the sync app's migrations), so that a pull can tell a
collection did not change without building it.

A topic's state is its newest id and its number of rows. Rows are only ever added, except
by `compact`, which first adds a row with an id above every other. So anything committed
after a state was read changes that state: a row committed late with a lower id (PostgreSQL
hands out ids before commit) adds to the count, and a compaction raises the newest id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from server.core.access import Principal
from server.db import fetch, fetch_in, try_round_lock, write_transaction

State = tuple[int, int]

ROUND_LOCK = 0x73796E63  # "sync"


# The topics the triggers log (the sync app's migrations): per person, a kind and the
# person's id; company-wide, a name.
CHECKINS = "checkins"
GOALS = "goals"
FEEDBACK = "feedback"
PEOPLE = "people"
GOAL_OUTLINES = "goal_outlines"
STRATEGY = "strategy"
CADENCES = "cadences"
TEMPLATES = "templates"
KUDOS = "kudos"


def of(kind: str, people: Iterable[object]) -> list[str]:
    """The topics of a kind for each of these people, such as `checkins:<id>`."""
    return [f"{kind}:{person}" for person in people]


async def states(topics: Iterable[str]) -> dict[str, State]:
    """Each topic's state; (0, 0) for a topic nothing was logged for yet."""
    wanted = sorted(set(topics))
    rows = await fetch_in(
        "SELECT topic, MAX(id) AS newest, COUNT(*) AS logged FROM sync_change"
        " WHERE topic IN ({in}) GROUP BY topic",
        wanted,
    )
    found = {r["topic"]: (int(r["newest"]), int(r["logged"])) for r in rows}
    return {topic: found.get(topic, (0, 0)) for topic in wanted}


def viewer(principal: Principal) -> str:
    """What of the principal any collection's content may follow: who they are and their
    rights (not the session)."""
    hr = "*" if principal.hr_department_ids is None else sorted(principal.hr_department_ids)
    return f"{principal.person_id}|{sorted(principal.roles)}|{hr}|{principal.leads_company}"


def version(parts: Iterable[object], logged: dict[str, State], topics: Iterable[str]) -> str:
    """A collection's version: its format and viewer (`parts`) and its topics' states."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{part}\n".encode())
    for topic in sorted(set(topics)):
        digest.update(f"{topic}={logged[topic]}\n".encode())
    return digest.hexdigest()[:32]


async def compact(_now: datetime | None = None) -> int:
    """Folds each topic that has more than one row into one new row, so that reading a
    state stays a step into the index; one process at a time. The new rows come first and
    have the highest ids: every phone that read such a topic's state sees a new one. A row
    still uncommitted is not seen, so not deleted: it counts once it commits. Returns the
    number of topics folded. (Periodic rounds are called with the time; this one does not
    need it.)"""
    async with write_transaction():
        if not await try_round_lock(ROUND_LOCK):
            return 0
        folded = await fetch(
            "INSERT INTO sync_change (topic) SELECT topic FROM sync_change"
            " GROUP BY topic HAVING COUNT(*) > 1 RETURNING id"
        )
        if folded:
            # Older rows of every topic that has one at or after the first new row: the
            # folded topics, and any written meanwhile, whose newer row moves its state too.
            first = min(row["id"] for row in folded)
            await fetch(
                "DELETE FROM sync_change WHERE id < {}"
                " AND topic IN (SELECT topic FROM sync_change WHERE id >= {})",
                first,
                first,
            )
    return len(folded)
