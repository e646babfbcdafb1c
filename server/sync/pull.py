"""The sync pull: what a phone keeps for reading offline, as whole collections, each sent
only when it changed since the phone's cursor. Every collection is read through its own
domain's queries as the person, so the pull shows exactly what the API would."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from server.checkins import queries as checkins
from server.core.access import Principal
from server.core.errors import ProblemError
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import queries as org
from shared_schemas.org import PersonCardRead
from shared_schemas.sync import (
    Change,
    CheckinsChange,
    ColleaguesChange,
    FeedbackChange,
    GoalsChange,
    KudosChange,
    StatusChange,
    TeamChange,
    TeamGoalsChange,
    TemplatesChange,
)

# How much of the long lists a phone keeps.
RECENT_KUDOS = 50
RECENT_FEEDBACK = 50
# A manager's phone keeps each report's latest check-ins, enough to hold the next one on site
# (the one being prepared, the last minutes); older ones are read online.
RECENT_TEAM_CHECKINS = 3


@dataclass(frozen=True)
class Phone:
    """Who is pulling, and what several collections need: read once per pull."""

    principal: Principal
    current_cycles: frozenset[UUID]
    team: list[PersonCardRead]


async def _phone(principal: Principal) -> Phone:
    today = datetime.now(UTC).date()
    return Phone(
        principal,
        frozenset(c.id for c in await goals.list_cycles() if c.ends_on >= today),
        await org.list_team(principal),
    )


async def _goals(phone: Phone) -> Change:
    return GoalsChange(items=await goals.my_goals_in(phone.principal, phone.current_cycles))


async def _team(phone: Phone) -> Change:
    return TeamChange(items=phone.team)


async def _colleagues(phone: Phone) -> Change:
    return ColleaguesChange(items=await org.close_colleagues(phone.principal))


async def _team_goals(phone: Phone) -> Change:
    return TeamGoalsChange(items=await goals.list_team_goals(phone.principal, phone.current_cycles))


async def _templates(phone: Phone) -> Change:
    return TemplatesChange(items=await checkins.list_templates(phone.principal))


async def _checkins(phone: Phone) -> Change:
    """Mine, and for a manager each report's latest: a check-in can be held offline on site."""
    people = [phone.principal.person_id, *(p.id for p in phone.team)]
    return CheckinsChange(
        items=await checkins.recent_checkins(
            phone.principal, people, RECENT_TEAM_CHECKINS, own=checkins.RECENT_CHECKINS
        )
    )


async def _status(phone: Phone) -> Change:
    """Mine and my direct reports' (the phone does not carry a whole HR scope)."""
    return StatusChange(items=await checkins.statuses(phone.principal, nearest=True))


async def _kudos(phone: Phone) -> Change:
    page = await feedback.list_kudos(phone.principal, "feed", None, RECENT_KUDOS)
    return KudosChange(items=page.items)


async def _feedback(phone: Phone) -> Change:
    return FeedbackChange(
        items=await feedback.list_feedback(phone.principal, "received", None, RECENT_FEEDBACK)
    )


COLLECTIONS: tuple[Callable[[Phone], Awaitable[Change]], ...] = (
    _goals,
    _team,
    _colleagues,
    _team_goals,
    _templates,
    _checkins,
    _status,
    _kudos,
    _feedback,
)


def encode_cursor(fingerprints: dict[str, str]) -> str:
    raw = json.dumps(fingerprints, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise ProblemError(400, "invalid_cursor", "The sync cursor is not valid.") from exc
    if not isinstance(decoded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in decoded.items()
    ):
        raise ProblemError(400, "invalid_cursor", "The sync cursor is not valid.")
    return decoded


async def pull(principal: Principal, cursor: str | None) -> bytes:
    """A `PullResult` as JSON. The cursor carries a fingerprint per collection: a collection
    is sent again only when what the person may see of it changed. Each collection is
    written as JSON once, for its fingerprint and for the answer (twice was a tenth of a
    pull's time)."""
    seen = decode_cursor(cursor)
    phone = await _phone(principal)
    changes: list[msgspec.Raw] = []
    fingerprints: dict[str, str] = {}
    for collect in COLLECTIONS:
        change = await collect(phone)
        written = change.model_dump_json().encode()
        fingerprints[change.collection] = hashlib.sha256(written).hexdigest()[:32]
        if seen.get(change.collection) != fingerprints[change.collection]:
            changes.append(msgspec.Raw(written))
    return msgspec.json.encode(
        {"changes": changes, "cursor": encode_cursor(fingerprints), "has_more": False}
    )
