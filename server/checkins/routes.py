from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Router, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.auth.middleware import CurrentPrincipal
from server.checkins import queries
from server.core.errors import PROBLEM_RESPONSES
from server.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from shared_schemas.checkins import (
    CadenceSet,
    CheckinPrepRead,
    CheckinRead,
    CheckinStatusPage,
    CheckinTemplateCreate,
    CheckinTemplateRead,
    CoverageRead,
)

PersonFilter = Annotated[
    UUID | None, QueryParameter(description="Whose (default: mine; a manager: a report's).")
]


@get("/api/checkin-templates", operation_id="ListCheckinTemplates", responses=PROBLEM_RESPONSES)
async def list_checkin_templates(principal: CurrentPrincipal) -> list[CheckinTemplateRead]:
    """The newest version of each 15-minute template, prompts in zh-CN and en."""
    return await queries.list_templates(principal)


@post("/api/checkin-templates", operation_id="CreateCheckinTemplate", responses=PROBLEM_RESPONSES)
async def create_checkin_template(
    principal: CurrentPrincipal, data: JSONBody[CheckinTemplateCreate]
) -> CheckinTemplateRead:
    """A new template, or with `replaces_id` a new version of one."""
    return await queries.create_template(principal, data)


@get("/api/checkins", operation_id="ListCheckins", responses=PROBLEM_RESPONSES)
async def list_checkins(
    principal: CurrentPrincipal, person_id: PersonFilter = None
) -> list[CheckinRead]:
    """Recent check-ins, newest first. Written through the sync push (`checkin.prepare`,
    `checkin.submit`, `checkin.confirm`, `action.complete`)."""
    return await queries.list_checkins(principal, person_id)


@get("/api/checkins/{checkin_id:uuid}", operation_id="GetCheckin", responses=PROBLEM_RESPONSES)
async def get_checkin(principal: CurrentPrincipal, checkin_id: FromPath[UUID]) -> CheckinRead:
    return await queries.get_checkin(principal, checkin_id)


@get("/api/checkin-preparation", operation_id="GetCheckinPreparation", responses=PROBLEM_RESPONSES)
async def get_checkin_preparation(
    principal: CurrentPrincipal, person_id: PersonFilter = None
) -> CheckinPrepRead:
    """What moved since the last check-in: key results, checkpoints, kudos, open actions."""
    return await queries.preparation(principal, person_id)


@get("/api/checkin-status", operation_id="ListCheckinStatus", responses=PROBLEM_RESPONSES)
async def list_checkin_status(
    principal: CurrentPrincipal, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> CheckinStatusPage:
    """Due or overdue, per person in my reach, by name a page at a time: status only, never
    what was said."""
    return await queries.status_page(principal, cursor, limit)


@get("/api/checkin-coverage", operation_id="GetCheckinCoverage", responses=PROBLEM_RESPONSES)
async def get_checkin_coverage(principal: CurrentPrincipal, state: State) -> CoverageRead:
    """HR: how many of the people I cover are on time with their check-ins, by department
    and in all. Counts only; none for a group under the minimum group size, or where
    subtracting one group from another would tell about fewer people than that."""
    return await queries.coverage(principal, state.settings.min_group_size)


@put(
    "/api/cadences/{manager_id:uuid}",
    operation_id="SetTeamCadence",
    status_code=HTTP_204_NO_CONTENT,
    responses=PROBLEM_RESPONSES,
)
async def set_team_cadence(
    principal: CurrentPrincipal, manager_id: FromPath[UUID], data: JSONBody[CadenceSet]
) -> None:
    """How often a manager's team checks in: weekly, biweekly or monthly."""
    await queries.set_cadence(principal, manager_id, data)


router = Router(
    path="/",
    route_handlers=[
        list_checkin_templates,
        create_checkin_template,
        list_checkins,
        get_checkin,
        get_checkin_preparation,
        list_checkin_status,
        get_checkin_coverage,
        set_team_cadence,
    ],
    tags=["check-ins"],
)
