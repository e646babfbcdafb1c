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

from pydantic import BaseModel

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
    PullResult,
    StatusChange,
    TeamChange,
    TeamGoalsChange,
    TemplatesChange,
)

# How much of the long lists a phone keeps.
RECENT_KUDOS = 50
RECENT_FEEDBACK = 50


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
    mine = await goals.list_my_goals(phone.principal, None)
    return GoalsChange(
        items=[
            await goals.get_goal(phone.principal, g.id, log_access=False)
            for g in mine.goals
            if g.cycle_id in phone.current_cycles and g.state != "withdrawn"
        ]
    )


async def _team(phone: Phone) -> Change:
    return TeamChange(items=phone.team)


async def _colleagues(phone: Phone) -> Change:
    return ColleaguesChange(items=await org.close_colleagues(phone.principal))


async def _team_goals(phone: Phone) -> Change:
    team = await goals.list_team_goals(phone.principal, None)
    return TeamGoalsChange(items=[g for g in team if g.cycle_id in phone.current_cycles])


async def _templates(phone: Phone) -> Change:
    return TemplatesChange(items=await checkins.list_templates(phone.principal))


async def _checkins(phone: Phone) -> Change:
    """Mine, and for a manager each report's: a check-in can be held offline on site."""
    people = [phone.principal.person_id, *(p.id for p in phone.team)]
    return CheckinsChange(items=await checkins.recent_checkins(phone.principal, people))


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


def _fingerprint(change: BaseModel) -> str:
    return hashlib.sha256(change.model_dump_json().encode()).hexdigest()[:32]


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


async def pull(principal: Principal, cursor: str | None) -> PullResult:
    """The cursor carries a fingerprint per collection: a collection is sent again only when
    what the person may see of it changed."""
    seen = decode_cursor(cursor)
    phone = await _phone(principal)
    changes: list[Change] = []
    fingerprints: dict[str, str] = {}
    for collect in COLLECTIONS:
        change = await collect(phone)
        fingerprints[change.collection] = _fingerprint(change)
        if seen.get(change.collection) != fingerprints[change.collection]:
            changes.append(change)
    return PullResult(changes=changes, cursor=encode_cursor(fingerprints), has_more=False)
