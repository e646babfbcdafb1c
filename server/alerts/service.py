"""Writes that can move a watched metric, with the alert check they trigger: the rules look
again as soon as progress or a check-in is recorded, not only in the periodic round."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from server.alerts import queries as alerts
from server.checkins import queries as checkins
from server.core.access import Principal
from server.db import write_transaction
from server.goals import queries as goals
from shared_schemas.checkins import SubmitMinutes
from shared_schemas.goals import (
    IntegrationProgressCreate,
    IntegrationProgressResult,
    ProgressCreate,
    ProgressRead,
)


async def record_progress(
    principal: Principal,
    key_result_id: UUID,
    data: ProgressCreate,
    recorded_at: datetime | None = None,
    entry_id: UUID | None = None,
) -> ProgressRead:
    """A party's progress (the goal page, or a `kr.progress` sync entry) and the check of the
    owner's key-result rules, in one transaction."""
    async with write_transaction():
        progress = await goals.record_progress(
            principal, key_result_id, data, recorded_at=recorded_at, entry_id=entry_id
        )
        await alerts.after_progress(key_result_id)
    return progress


async def integration_progress(
    integration_id: UUID, key_result_id: UUID, data: IntegrationProgressCreate
) -> IntegrationProgressResult:
    """Another system's value, then the check. Two transactions: the write settles a
    repeated delivery by its own rollback; a check lost in between is made by the next
    round."""
    result = await goals.push_integration_progress(integration_id, key_result_id, data)
    if not result.duplicate:
        await alerts.after_progress(key_result_id)
    return result


async def submit_minutes(principal: Principal, data: SubmitMinutes) -> UUID:
    """Check-in minutes (a `checkin.submit` sync entry): a check-in was held, so an overdue
    check-in alert for the person recovers at once. In the push's transaction."""
    checkin_id = await checkins.submit_minutes(principal, data)
    await alerts.after_checkin(data.employee_id)
    return checkin_id
