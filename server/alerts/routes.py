from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, Response, Router, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.alerts import queries
from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.sync.conditional import NOT_MODIFIED, ConditionalRead, IfNoneMatch
from shared_schemas.alerts import (
    AlertDismiss,
    AlertRead,
    AlertResolve,
    AlertRuleCreate,
    AlertRuleRead,
    AlertRuleUpdate,
    AlertSchedule,
    OpenAlertsRead,
)

ALERTS = ConditionalRead[list[AlertRead]](list[AlertRead])


@get("/api/alerts", operation_id="ListAlerts", responses={**PROBLEM_RESPONSES, **NOT_MODIFIED})
async def list_alerts(
    request: Request[Any, Any, Any],
    principal: CurrentPrincipal,
    if_none_match: IfNoneMatch = None,
    status: Annotated[
        Literal["active", "closed", "all"],
        QueryParameter(description="active: open or scheduled (the default)."),
    ] = "active",
    person_id: Annotated[UUID | None, QueryParameter(description="About this person.")] = None,
) -> Response[list[AlertRead]]:
    """Alerts about me, about my direct reports, and (HR) escalated ones in scope.
    Revalidated with its ETag (304 when unchanged)."""
    return await ALERTS.answer(
        request,
        principal,
        if_none_match,
        [status, person_id],
        await queries.alerts_topics(principal),
        partial(queries.list_alerts, principal, status, person_id),
    )


@get(
    "/api/open-alerts-by-department",
    operation_id="GetOpenAlertsByDepartment",
    responses=PROBLEM_RESPONSES,
)
async def get_open_alerts_by_department(
    principal: CurrentPrincipal, state: State
) -> OpenAlertsRead:
    """HR: how many alerts are open about the people I cover, and about how many of them,
    by department and in all. Counts only; none for a group under the minimum group size,
    or where subtracting one group from another would tell about fewer people than that."""
    return await queries.open_by_department(principal, state.settings.min_group_size)


@get("/api/alerts/{alert_id:uuid}", operation_id="GetAlert", responses=PROBLEM_RESPONSES)
async def get_alert(principal: CurrentPrincipal, alert_id: FromPath[UUID]) -> AlertRead:
    return await queries.get_alert(principal, alert_id)


@post(
    "/api/alerts/{alert_id:uuid}/schedule",
    operation_id="ScheduleAlert",
    responses=PROBLEM_RESPONSES,
    status_code=200,
)
async def schedule_alert(
    principal: CurrentPrincipal, alert_id: FromPath[UUID], data: JSONBody[AlertSchedule]
) -> AlertRead:
    """Book the conversation (or move it)."""
    return await queries.schedule(principal, alert_id, data)


@post(
    "/api/alerts/{alert_id:uuid}/resolve",
    operation_id="ResolveAlert",
    responses=PROBLEM_RESPONSES,
    status_code=200,
)
async def resolve_alert(
    principal: CurrentPrincipal, alert_id: FromPath[UUID], data: JSONBody[AlertResolve]
) -> AlertRead:
    """Close it with what the two agreed."""
    return await queries.resolve(principal, alert_id, data)


@post(
    "/api/alerts/{alert_id:uuid}/dismiss",
    operation_id="DismissAlert",
    responses=PROBLEM_RESPONSES,
    status_code=200,
)
async def dismiss_alert(
    principal: CurrentPrincipal, alert_id: FromPath[UUID], data: JSONBody[AlertDismiss]
) -> AlertRead:
    """Close it without a conversation, with the reason."""
    return await queries.dismiss(principal, alert_id, data)


@get("/api/alert-rules", operation_id="ListAlertRules", responses=PROBLEM_RESPONSES)
async def list_alert_rules(principal: CurrentPrincipal) -> list[AlertRuleRead]:
    """The company rules, and those of the departments and goals in the viewer's HR scope."""
    return await queries.list_rules(principal)


@post("/api/alert-rules", operation_id="CreateAlertRule", responses=PROBLEM_RESPONSES)
async def create_alert_rule(
    principal: CurrentPrincipal, data: JSONBody[AlertRuleCreate]
) -> AlertRuleRead:
    return await queries.create_rule(principal, data)


@patch(
    "/api/alert-rules/{rule_id:uuid}", operation_id="UpdateAlertRule", responses=PROBLEM_RESPONSES
)
async def update_alert_rule(
    principal: CurrentPrincipal, rule_id: FromPath[UUID], data: JSONBody[AlertRuleUpdate]
) -> AlertRuleRead:
    """Applies from the next alert round."""
    return await queries.update_rule(principal, rule_id, data)


@delete(
    "/api/alert-rules/{rule_id:uuid}",
    operation_id="DeleteAlertRule",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_204_NO_CONTENT,
)
async def delete_alert_rule(principal: CurrentPrincipal, rule_id: FromPath[UUID]) -> None:
    await queries.delete_rule(principal, rule_id)


router = Router(
    path="/",
    tags=["alerts"],
    route_handlers=[
        list_alerts,
        get_open_alerts_by_department,
        get_alert,
        schedule_alert,
        resolve_alert,
        dismiss_alert,
        list_alert_rules,
        create_alert_rule,
        update_alert_rule,
        delete_alert_rule,
    ],
)
