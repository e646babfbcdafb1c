from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, Router, delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.alerts import service as alerts
from server.auth.middleware import CurrentPrincipal
from server.core.access import PUBLIC
from server.core.errors import PROBLEM_RESPONSES, ProblemError
from server.goals import queries
from server.sync.conditional import NOT_MODIFIED, ConditionalRead, IfNoneMatch, verifies
from shared_schemas.goals import (
    AmendmentCreate,
    CommentCreate,
    CommentRead,
    CycleCreate,
    CycleRead,
    CycleUpdate,
    GoalCreate,
    GoalRead,
    GoalRights,
    GoalSummaryRead,
    GoalTreeRead,
    GoalUpdate,
    GoalVersionRead,
    IntegrationProgressCreate,
    IntegrationProgressResult,
    IntegrationTokenCreate,
    IntegrationTokenIssued,
    IntegrationTokenRead,
    MyGoalsRead,
    ParentChoice,
    ProgressCreate,
    ProgressRead,
    SignatureCreate,
    TemplateAssign,
    TemplateAssignResult,
    TemplateCreate,
    TemplateRead,
    ThemeCreate,
    ThemeRead,
    ThemeUpdate,
    TransitionRequest,
    TreeNode,
)

CycleFilter = Annotated[UUID | None, QueryParameter(description="Only this cycle.")]


@get("/api/me/goal-rights", operation_id="GetMyGoalRights", responses=PROBLEM_RESPONSES)
async def get_goal_rights(principal: CurrentPrincipal) -> GoalRights:
    """What this person may set up: cycles and strategy, department objectives, templates,
    integrations."""
    return await queries.goal_rights(principal)


# --- cycles and strategy themes ---------------------------------------------------------------


@get("/api/goal-cycles", operation_id="ListCycles", responses=PROBLEM_RESPONSES)
async def list_cycles(principal: CurrentPrincipal) -> list[CycleRead]:
    """Goal cycles, newest first."""
    return await queries.list_cycles()


@post("/api/goal-cycles", operation_id="CreateCycle", responses=PROBLEM_RESPONSES)
async def create_cycle(principal: CurrentPrincipal, data: JSONBody[CycleCreate]) -> CycleRead:
    return await queries.create_cycle(principal, data)


@patch("/api/goal-cycles/{cycle_id:uuid}", operation_id="UpdateCycle", responses=PROBLEM_RESPONSES)
async def update_cycle(
    principal: CurrentPrincipal, cycle_id: FromPath[UUID], data: JSONBody[CycleUpdate]
) -> CycleRead:
    return await queries.update_cycle(principal, cycle_id, data)


@get("/api/strategy-themes", operation_id="ListStrategyThemes", responses=PROBLEM_RESPONSES)
async def list_themes(principal: CurrentPrincipal, cycle_id: CycleFilter = None) -> list[ThemeRead]:
    return await queries.list_themes(cycle_id)


@post("/api/strategy-themes", operation_id="CreateStrategyTheme", responses=PROBLEM_RESPONSES)
async def create_theme(principal: CurrentPrincipal, data: JSONBody[ThemeCreate]) -> ThemeRead:
    return await queries.create_theme(principal, data)


@patch(
    "/api/strategy-themes/{theme_id:uuid}",
    operation_id="UpdateStrategyTheme",
    responses=PROBLEM_RESPONSES,
)
async def update_theme(
    principal: CurrentPrincipal, theme_id: FromPath[UUID], data: JSONBody[ThemeUpdate]
) -> ThemeRead:
    return await queries.update_theme(principal, theme_id, data)


# --- goals ------------------------------------------------------------------------------------


@get("/api/me/goals", operation_id="ListMyGoals", responses=PROBLEM_RESPONSES)
async def list_my_goals(principal: CurrentPrincipal, cycle_id: CycleFilter = None) -> MyGoalsRead:
    """My individual goals with pace, and how their weights add up per cycle."""
    return await queries.list_my_goals(principal, cycle_id)


TEAM_GOALS = ConditionalRead[list[GoalSummaryRead]](list[GoalSummaryRead])


@get(
    "/api/me/team/goals",
    operation_id="ListTeamGoals",
    responses={**PROBLEM_RESPONSES, **NOT_MODIFIED},
)
async def list_team_goals(
    request: Request[Any, Any, Any],
    principal: CurrentPrincipal,
    if_none_match: IfNoneMatch = None,
    cycle_id: CycleFilter = None,
) -> Response[list[GoalSummaryRead]]:
    """My direct reports' goals; `awaiting_my_signature` marks those waiting for me.
    Revalidated with its ETag (304 when unchanged)."""
    return await TEAM_GOALS.answer(
        request,
        principal,
        if_none_match,
        [cycle_id, queries.pace_day()],
        await queries.team_goals_topics(principal),
        partial(queries.list_team_goals, principal, None if cycle_id is None else [cycle_id]),
    )


GOAL_TREE = ConditionalRead[GoalTreeRead](GoalTreeRead, learns=True)


