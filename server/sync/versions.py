"""Versions of a pull's collections, read from the change log database triggers write
(`sync_change`; the triggers are in the sync app's migrations), so that a pull can tell a
collection did not change without building it.

A topic's state is the id of its newest folded row and its number of rows. Anything
committed after a state was read changes that state:
- rows are only ever added, except by `compact`: a row committed late with a lower id
  (PostgreSQL hands out ids before commit) still adds to the count;
- a compaction that folds a topic deletes the topic's older rows it sees and adds a
  folded row, as it commits. Compactions run one at a time, so each fold's row has a
  higher id than every fold before it: whatever else was committed meanwhile, the state
  read afterwards names a folded row no state read before could have named.
Only a fold deletes rows, and only of the topics it adds a folded row to: deleting rows of a
topic without one could take away a row committed late and leave a state exactly as a phone
had read it."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from types import MappingProxyType
from typing import Any

from server.core.access import Principal
from server.db import fetch, fetch_in, placeholders, try_round_lock, write_transaction

State = tuple[int, int]

ROUND_LOCK = 0x73796E63  # "sync"


# The topics the triggers log (the sync app's migrations): per person, a kind and the
# person's id; company-wide, a name.
CHECKINS = "checkins"
GOALS = "goals"
FEEDBACK = "feedback"
PEOPLE = "people"
GOAL_OUTLINES = "goal_outlines"
# Goals added, removed or whose state changed: with `goal_outlines`, which goals a tree holds.
GOAL_TREE = "goal_tree"
STRATEGY = "strategy"
CADENCES = "cadences"
TEMPLATES = "templates"
KUDOS = "kudos"
# The alerts about a person, and every escalated alert (which HR in scope reads).
ALERTS = "alerts"
ESCALATED_ALERTS = "escalated_alerts"


def of(kind: str, people: Iterable[object]) -> list[str]:
    """The topics of a kind for each of these people, such as `checkins:<id>`."""
    return [f"{kind}:{person}" for person in people]


def goals_of(people: Iterable[object]) -> list[str]:
    """What these people's goals in full are made from: their goals, the goals above each,
    the cycles and themes, and names (their pace also follows the day)."""
    return [GOAL_OUTLINES, STRATEGY, PEOPLE, *of(GOALS, people)]


# The states an answer being built was versioned with (`reading_under`).
_answer_states: ContextVar[Mapping[str, State]] = ContextVar(
    "answer_states", default=MappingProxyType({})
)


@contextmanager
def reading_under(logged: Mapping[str, State]) -> Iterator[None]:
    """While an answer versioned with these states is built, `states` takes theirs from here
    instead of reading them again: read before any of the answer's rows, they are as good a
    stamp for what the build keeps as states read later (a write in between makes them
    older, so what was kept under them is read again next time). The goal tree's first read
    reads no state twice (`SharedTreeTops`, `SharedSummaries`)."""
    token = _answer_states.set(logged)
    try:
        yield
    finally:
        _answer_states.reset(token)


# A state of the rows read (`State`), read from the index alone (`sync_change_topic_id`
# holds `folded`), topics compared byte by byte (PostgreSQL: the column's collation is "C").
_STATE_OF_ROWS = "MAX(CASE WHEN folded THEN id END) AS fold, COUNT(*) AS logged"
STATES_SQL = (
    f"SELECT topic, {_STATE_OF_ROWS} FROM sync_change"  # noqa: S608 - constants only
    " WHERE topic IN ({in}) GROUP BY topic"
)


async def states(topics: Iterable[str]) -> dict[str, State]:
    """Each topic's state; (0, 0) for a topic nothing was logged for yet."""
    wanted = sorted(set(topics))
    known = _answer_states.get()
    missing = [topic for topic in wanted if topic not in known]
    found = _states_of(await fetch_in(STATES_SQL, missing)) if missing else {}
    return {topic: known.get(topic) or found.get(topic, (0, 0)) for topic in wanted}


def _states_of(rows: list[dict[str, Any]]) -> dict[str | None, State]:
    return {row["topic"]: (int(row["fold"] or 0), int(row["logged"])) for row in rows}


async def states_and_combined(
    topics: Iterable[str], together: Iterable[str]
) -> tuple[dict[str, State], State]:
    """`states` of `topics` (read, not taken from `reading_under`) and the `combined` state
    of `together`, in one statement: a row for each of the first and one for all the others,
    which are few enough to bind at once (an answer's learned topics: a tree's owners)."""
    wanted, combining = sorted(set(topics)), sorted(set(together))
    all_of = (
        f"SELECT NULL, {_STATE_OF_ROWS} FROM sync_change"  # noqa: S608 - placeholders and constants only
        f" WHERE topic IN ({placeholders(combining)})"
    )
    rows = await fetch(
        f"{STATES_SQL.replace('{in}', placeholders(wanted))} UNION ALL {all_of}",
        *wanted,
        *combining,
    )
    found = _states_of(rows)
    together_state = found.pop(None)  # the row of `together`
    return {topic: found.get(topic, (0, 0)) for topic in wanted}, together_state


def combined(logged: Iterable[State]) -> State:
    """One state for many topics, which anything that changes one of theirs changes: the
    newest folded row among them (a fold of any of them adds a newer one, as folds are made
    one at a time) and their number of rows together (only a fold takes rows away). One
    state to hash instead of one for each: a tree's hundred owners."""
    each = list(logged)
    return max((fold for fold, _ in each), default=0), sum(count for _, count in each)


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


class StaleVersionError(RuntimeError):
    """An answer changed while its version did not: a write its topics do not log."""


def fingerprint(written: bytes) -> str:
    return hashlib.sha256(written).hexdigest()[:32]


async def revalidate(
    what: str,
    held: Iterable[str],
    version: str,
    build: Callable[[], Awaitable[bytes]],
    verify: bool,
) -> tuple[str, bytes | None]:
    """What to tell a holder of copies named `"<version>.<fingerprint>"` (a pull's cursor
    entry, an ETag): the name of the current answer, and the answer written as JSON, or None
    when a copy held is current. A copy of the current version is current without building
    anything; any other answer is built, and is current when its bytes are a copy's.
    `verify` (the tests) builds every answer and raises `StaleVersionError` when one changed
    under an unchanged version."""
    copies = [name.rpartition(".") for name in held]
    current = [f"{version}.{had}" for had_version, _, had in copies if had_version == version]
    if current and not verify:
        return current[0], None
    written = await build()
    built = fingerprint(written)
    if any(name != f"{version}.{built}" for name in current):
        raise StaleVersionError(f"{what} changed under version {version}")
    name = f"{version}.{built}"
    return name, None if any(had == built for _, _, had in copies) else written


async def compact(_now: datetime | None = None) -> int:
    """Folds each topic that has more than one row into one new row, so that reading a
    state stays a step into the index; one process at a time, in two set-based statements.
    A row still uncommitted is not seen, so not deleted: it counts once it commits. Returns
    the number of topics folded. (Periodic rounds are called with the time; this one does
    not need it.)"""
    async with write_transaction():
        if not await try_round_lock(ROUND_LOCK):
            return 0
        folded = await fetch(
            "INSERT INTO sync_change (topic, folded) SELECT topic, TRUE FROM sync_change"
            " GROUP BY topic HAVING COUNT(*) > 1 RETURNING id, topic"
        )
        if folded:
            # Only the folded topics' rows (see the module's note), older than every folded one.
            await fetch_in(
                "DELETE FROM sync_change WHERE id < {} AND topic IN ({in})",
                [row["topic"] for row in folded],
                min(row["id"] for row in folded),
            )
    return len(folded)
