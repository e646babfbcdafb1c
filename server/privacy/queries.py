"""Who can see my data, with the names of the people it means today; my data itself; and
how long each kind of record is kept, with the purge that applies it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from server.alerts import queries as alerts
from server.audit import queries as audit
from server.auth import queries as auth
from server.checkins import queries as checkins
from server.core.access import Principal, Role
from server.core.errors import ProblemError, forbidden
from server.db import write_transaction
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import queries as org
from server.privacy import audience, policy
from server.privacy.retention import RULES
from server.privacy.tables import RetentionPeriod
from server.push import queries as push
from shared_schemas.common import PersonRef
from shared_schemas.privacy import (
    AudienceRead,
    DataAudienceRead,
    MyDataExport,
    RecordAudienceRead,
    RetentionKind,
    RetentionPeriodRead,
    RetentionRead,
    RetentionUpdate,
    ViewerKind,
)

log = logging.getLogger(__name__)


async def _people_by_viewer(person_id: UUID) -> dict[ViewerKind, list[UUID]]:
    """The people each kind of viewer stands for, for this person (authors and colleagues
    are anyone, so nobody is named)."""
    chain = await org.manager_chain(person_id)  # the person, then upwards
    return {
        "self": [person_id],
        "direct_manager": chain[1:2],
        "skip_manager": chain[2:],
        "hr": (await org.hr_covering([person_id])).get(person_id, []),
        "admin": await org.people_with_role(Role.ADMIN),
    }


async def data_audience(principal: Principal) -> DataAudienceRead:
    people = await _people_by_viewer(policy.overview_subject(principal))
    refs = await org.person_refs(sorted({p for ids in people.values() for p in ids}))
    return DataAudienceRead(
        records=[
            RecordAudienceRead(
                kind=kind,
                audience=[
                    AudienceRead(
                        viewer=grant.viewer,
                        access=grant.access,
                        condition=grant.condition,
                        people=sorted(
                            (refs[p] for p in people.get(grant.viewer, []) if p in refs),
                            key=lambda ref: ref.display_name,
                        ),
                    )
                    for grant in grants
                ],
            )
            for kind, grants in audience.GRANTS.items()
        ]
    )


async def my_data(principal: Principal) -> MyDataExport:
    """Each domain's own reads of what concerns the person, whole: the export holds exactly
    what they could page through in the app, no more (their rules decide it) and no less."""
    return MyDataExport(
        format="tandem.my-data.v1",
        exported_at=datetime.now(UTC),
        profile=await org.my_profile(principal),
        goals=await goals.my_goal_records(principal),
        checkins=await checkins.my_history(principal),
        kudos_received=await feedback.all_kudos(principal, "received"),
        kudos_given=await feedback.all_kudos(principal, "given"),
        feedback_received=await feedback.all_feedback(principal, "received"),
        feedback_given=await feedback.all_feedback(principal, "given"),
        alerts=await alerts.my_alerts(principal),
        notifications=await push.whole_inbox(principal),
        notification_preferences=await push.get_preferences(principal),
        access_log=await audit.my_whole_access_log(principal),
    )


# --- retention ----------------------------------------------------------------------------------

# Failed sign-ins count for minutes (the limiter's window); none is kept longer than this.
FAILURES_KEPT = timedelta(days=1)

# Each kind's own domain deletes its records older than a cutoff; -> how many.
PURGES: dict[RetentionKind, Callable[[datetime], Awaitable[int]]] = {
    "checkin": checkins.purge_before,
    "goal": goals.purge_before,
    "feedback": feedback.purge_feedback_before,
    "kudos": feedback.purge_kudos_before,
    "alert": alerts.purge_before,
    "notification": push.purge_before,
    "access_log": audit.purge_before,
}


async def _set_periods() -> dict[str, dict[str, Any]]:
    rows = await RetentionPeriod.select(
        RetentionPeriod.kind,
        RetentionPeriod.days,
        RetentionPeriod.updated_at,
        RetentionPeriod.updated_by.id.as_alias("by_id"),
        RetentionPeriod.updated_by.display_name.as_alias("by_name"),
    )
    return {r["kind"]: r for r in rows}


def _in_force(kind: RetentionKind, stored: dict[str, dict[str, Any]]) -> int | None:
    """The period of a kind: HR's, else its default (None: kept until deleted)."""
    return stored[kind]["days"] if kind in stored else RULES[kind].default_days


async def retention(principal: Principal) -> RetentionRead:
    if not policy.reads_retention(principal):
        raise forbidden("Retention periods are for HR and administrators.")
    stored = await _set_periods()
    periods = []
    for kind, rule in RULES.items():
        row = stored.get(kind)
        periods.append(
            RetentionPeriodRead(
                kind=kind,
                days=_in_force(kind, stored),
                default_days=rule.default_days,
                min_days=rule.min_days,
                updated_by=PersonRef(id=row["by_id"], display_name=row["by_name"])
                if row and row["by_id"]
                else None,
                updated_at=row["updated_at"] if row else None,
            )
        )
    return RetentionRead(periods=periods, editable=policy.sets_retention(principal))


async def set_retention(principal: Principal, data: RetentionUpdate) -> RetentionRead:
    if not policy.sets_retention(principal):
        raise forbidden("Only company-wide HR sets how long records are kept.")
    too_short = [
        {
            "field": f"periods[{i}].days",
            "code": "retention_too_short",
            "message": str(RULES[p.kind].min_days),
        }
        for i, p in enumerate(data.periods)
        if p.days is not None and p.days < RULES[p.kind].min_days
    ]
    if too_short:
        raise ProblemError(
            422,
            "retention_too_short",
            "Some periods are shorter than the law and the reviews allow for that kind of record.",
            errors=too_short,
        )
    at = datetime.now(UTC)
    async with write_transaction():
        for period in {p.kind: p for p in data.periods}.values():  # the last word for a kind
            await RetentionPeriod.delete().where(RetentionPeriod.kind == period.kind)
            await RetentionPeriod.insert(
                RetentionPeriod(
                    kind=period.kind,
                    days=period.days,
                    updated_by=principal.person_id,
                    updated_at=at,
                )
            )
    return await retention(principal)


async def purge_expired(at: datetime) -> dict[str, int]:
    """Deletes what is older than its kind's period, one kind at a time (each in its own
    transaction, so a long purge of one kind does not hold the others), sign-in sessions
    that expired and failed sign-ins that no longer count; -> how many of each. Safe in
    several processes at once: a second purge finds nothing left to delete."""
    stored = await _set_periods()
    async with write_transaction():
        purged = {
            "sessions": await auth.purge_sessions_ended_before(at),
            "sign_in_failures": await auth.purge_failures_before(at - FAILURES_KEPT),
        }
    for kind in RULES:
        days = _in_force(kind, stored)
        if days is None:
            continue
        async with write_transaction():
            purged[kind] = await PURGES[kind](at - timedelta(days=days))
    if any(purged.values()):
        log.info("retention purge: %s", purged)
    return purged
