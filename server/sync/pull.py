"""The sync pull: what a phone keeps for reading offline, as whole collections, each sent
only when it changed since the phone's cursor. Every collection is read through its own
domain's queries as the person, so the pull shows exactly what the API would."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from server.checkins import queries as checkins
from server.core.access import Principal
from server.core.errors import ProblemError
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import queries as org
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


async def _current_cycles() -> set[Any]:
    today = datetime.now(UTC).date()
    return {c.id for c in await goals.list_cycles() if c.ends_on >= today}


async def _goals(principal: Principal) -> Change:
    cycles = await _current_cycles()
    mine = await goals.list_my_goals(principal, None)
    return GoalsChange(
        items=[
            await goals.get_goal(principal, g.id, log_access=False)
            for g in mine.goals
            if g.cycle_id in cycles and g.state != "withdrawn"
        ]
    )


async def _team(principal: Principal) -> Change:
    return TeamChange(items=await org.list_team(principal))


async def _colleagues(principal: Principal) -> Change:
    return ColleaguesChange(items=await org.close_colleagues(principal))


async def _team_goals(principal: Principal) -> Change:
    cycles = await _current_cycles()
    team = await goals.list_team_goals(principal, None)
    return TeamGoalsChange(items=[g for g in team if g.cycle_id in cycles])


async def _templates(principal: Principal) -> Change:
    return TemplatesChange(items=await checkins.list_templates())


async def _checkins(principal: Principal) -> Change:
    """Mine, and for a manager each report's: a check-in can be held offline on site."""
    found = await checkins.list_checkins(principal, None)
    for person in await org.list_team(principal):
        found += await checkins.list_checkins(principal, person.id)
    return CheckinsChange(items=found)


async def _status(principal: Principal) -> Change:
    """Mine and my direct reports' (the phone does not carry a whole HR scope)."""
    me = principal.person_id
    return StatusChange(
        items=[
            s
            for s in await checkins.statuses(principal)
            if s.person.id == me or (s.manager is not None and s.manager.id == me)
        ]
    )


async def _kudos(principal: Principal) -> Change:
    return KudosChange(
        items=(await feedback.list_kudos(principal, "feed", None, RECENT_KUDOS)).items
    )


async def _feedback(principal: Principal) -> Change:
    return FeedbackChange(
        items=await feedback.list_feedback(principal, "received", None, RECENT_FEEDBACK)
    )


COLLECTIONS: tuple[Callable[[Principal], Awaitable[Change]], ...] = (
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
    changes: list[Change] = []
    fingerprints: dict[str, str] = {}
    for collect in COLLECTIONS:
        change = await collect(principal)
        fingerprints[change.collection] = _fingerprint(change)
        if seen.get(change.collection) != fingerprints[change.collection]:
            changes.append(change)
    return PullResult(changes=changes, cursor=encode_cursor(fingerprints), has_more=False)
