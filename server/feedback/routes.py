from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Router, delete, get
from litestar.params import FromPath, QueryParameter

from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from server.feedback import queries
from shared_schemas.feedback import FeedbackRead, KudosPage, ReportRecognition

MAX_WEEKS = 26


@get("/api/kudos", operation_id="ListKudos", responses=PROBLEM_RESPONSES)
async def list_kudos(
    principal: CurrentPrincipal,
    show: Annotated[queries.KudosScope, QueryParameter()] = "feed",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> KudosPage:
    """Recognition, newest first: the feed (everything I may see), what I received, or what
    I gave. Kudos are written through the sync push (`kudos.create`)."""
    return await queries.list_kudos(principal, show, cursor, limit)


@delete("/api/kudos/{kudos_id:uuid}", operation_id="DeleteKudos", responses=PROBLEM_RESPONSES)
async def delete_kudos(principal: CurrentPrincipal, kudos_id: FromPath[UUID]) -> None:
    await queries.delete_kudos(principal, kudos_id)


@get("/api/me/feedback", operation_id="ListMyFeedback", responses=PROBLEM_RESPONSES)
async def list_my_feedback(
    principal: CurrentPrincipal,
    box: Annotated[queries.FeedbackBox, QueryParameter()] = "received",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[FeedbackRead]:
    """SBI feedback I received, I gave, or (`team`) that authors shared with me about my
    direct reports. Written through the sync push (`feedback.create`)."""
    return await queries.list_feedback(principal, box, cursor, limit)


@get(
    "/api/me/team/recognition",
    operation_id="ListTeamRecognition",
    responses=PROBLEM_RESPONSES,
)
async def list_team_recognition(
    principal: CurrentPrincipal, weeks: Annotated[int, QueryParameter(ge=1, le=MAX_WEEKS)] = 4
) -> list[ReportRecognition]:
    """For a manager: specific kudos given to each direct report, week by week."""
    return await queries.team_recognition(principal, weeks)


router = Router(
    path="/",
    route_handlers=[list_kudos, delete_kudos, list_my_feedback, list_team_recognition],
    tags=["feedback"],
)