@get(
    "/api/goal-cycles/{cycle_id:uuid}/tree",
    operation_id="GetGoalTree",
    responses={**PROBLEM_RESPONSES, **NOT_MODIFIED},
)
async def goal_tree(
    request: Request[Any, Any, Any],
    principal: CurrentPrincipal,
    cycle_id: FromPath[UUID],
    if_none_match: IfNoneMatch = None,
) -> Response[GoalTreeRead]:
    """From each strategy theme down to the individual goals this viewer may see: the top of
    the tree and the viewer's own branch; `more` on a node counts what was left out.
    Revalidated with its ETag (304 when unchanged)."""
    return await GOAL_TREE.answer(
        request,
        principal,
        if_none_match,
        [cycle_id, queries.pace_day()],
        queries.goal_tree_topics(),
        partial(queries.goal_tree, principal, cycle_id, verifies(request)),
    )


@get(
    "/api/goal-cycles/{cycle_id:uuid}/parent-choices",
    operation_id="ListParentChoices",
    responses=PROBLEM_RESPONSES,
)
async def parent_choices(
    principal: CurrentPrincipal,
    cycle_id: FromPath[UUID],
    q: Annotated[str, QueryParameter(max_length=100, description="Part of a title.")] = "",
    exclude: Annotated[
        UUID | None,
        QueryParameter(
            description="The goal being edited: it and the goals below it are left out."
        ),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> list[ParentChoice]:
    """Objectives a goal of this cycle may be aligned to, nearest first: mine and my
    managers' up to the company's; with `q`, any whose title holds it."""
    return await queries.parent_choices(principal, cycle_id, q.strip(), exclude, limit)


@get(
    "/api/goals/{goal_id:uuid}/children",
    operation_id="ListGoalChildren",
    responses=PROBLEM_RESPONSES,
)
async def goal_children(
    request: Request[Any, Any, Any], principal: CurrentPrincipal, goal_id: FromPath[UUID]
) -> list[TreeNode]:
    """The goals aligned to this one that I may see, to open a branch of the tree."""
    return await queries.goal_children(principal, goal_id, verifies(request))


@post("/api/goals", operation_id="CreateGoal", responses=PROBLEM_RESPONSES)
async def create_goal(principal: CurrentPrincipal, data: JSONBody[GoalCreate]) -> GoalRead:
    """A draft individual goal, or an active company, department or team objective."""
    return await queries.create_goal(principal, data)


@get("/api/goals/{goal_id:uuid}", operation_id="GetGoal", responses=PROBLEM_RESPONSES)
async def get_goal(principal: CurrentPrincipal, goal_id: FromPath[UUID]) -> GoalRead:
    """A goal with its key results, pace, signatures, alignment and what I may do with it."""
    return await queries.get_goal(principal, goal_id)


@patch("/api/goals/{goal_id:uuid}", operation_id="UpdateGoal", responses=PROBLEM_RESPONSES)
async def update_goal(
    principal: CurrentPrincipal, goal_id: FromPath[UUID], data: JSONBody[GoalUpdate]
) -> GoalRead:
    """Change a draft, or counter-propose during negotiation (a new version to sign).
    An agreed goal changes only through an amendment."""
    return await queries.update_goal(principal, goal_id, data)


@post(
    "/api/goals/{goal_id:uuid}/transitions",
    operation_id="TransitionGoal",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_200_OK,
)
async def transition_goal(
    principal: CurrentPrincipal, goal_id: FromPath[UUID], data: JSONBody[TransitionRequest]
) -> GoalRead:
    """Propose for sign-off, activate, withdraw, or close with a score."""
    return await queries.transition(principal, goal_id, data)


@post(
    "/api/goals/{goal_id:uuid}/signatures",
    operation_id="SignGoal",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_200_OK,
)
async def sign_goal(
    principal: CurrentPrincipal, goal_id: FromPath[UUID], data: JSONBody[SignatureCreate]
) -> GoalRead:
    """Sign the version waiting for my signature; the hash must match the version I read."""
    return await queries.sign(principal, goal_id, data)


@post(
    "/api/goals/{goal_id:uuid}/amendments",
    operation_id="ProposeAmendment",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_201_CREATED,
)
async def propose_amendment(
    principal: CurrentPrincipal, goal_id: FromPath[UUID], data: JSONBody[AmendmentCreate]
) -> GoalRead:
    """Change an agreed goal: a new version that both sign again."""
    return await queries.propose_amendment(principal, goal_id, data)


@get(
    "/api/goals/{goal_id:uuid}/versions",
    operation_id="ListGoalVersions",
    responses=PROBLEM_RESPONSES,
)
async def list_versions(
    principal: CurrentPrincipal, goal_id: FromPath[UUID]
) -> list[GoalVersionRead]:
    """Every proposed and agreed version with its hash and signatures, oldest first."""
    return await queries.list_versions(principal, goal_id)


@get(
    "/api/goals/{goal_id:uuid}/comments",
    operation_id="ListGoalComments",
    responses=PROBLEM_RESPONSES,
)
async def list_comments(principal: CurrentPrincipal, goal_id: FromPath[UUID]) -> list[CommentRead]:
    return await queries.list_comments(principal, goal_id)


@post(
    "/api/goals/{goal_id:uuid}/comments",
    operation_id="CreateGoalComment",
    responses=PROBLEM_RESPONSES,
)
async def add_comment(
    principal: CurrentPrincipal, goal_id: FromPath[UUID], data: JSONBody[CommentCreate]
) -> CommentRead:
    return await queries.add_comment(principal, goal_id, data)


# --- progress ---------------------------------------------------------------------------------


@get(
    "/api/key-results/{key_result_id:uuid}/progress",
    operation_id="ListProgress",
    responses=PROBLEM_RESPONSES,
)
async def list_progress(
    principal: CurrentPrincipal, key_result_id: FromPath[UUID]
) -> list[ProgressRead]:
    """The key result's progress log, oldest first."""
    return await queries.list_progress(principal, key_result_id)


@post(
    "/api/key-results/{key_result_id:uuid}/progress",
    operation_id="RecordProgress",
    responses=PROBLEM_RESPONSES,
)
async def record_progress(
    principal: CurrentPrincipal, key_result_id: FromPath[UUID], data: JSONBody[ProgressCreate]
) -> ProgressRead:
    return await alerts.record_progress(principal, key_result_id, data)


# --- templates --------------------------------------------------------------------------------


@get("/api/goal-templates", operation_id="ListGoalTemplates", responses=PROBLEM_RESPONSES)
async def list_templates(
    principal: CurrentPrincipal, cycle_id: CycleFilter = None
) -> list[TemplateRead]:
    return await queries.list_templates(principal, cycle_id)


@post("/api/goal-templates", operation_id="CreateGoalTemplate", responses=PROBLEM_RESPONSES)
async def create_template(
    principal: CurrentPrincipal, data: JSONBody[TemplateCreate]
) -> TemplateRead:
    return await queries.create_template(principal, data)


@post(
    "/api/goal-templates/{template_id:uuid}/assignments",
    operation_id="AssignGoalTemplate",
    responses=PROBLEM_RESPONSES,
)
async def assign_template(
    principal: CurrentPrincipal, template_id: FromPath[UUID], data: JSONBody[TemplateAssign]
) -> TemplateAssignResult:
    """Give each person named, in the department or in the job family their own draft copy."""
    return await queries.assign_template(principal, template_id, data)


# --- integrations -----------------------------------------------------------------------------


@get(
    "/api/admin/integration-tokens",
    operation_id="ListIntegrationTokens",
    responses=PROBLEM_RESPONSES,
)
async def list_integration_tokens(principal: CurrentPrincipal) -> list[IntegrationTokenRead]:
    return await queries.list_integration_tokens(principal)


@post(
    "/api/admin/integration-tokens",
    operation_id="CreateIntegrationToken",
    responses=PROBLEM_RESPONSES,
)
async def create_integration_token(
    principal: CurrentPrincipal, data: JSONBody[IntegrationTokenCreate]
) -> IntegrationTokenIssued:
    """A token another system uses to report key-result values; shown only in this answer."""
    return await queries.create_integration_token(principal, data.name)


@delete(
    "/api/admin/integration-tokens/{token_id:uuid}",
    operation_id="RevokeIntegrationToken",
    responses=PROBLEM_RESPONSES,
)
async def revoke_integration_token(principal: CurrentPrincipal, token_id: FromPath[UUID]) -> None:
    await queries.revoke_integration_token(principal, token_id)


async def _integration(request: Request[Any, Any, Any]) -> UUID:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    integration = (
        await queries.integration_for(token.strip()) if scheme.lower() == "bearer" else None
    )
    if integration is None:
        raise ProblemError(
            401,
            "invalid_integration_token",
            "This endpoint takes a live integration token.",
            headers={"WWW-Authenticate": 'Bearer realm="tandem-integrations"'},
        )
    return integration


@post(
    "/api/integrations/key-results/{key_result_id:uuid}/progress",
    operation_id="PushIntegrationProgress",
    responses=PROBLEM_RESPONSES,
    opt={PUBLIC: True},
    status_code=HTTP_200_OK,
)
async def push_integration_progress(
    request: Request[Any, Any, Any],
    key_result_id: FromPath[UUID],
    data: JSONBody[IntegrationProgressCreate],
) -> IntegrationProgressResult:
    """For other systems (CRM, project tools), with an integration token instead of a user's
    sign-in. A repeated `external_event_id` is answered with the first entry, unchanged."""
    integration = await _integration(request)
    return await alerts.integration_progress(integration, key_result_id, data)


router = Router(
    path="/",
    route_handlers=[
        get_goal_rights,
        list_cycles,
        create_cycle,
        update_cycle,
        list_themes,
        create_theme,
        update_theme,
        list_my_goals,
        list_team_goals,
        goal_tree,
        parent_choices,
        goal_children,
        create_goal,
        get_goal,
        update_goal,
        transition_goal,
        sign_goal,
        propose_amendment,
        list_versions,
        list_comments,
        add_comment,
        list_progress,
        record_progress,
        list_templates,
        create_template,
        assign_template,
        list_integration_tokens,
        create_integration_token,
        revoke_integration_token,
        push_integration_progress,
    ],
)
