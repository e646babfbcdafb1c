"""The authorization matrix: every operation of the OpenAPI document × every kind of viewer.

The subject of person-level operations is alice. The viewers cover each relation to her:
self (alice), direct manager (manager.east), skip-level manager (ceo), HR in scope (hr,
company-wide), HR out of scope (hr.west), a peer on her team (bob), a peer on another team
(carol), another team's manager (manager.west), the admin, and nobody signed in.

An operation in the OpenAPI document without a row here fails the suite: a new endpoint
cannot ship without someone deciding who may call it.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest

from server.alerts import queries as alert_queries
from server.alerts import service as alerts_service
from server.alerts.tables import Alert
from server.checkins.defaults import DEFAULT_TEMPLATE_ID
from server.checkins.tables import Checkin, CheckinAction
from server.demo.principals import act_as
from server.feedback.tables import Kudos
from server.goals.tables import Cycle, Goal, GoalTemplate, KeyResult, StrategyTheme
from server.org import queries as org_queries
from server.sync.mutations import KINDS
from shared_schemas.alerts import AlertRuleCreate
from shared_schemas.goals import ProgressCreate
from shared_schemas.org import PersonCardRead, PersonRead
from tests.conftest import seed_demo, truncate_all
from tests.factories import make_person
from tests.push_service import browser_keys
from tests.test_sync_partial import MergingPhone

VIEWERS = [
    "anonymous",
    "alice",
    "manager.east",
    "ceo",
    "hr",
    "hr.west",
    "bob",
    "carol",
    "manager.west",
    "admin",
]
SIGNED_IN = [v for v in VIEWERS if v != "anonymous"]
# Who may read alice's private goal (self, manager chain, HR in scope) and who may act on it.
ALICE_GOAL_READERS = ["alice", "manager.east", "ceo", "hr"]
ALICE_GOAL_PARTIES = ["alice", "manager.east"]
PLANNERS = ["hr", "ceo"]  # company-wide HR and the head of the organisation
TEMPLATE_USERS = ["manager.east", "ceo", "hr", "hr.west", "manager.west"]


def everyone(status: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, status)}


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(SIGNED_IN, others), **allowed}


def alice_goal(party: int, reader: int = 403) -> dict[str, int]:
    """An action on alice's private goal: parties get `party`, other readers `reader`, and
    everyone who may not read it 404."""
    return only(
        {**dict.fromkeys(ALICE_GOAL_READERS, reader), **dict.fromkeys(ALICE_GOAL_PARTIES, party)},
        others=404,
    )


@dataclass
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    content_type: str | None = None
    # For 200s: the exact set of fields each viewer may receive (property-level leaks).
    fields: dict[str, set[str]] = field(default_factory=dict)


FULL_PROFILE = set(PersonRead.model_fields)
CARD = set(PersonCardRead.model_fields)
IMPORT_CSV = "email,display_name\nnew.person@example.com,新同事\n"
KEY_RESULT = {
    "title": "回访客户",
    "target_value": "30",
    "due_on": "{cycle_end}",
    "standards": ["quantity"],
}

# A check-in's content is for its two parties: alice and her direct manager.
CHECKIN_PARTIES = {"alice": 200, "manager.east": 200}
CHECKIN_TEMPLATE = {
    "name": "门店巡检沟通",
    "sections": [
        {
            "key": key,
            "minutes": 5,
            "prompts": [{"zh_cn": "做得最好的是什么？", "en": "What went best?"}],
        }
        for key in ("highlights", "obstacles", "next_actions")
    ],
}

# An alert about alice is read and handled by its two parties, alice and her manager.
ALERT_PARTIES = {"alice": 200, "manager.east": 200}

PUSH_SUBSCRIPTION = {
    "endpoint": "https://push.example/1",
    "keys": browser_keys(),
}

MATRIX: dict[str, Row] = {
    "Healthz": Row("GET", "/healthz", everyone(200, anonymous=200)),
    "Readyz": Row("GET", "/readyz", everyone(200, anonymous=200)),
    "Login": Row(
        "POST",
        "/api/auth/login",
        everyone(200, anonymous=200),
        body={"email": "alice@example.com", "password": "tandem-demo"},
    ),
    "RefreshSession": Row(
        "POST",
        "/api/auth/refresh",
        everyone(401, anonymous=401),
        body={"refresh_token": "not-issued"},
    ),
    "Logout": Row(
        "POST", "/api/auth/logout", everyone(204, anonymous=204), body={"refresh_token": "x"}
    ),
    "GetMe": Row("GET", "/api/me", everyone(200)),
    "ListMyTeam": Row("GET", "/api/me/team", everyone(200)),
    "ListMyAccessLog": Row("GET", "/api/me/access-log", everyone(200)),
    "GetMyDataAudience": Row("GET", "/api/me/data-audience", everyone(200)),
    # The export is each person's own data and nobody else's: there is no parameter to ask
    # for someone else's.
    "ExportMyData": Row("GET", "/api/me/export", everyone(200)),
    # Counts over HR's own scope, never below the minimum group size.
    "GetCheckinCoverage": Row("GET", "/api/checkin-coverage", only({"hr": 200, "hr.west": 200})),
    "GetOpenAlertsByDepartment": Row(
        "GET", "/api/open-alerts-by-department", only({"hr": 200, "hr.west": 200})
    ),
    # Retention is company policy: HR and admins read it, company-wide HR sets it.
    "GetRetention": Row(
        "GET", "/api/privacy/retention", only({"hr": 200, "hr.west": 200, "admin": 200})
    ),
    "SetRetention": Row(
        "PUT",
        "/api/privacy/retention",
        only({"hr": 200}),
        body={"periods": [{"kind": "kudos", "days": 400}]},
    ),
    "ExportMyDataSummary": Row("GET", "/api/me/export/summary", everyone(200)),
    # Notifications: each person only ever reaches their own devices and inbox.
    "GetVapidPublicKey": Row("GET", "/api/push/vapid-public-key", everyone(200)),
    "SavePushSubscription": Row(
        "PUT", "/api/push/subscription", everyone(204), body=PUSH_SUBSCRIPTION
    ),
    "RemovePushSubscription": Row(
        "DELETE", "/api/push/subscription?endpoint=https://push.example/1", everyone(204)
    ),
    "ListMyNotifications": Row("GET", "/api/me/notifications", everyone(200)),
    "MarkNotificationsRead": Row("POST", "/api/me/notifications/read", everyone(204), body={}),
    "GetNotificationPreferences": Row("GET", "/api/me/notification-preferences", everyone(200)),
    "SaveNotificationPreferences": Row(
        "PUT",
        "/api/me/notification-preferences",
        everyone(200),
        body={"quiet_hours": {"start": "22:00", "end": "07:00"}},
    ),
    "SearchPeople": Row("GET", "/api/people?q=", everyone(200)),
    "GetPerson": Row(
        "GET",
        "/api/people/{alice}",
        everyone(200),
        fields={
            **dict.fromkeys(["alice", "manager.east", "ceo", "hr", "admin"], FULL_PROFILE),
            **dict.fromkeys(["hr.west", "bob", "carol", "manager.west"], CARD),
        },
    ),
    "GetCompany": Row("GET", "/api/org/company", everyone(200)),
    "UpdateCompany": Row(
        "PATCH", "/api/org/company", only({"admin": 200}), body={"name": "同行示范公司"}
    ),
    "ListDepartments": Row("GET", "/api/org/departments", everyone(200)),
    "CreateDepartment": Row(
        "POST", "/api/org/departments", only({"admin": 201}), body={"name": "Research"}
    ),
    "UpdatePerson": Row(
        "PATCH", "/api/admin/people/{alice}", only({"admin": 200}), body={"title": "资深客户经理"}
    ),
    "EndPersonSessions": Row("DELETE", "/api/admin/people/{alice}/sessions", only({"admin": 204})),
    "ListAccounts": Row("GET", "/api/admin/people?state=departed", only({"admin": 200})),
    "ErasePerson": Row("POST", "/api/admin/people/{departed}/erasure", only({"admin": 200})),
    "ImportPeople": Row(
        "POST",
        "/api/admin/people/import?dry_run=true",
        only({"admin": 200}),
        body=IMPORT_CSV,
        content_type="text/csv",
    ),
    # --- goals: cycles and strategy
    "GetMyGoalRights": Row("GET", "/api/me/goal-rights", everyone(200)),
    "ListCycles": Row("GET", "/api/goal-cycles", everyone(200)),
    "CreateCycle": Row(
        "POST",
        "/api/goal-cycles",
        only(dict.fromkeys(PLANNERS, 201)),
        body={
            "name": "2027 Q1",
            "kind": "quarter",
            "starts_on": "2027-01-01",
            "ends_on": "2027-03-31",
        },
    ),
    "UpdateCycle": Row(
        "PATCH", "/api/goal-cycles/{cycle}", only(dict.fromkeys(PLANNERS, 200)), body={"name": "H2"}
    ),
    "ListStrategyThemes": Row("GET", "/api/strategy-themes?cycle_id={cycle}", everyone(200)),
    "CreateStrategyTheme": Row(
        "POST",
        "/api/strategy-themes",
        only(dict.fromkeys(PLANNERS, 201)),
        body={"cycle_id": "{cycle}", "name": "客户体验"},
    ),
    "UpdateStrategyTheme": Row(
        "PATCH",
        "/api/strategy-themes/{theme}",
        only(dict.fromkeys(PLANNERS, 200)),
        body={"position": 9},
    ),
    # --- goals
    "ListMyGoals": Row("GET", "/api/me/goals", everyone(200)),
    "ListTeamGoals": Row("GET", "/api/me/team/goals", everyone(200)),
    "GetGoalTree": Row("GET", "/api/goal-cycles/{cycle}/tree", everyone(200)),
    "ListParentChoices": Row("GET", "/api/goal-cycles/{cycle}/parent-choices", everyone(200)),
    "CreateGoal": Row(
        "POST", "/api/goals", everyone(201), body={"cycle_id": "{cycle}", "title": "学习新产品"}
    ),
    "GetGoal": Row("GET", "/api/goals/{alice_goal}", alice_goal(200, reader=200)),
    # A branch of the tree: as readable as the goal it hangs from.
    "ListGoalChildren": Row("GET", "/api/goals/{alice_goal}/children", alice_goal(200, reader=200)),
    "UpdateGoal": Row(
        "PATCH", "/api/goals/{alice_draft}", alice_goal(200), body={"title": "提升续约率到 85%"}
    ),
    "TransitionGoal": Row(
        "POST", "/api/goals/{alice_draft}/transitions", alice_goal(200), body={"action": "propose"}
    ),
    "SignGoal": Row(
        "POST",
        "/api/goals/{west_goal}/signatures",
        # manager.west's proposal waits for him and his manager, the CEO; HR reads only.
        only({"manager.west": 200, "ceo": 200, "hr": 403, "hr.west": 403}, others=404),
        body={"version": 1, "content_hash": "{west_goal_hash}"},
    ),
    "ProposeAmendment": Row(
        "POST",
        "/api/goals/{alice_goal}/amendments",
        alice_goal(201),
        body={"changes": {"weight": 60, "title": "拓展苏州新客户"}, "reason": "名称更准确"},
    ),
    "ListGoalVersions": Row("GET", "/api/goals/{alice_goal}/versions", alice_goal(200, reader=200)),
    "ListGoalComments": Row("GET", "/api/goals/{alice_goal}/comments", alice_goal(200, reader=200)),
    "CreateGoalComment": Row(
        "POST", "/api/goals/{alice_goal}/comments", alice_goal(201), body={"body": "进展顺利"}
    ),
    "ListProgress": Row("GET", "/api/key-results/{alice_kr}/progress", alice_goal(200, reader=200)),
    "RecordProgress": Row(
        "POST", "/api/key-results/{alice_kr}/progress", alice_goal(201), body={"value": "22"}
    ),
    # --- templates
    "ListGoalTemplates": Row(
        "GET", "/api/goal-templates", only(dict.fromkeys(TEMPLATE_USERS, 200))
    ),
    "CreateGoalTemplate": Row(
        "POST",
        "/api/goal-templates",
        only(dict.fromkeys(TEMPLATE_USERS, 201)),
        body={"cycle_id": "{cycle}", "title": "客户回访", "key_results": [KEY_RESULT]},
    ),
    "AssignGoalTemplate": Row(
        "POST",
        "/api/goal-templates/{template}/assignments",
        # Only to people in reach: alice's manager chain and HR covering her.
        only({"manager.east": 201, "ceo": 201, "hr": 201}),
        body={"person_ids": ["{alice}"]},
    ),
    # --- integrations
    "ListIntegrationTokens": Row("GET", "/api/admin/integration-tokens", only({"admin": 200})),
    "CreateIntegrationToken": Row(
        "POST", "/api/admin/integration-tokens", only({"admin": 201}), body={"name": "CRM"}
    ),
    "RevokeIntegrationToken": Row(
        "DELETE", "/api/admin/integration-tokens/{unknown}", only({"admin": 404})
    ),
    # --- feedback (written through the sync push)
    "ListKudos": Row("GET", "/api/kudos", everyone(200)),
    "DeleteKudos": Row(
        "DELETE",
        "/api/kudos/{private_kudos}",
        # alice's private kudos to bob: bob and his manager read it; only alice removes it.
        only({"alice": 204, "bob": 403, "manager.east": 403}, others=404),
    ),
    "ListMyFeedback": Row("GET", "/api/me/feedback?box=team", everyone(200)),
    "ListTeamRecognition": Row("GET", "/api/me/team/recognition", everyone(200)),
    # --- check-ins (written through the sync push)
    "ListCheckinTemplates": Row("GET", "/api/checkin-templates", everyone(200)),
    "CreateCheckinTemplate": Row(
        "POST", "/api/checkin-templates", only({"hr": 201}), body=CHECKIN_TEMPLATE
    ),
    "ListCheckins": Row(
        "GET", "/api/checkins?person_id={alice}", only(CHECKIN_PARTIES, others=404)
    ),
    "GetCheckin": Row("GET", "/api/checkins/{alice_checkin}", only(CHECKIN_PARTIES, others=404)),
    "GetCheckinPreparation": Row(
        "GET", "/api/checkin-preparation?person_id={alice}", only(CHECKIN_PARTIES, others=404)
    ),
    "ListCheckinStatus": Row("GET", "/api/checkin-status", everyone(200)),
    "SetTeamCadence": Row(
        "PUT",
        "/api/cadences/{manager_east}",
        only({"manager.east": 204, "hr": 204}),
        body={"cadence": "weekly"},
    ),
    # --- deviation alerts: alice's is for her and her manager (HR only once escalated)
    "ListAlerts": Row("GET", "/api/alerts", everyone(200)),
    "GetAlert": Row("GET", "/api/alerts/{alice_alert}", only(ALERT_PARTIES, others=404)),
    "ScheduleAlert": Row(
        "POST",
        "/api/alerts/{alice_alert}/schedule",
        only(ALERT_PARTIES, others=404),
        body={"on": "{today}"},
    ),
    "ResolveAlert": Row(
        "POST",
        "/api/alerts/{alice_alert}/resolve",
        only(ALERT_PARTIES, others=404),
        body={"outcome": "resources", "agreement": "每周二下午由售前工程师陪同拜访"},
    ),
    "DismissAlert": Row(
        "POST",
        "/api/alerts/{alice_alert}/dismiss",
        only(ALERT_PARTIES, others=404),
        body={"reason": "数据录入错误，已更正"},
    ),
    "ListAlertRules": Row("GET", "/api/alert-rules", only({"hr": 200, "hr.west": 200})),
    "CreateAlertRule": Row(
        "POST",
        "/api/alert-rules",
        only({"hr": 201}),
        body={
            "kind": "kr_behind",
            "scope": "department",
            "department_id": "{east_department}",
            "threshold": "20",
        },
    ),
    "UpdateAlertRule": Row(
        "PATCH", "/api/alert-rules/{company_rule}", only({"hr": 200}), body={"threshold": "30"}
    ),
    "DeleteAlertRule": Row(
        "DELETE", "/api/alert-rules/{west_rule}", only({"hr": 204, "hr.west": 204})
    ),
    # --- sync: each mutation kind has its own rows in MUTATIONS below
    "SyncPull": Row("GET", "/api/sync/pull", everyone(200)),
    "SyncPush": Row(
        "POST", "/api/sync/push", everyone(200), body={"device_id": "m", "mutations": []}
    ),
    # A person's sign-in is never an integration token.
    "PushIntegrationProgress": Row(
        "POST",
        "/api/integrations/key-results/{alice_kr}/progress",
        everyone(401),
        body={"value": "23", "external_event_id": "crm-1"},
    ),
}


# Every sync mutation kind × every signed-in viewer: "applied", or "rejected" with the code.
STAFF = [v for v in SIGNED_IN if v != "admin"]
NOT_ALICES_CHECKIN = {
    **dict.fromkeys(SIGNED_IN, "not_found"),
    "alice": "applied",
    "manager.east": "applied",
}
MUTATIONS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "checkin.prepare": (
        {
            "checkin_id": "{new_id}",
            "template_id": "{checkin_template}",
            "answers": {"highlights": "苏州试点客户签约"},
        },
        {**dict.fromkeys(STAFF, "applied"), "admin": "forbidden"},
    ),
    "checkin.submit": (
        {
            "checkin_id": "{new_id}",
            "employee_id": "{alice}",
            "template_id": "{checkin_template}",
            "held_on": "{today}",
            "highlights": "试点签约 3 家",
            "actions": [
                {
                    "id": "{new_id_2}",
                    "title": "准备续约方案",
                    "owner_id": "{alice}",
                    "due_on": "{cycle_end}",
                }
            ],
        },
        {**dict.fromkeys(SIGNED_IN, "not_a_party"), "alice": "applied", "manager.east": "applied"},
    ),
    "checkin.confirm": (
        {"checkin_id": "{alice_checkin}", "minutes_version": 1},
        NOT_ALICES_CHECKIN,
    ),
    "action.complete": ({"action_id": "{alice_action}"}, NOT_ALICES_CHECKIN),
    "kr.progress": (
        {"key_result_id": "{alice_kr}", "value": "22"},
        {
            **dict.fromkeys(SIGNED_IN, "not_found"),
            **dict.fromkeys(["ceo", "hr"], "not_a_party"),
            **dict.fromkeys(ALICE_GOAL_PARTIES, "applied"),
        },
    ),
    "kudos.create": (
        {
            "recipient_ids": ["{alice}"],
            "behaviour": "周三在客户现场把报价单逐项讲清楚，客户当场签约",
        },
        {**dict.fromkeys(STAFF, "applied"), "alice": "self_feedback", "admin": "forbidden"},
    ),
    "kudos.react": (
        {"kudos_id": "{private_kudos}", "emoji": "clap"},
        {
            **dict.fromkeys(SIGNED_IN, "not_found"),
            **dict.fromkeys(["alice", "bob", "manager.east"], "applied"),
            "admin": "forbidden",
        },
    ),
    "feedback.create": (
        {
            "recipient_id": "{bob}",
            "situation": "周一的周会上",
            "behaviour": "讲了十分钟细节，没有留时间讨论需要的支持",
            "impact": "会议超时，支持没有安排上",
        },
        {**dict.fromkeys(STAFF, "applied"), "bob": "self_feedback", "admin": "forbidden"},
    ),
}


def cells() -> list[tuple[str, str]]:
    return [(operation, viewer) for operation in MATRIX for viewer in VIEWERS]


async def test_every_operation_has_a_row(client):
    document = (await client.get("/schema/openapi.json")).json()
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert operations - MATRIX.keys() == set(), "Add these operations to the authorization matrix"
    assert MATRIX.keys() - operations == set(), "These rows name operations that no longer exist"


def test_every_row_names_every_viewer():
    for operation, row in MATRIX.items():
        assert set(row.expected) == set(VIEWERS), operation


async def _goal_id(title: str) -> Any:
    return (await Goal.select(Goal.id).where(Goal.title == title).first())["id"]


@pytest.fixture(scope="module")
async def refs(app, session_client, demo_password_hash) -> AsyncIterator[dict[str, Any]]:
    """The demo world, seeded once for the module (every cell rolls its own writes back),
    and names for the path and body placeholders: people and records of the goal tree."""
    await truncate_all(app.state.engine)
    people = await seed_demo(demo_password_hash)
    cycle = await Cycle.select(Cycle.id, Cycle.ends_on).first()
    alice_goal = await _goal_id("拓展苏州制造业新客户")
    west_goal = await _goal_id("华西团队辅导与微沟通")
    alice_checkin = (
        await Checkin.select(Checkin.id)
        .where(Checkin.employee == people["alice"])
        .order_by(Checkin.held_on, ascending=False)
        .first()
    )["id"]
    alice_kr = (await KeyResult.select(KeyResult.id).where(KeyResult.goal == alice_goal).first())[
        "id"
    ]
    # Alice records a value far behind the plan: the rules open an alert about her.
    await alerts_service.record_progress(
        await act_as(people["alice"]), alice_kr, ProgressCreate(value=Decimal(0))
    )
    alice_alert = (await Alert.select(Alert.id).where(Alert.person == people["alice"]).first())[
        "id"
    ]
    east = await org_queries.get_person_department(people["manager.east"])
    west = await org_queries.get_person_department(people["manager.west"])
    west_rule = await alert_queries.create_rule(
        await act_as(people["hr"]),
        AlertRuleCreate(
            kind="checkin_overdue", scope="department", department_id=west, threshold=Decimal(3)
        ),
    )
    hashes = await Goal.raw(
        "SELECT content_hash FROM goals_version WHERE goal = {} AND version = 1", west_goal
    )
    yield {
        **{name.replace(".", "_"): value for name, value in people.items()},
        "people": people,
        "cycle": cycle["id"],
        "cycle_end": cycle["ends_on"].isoformat(),
        "theme": (await StrategyTheme.select(StrategyTheme.id).first())["id"],
        "alice_goal": alice_goal,
        "alice_draft": await _goal_id("提升老客户续约率"),
        "alice_kr": alice_kr,
        "alice_alert": alice_alert,
        "east_department": east,
        "company_rule": alert_queries.DEFAULT_RULE_IDS["kr_behind"],
        "west_rule": west_rule.id,
        "west_goal": west_goal,
        "west_goal_hash": hashes[0]["content_hash"],
        "template": (await GoalTemplate.select(GoalTemplate.id).first())["id"],
        "private_kudos": (
            await Kudos.select(Kudos.id)
            .where((Kudos.author == people["alice"]) & (Kudos.visibility == "private"))
            .first()
        )["id"],
        # Someone who left: the one person an admin may erase.
        "departed": await make_person("left@example.com", "已离职同事", active=False),
        "unknown": "00000000-0000-4000-8000-000000000000",
        "new_id": str(uuid.uuid4()),
        "new_id_2": str(uuid.uuid4()),
        "today": datetime.now(UTC).date().isoformat(),
        "checkin_template": str(DEFAULT_TEMPLATE_ID),
        "alice_checkin": alice_checkin,
        "alice_action": (
            await CheckinAction.select(CheckinAction.id)
            .where((CheckinAction.checkin == alice_checkin) & CheckinAction.done_at.is_null())
            .first()
        )["id"],
    }
    await truncate_all(app.state.engine)


def fill(value: Any, refs: dict[str, Any]) -> Any:
    """Replace `{name}` placeholders in a request body."""
    if isinstance(value, str):
        return value.format(**refs)
    if isinstance(value, list):
        return [fill(item, refs) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, refs) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def documented(app) -> Callable[[str, int], Any]:
    """The documented schema of an operation's answer with a status, as a validator. Body
    schemas are closed (`additionalProperties: false`), so a field beyond what that answer
    documents for any viewer (a property-level leak) fails it."""
    document = app.openapi_schema.to_schema()
    by_operation = {
        operation["operationId"]: operation
        for operations in document["paths"].values()
        for operation in operations.values()
    }

    def validator(operation_id: str, status: int) -> Any:
        answer = by_operation[operation_id]["responses"].get(str(status), {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return None
        return jsonschema_rs.validator_for({**schema, "components": document["components"]})

    return validator


def signed_in(app, refs, viewer: str) -> dict[str, str]:
    if viewer == "anonymous":
        return {}
    token = app.state.signer.issue(refs["people"][viewer], uuid.uuid4())
    return {"Authorization": f"Bearer {token}"}


def request_of(app, refs, operation: str, viewer: str) -> tuple[str, str, dict[str, Any]]:
    """A row's operation made by a viewer: the method, the path and the client's arguments."""
    row = MATRIX[operation]
    headers = signed_in(app, refs, viewer)
    if row.content_type:
        headers["content-type"] = row.content_type
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(row.body, str):
        kwargs["content"] = row.body.encode()
    elif row.body is not None:
        kwargs["json"] = fill(row.body, refs)
    return row.method, row.path.format(**refs), kwargs


@pytest.mark.parametrize(("operation", "viewer"), cells())
async def test_cell(app, session_client, refs, documented, operation, viewer):
    row = MATRIX[operation]
    method, path, kwargs = request_of(app, refs, operation, viewer)
    # The app runs in this task, so its queries join this transaction; rolling it back
    # leaves the seeded world as it was for the next cell.
    async with app.state.engine.transaction() as transaction:
        response = await session_client.request(method, path, **kwargs)
        await transaction.rollback()
    expected = row.expected[viewer]
    assert response.status_code == expected, f"{operation} as {viewer}: {response.text}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    if viewer in row.fields:
        assert set(response.json()) == row.fields[viewer], f"{operation} as {viewer}: wrong fields"
    schema = documented(operation, response.status_code)
    if response.status_code < 300 and schema is not None:
        errors = [str(e) for e in schema.iter_errors(response.json())]
        assert not errors, f"{operation} as {viewer}: off the document: {errors[:3]}"


def push_of(refs, kind: str) -> dict[str, Any]:
    payload, _ = MUTATIONS[kind]
    mutation = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "payload": fill(payload, refs),
        "client_created_at": "2026-01-01T00:00:00Z",
    }
    return {"device_id": "matrix", "mutations": [mutation]}


def test_every_mutation_kind_has_a_row():
    assert set(MUTATIONS) == set(KINDS), "Add each sync mutation kind to MUTATIONS"
    for kind, (_, expected) in MUTATIONS.items():
        assert set(expected) == set(SIGNED_IN), kind


@pytest.mark.parametrize(
    ("kind", "viewer"), [(kind, viewer) for kind in MUTATIONS for viewer in SIGNED_IN]
)
async def test_mutation_cell(app, session_client, refs, kind, viewer):
    _, expected = MUTATIONS[kind]
    async with app.state.engine.transaction() as transaction:
        response = await session_client.post(
            "/api/sync/push", json=push_of(refs, kind), headers=signed_in(app, refs, viewer)
        )
        await transaction.rollback()
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    outcome = result["status"] if result["status"] == "applied" else result["error"]["code"]
    assert outcome == expected[viewer], f"{kind} as {viewer}: {result}"


# --- no write leaves a phone stale ------------------------------------------------------------
# Every write the matrix makes, as the first viewer allowed it, followed by a revalidation of
# everything every signed-in person's phone holds: the pull with the cursor it had before,
# each read answered from versions with the ETag it had (`conditional_reads`), and the kudos
# feed a phone that merges holds after its pull, which must be the feed read online. The suite
# verifies versions (`sync_verify_versions`): an answer that changed under an unchanged
# version fails. So a write whose tables the change log's triggers do not cover fails here.
WRITES = [
    (operation, next(v for v in SIGNED_IN if 200 <= row.expected[v] < 300))
    for operation, row in MATRIX.items()
    if row.method != "GET" and any(200 <= row.expected[v] < 300 for v in SIGNED_IN)
]
PUSHES = [
    (kind, next(v for v in SIGNED_IN if expected[v] == "applied"))
    for kind, (_, expected) in MUTATIONS.items()
]


def conditional_reads(app) -> list[str]:
    """The reads answered from versions behind an ETag: the GETs that document a 304, by
    operation."""
    paths = app.openapi_schema.to_schema()["paths"]
    return sorted(
        item["get"]["operationId"]
        for item in paths.values()
        if "304" in item.get("get", {}).get("responses", {})
    )


def test_the_conditional_reads_are_found(app):
    assert conditional_reads(app) == ["GetGoalTree", "ListAlerts", "ListTeamGoals"]


@dataclass
class Phone:
    """What a signed-in person's phone holds in the seeded world: the requests that revalidate
    it, by path (a pull that is sent whole collections, the reads behind an ETag), and the
    kudos feed as a phone that merges keeps it."""

    requests: dict[str, dict[str, Any]]
    merging: MergingPhone


@pytest.fixture(scope="module")
async def phones(app, session_client, refs) -> dict[str, Phone]:
    held = {}
    for viewer in SIGNED_IN:
        headers = signed_in(app, refs, viewer)
        pulled = await session_client.get("/api/sync/pull", headers=headers)
        requests = {
            "/api/sync/pull": {"params": {"cursor": pulled.json()["cursor"]}, "headers": headers}
        }
        merging = MergingPhone(session_client, headers)
        await merging.sync()
        for operation in conditional_reads(app):
            path = MATRIX[operation].path.format(**refs)
            # Read twice: a read whose topics follow from its answer (the goal tree) names
            # its version from the second answer on.
            for _ in range(2):
                answered = await session_client.get(path, headers=headers)
                assert answered.status_code == 200, answered.text
                tagged = {**headers, "If-None-Match": answered.headers["etag"]}
            requests[path] = {"headers": tagged}
        held[viewer] = Phone(requests, merging)
    return held


async def pull_every_phone(app, session_client, refs, phones: dict[str, Phone]) -> None:
    for viewer, phone in phones.items():
        for path, kwargs in phone.requests.items():
            response = await session_client.get(path, **kwargs)
            assert response.status_code in (200, 304), f"{viewer}'s {path}: {response.text}"
        # A copy: the phones are the seeded world's, and each test's writes are rolled back.
        merging = copy.copy(phone.merging)
        await merging.sync()
        await merging.holds_the_feed()


@pytest.mark.parametrize(("operation", "viewer"), WRITES)
async def test_no_write_leaves_a_phone_stale(app, session_client, refs, phones, operation, viewer):
    method, path, kwargs = request_of(app, refs, operation, viewer)
    async with app.state.engine.transaction() as transaction:
        response = await session_client.request(method, path, **kwargs)
        assert response.status_code < 300, response.text
        await pull_every_phone(app, session_client, refs, phones)
        await transaction.rollback()


@pytest.mark.parametrize(("kind", "viewer"), PUSHES)
async def test_no_pushed_entry_leaves_a_phone_stale(
    app, session_client, refs, phones, kind, viewer
):
    async with app.state.engine.transaction() as transaction:
        response = await session_client.post(
            "/api/sync/push", json=push_of(refs, kind), headers=signed_in(app, refs, viewer)
        )
        [result] = response.json()["results"]
        assert result["status"] == "applied", result
        await pull_every_phone(app, session_client, refs, phones)
        await transaction.rollback()
