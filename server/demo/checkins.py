"""Demo check-ins: a few weeks of 15-minute conversations, written and confirmed through the
same queries the sync push uses. Alice is on rhythm with an open action; Bob's is overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from server.checkins import queries as checkins
from server.checkins.defaults import DEFAULT_TEMPLATE_ID
from server.checkins.tables import Checkin
from server.demo.principals import signed_in
from shared_schemas.checkins import ActionIn, CompleteAction, ConfirmMinutes, SubmitMinutes

# (employee, manager, days ago, highlights, blockers, support, [(action, owner, due in days)],
#  action done)
CHECKINS = (
    (
        "alice",
        "manager.east",
        29,
        "苏州两家制造业客户完成首次拜访，其中一家已约定产品演示。",
        "行业客户名单不全，很多联系人已离职。",
        "李娜向市场部申请更新苏州地区的行业名单。",
        [("整理苏州 20 家目标客户清单", "alice", 7)],
        True,
    ),
    (
        "alice",
        "manager.east",
        15,
        "演示后客户同意进入试点，新签 3 家。",
        "试点合同的法务审核要两周，可能拖慢签约。",
        "李娜约法务负责人一起看标准试点合同。",
        [
            ("把标准试点合同发给法务预审", "alice", 10),
            ("约法务负责人沟通审核时限", "manager.east", 5),
        ],
        False,
    ),
    (
        "bob",
        "manager.east",
        24,
        "无锡市场走访了 6 家潜在客户。",
        "没有售前工程师支持，技术问题只能下次再答复。",
        "李娜协调售前工程师每周支持两天。",
        [("确定售前工程师的支持排期", "manager.east", 7)],
        True,
    ),
    (
        "carol",
        "manager.west",
        11,
        "成都重点客户收入完成 80%。",
        "大客户报价审批慢。",
        "张强把报价审批改为当周完成。",
        [("准备下季度大客户续约方案", "carol", 20)],
        False,
    ),
)


async def seed(people: dict[str, UUID]) -> None:
    """Once: a second run finds check-ins and changes nothing."""
    if await Checkin.exists():
        return
    principals = await signed_in(people, {c[0] for c in CHECKINS} | {c[1] for c in CHECKINS})
    today = datetime.now(UTC).date()
    for employee, manager, days, highlights, blockers, support, actions, done in CHECKINS:
        held_on = today - timedelta(days=days)
        planned = [_action(title, people[owner], held_on, due) for title, owner, due in actions]
        checkin_id = await checkins.submit_minutes(
            principals[manager],
            SubmitMinutes(
                checkin_id=uuid4(),
                employee_id=people[employee],
                template_id=DEFAULT_TEMPLATE_ID,
                held_on=held_on,
                highlights=highlights,
                blockers=blockers,
                support=support,
                actions=planned,
            ),
        )
        for party in (employee, manager):
            await checkins.confirm(
                principals[party], ConfirmMinutes(checkin_id=checkin_id, minutes_version=1)
            )
        for action in planned if done else []:
            await checkins.complete_action(
                principals[employee], CompleteAction(action_id=action.id)
            )


def _action(title: str, owner: UUID, held_on: date, due_in_days: int) -> ActionIn:
    return ActionIn(
        id=uuid4(), title=title, owner_id=owner, due_on=held_on + timedelta(days=due_in_days)
    )
