"""The demo goal tree: four strategy themes, company and department objectives, and goals for
every demo employee in the current half-year, some on track and some behind. Built through
the same queries the API uses (create, propose, sign, record progress), as the people
themselves would."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from server.core.access import Principal
from server.demo.principals import act_as
from server.goals import queries as goals
from server.org import queries as org
from shared_schemas.goals import (
    CommentCreate,
    CycleCreate,
    GoalCreate,
    KeyResultIn,
    ProgressCreate,
    SignatureCreate,
    SupportIn,
    TemplateCreate,
    ThemeCreate,
    TransitionRequest,
)

THEMES = (
    ("市场扩张", "新区域、新客户、更高的市场份额。"),
    ("产品创新", "让客户更愿意用、更离不开的产品与服务。"),
    ("运营效率", "同样的投入，更快更稳的交付。"),
    ("组织能力", "经理会辅导，员工在成长，对话成为日常。"),
)


def current_half(today: date) -> tuple[str, date, date]:
    if today.month <= 6:
        return f"{today.year} 上半年", date(today.year, 1, 1), date(today.year, 6, 30)
    return f"{today.year} 下半年", date(today.year, 7, 1), date(today.year, 12, 31)


def _kr(title: str, start: int, target: int, due: date, **extra: Any) -> KeyResultIn:
    return KeyResultIn(
        title=title,
        start_value=Decimal(start),
        target_value=Decimal(target),
        due_on=due,
        direction="increase" if target > start else "decrease",
        standards=extra.pop("standards", ["quantity", "time"]),
        **extra,
    )


class DemoGoals:
    def __init__(self, people: dict[str, UUID], cycle_id: UUID, starts: date, ends: date):
        self.people = people
        self.cycle_id = cycle_id
        self.starts = starts
        self.ends = ends
        self.today = datetime.now(UTC).date()

    async def principal(self, name: str) -> Principal:
        return await act_as(self.people[name])

    async def objective(self, by: str, level: str, title: str, **fields: Any) -> UUID:
        goal = await goals.create_goal(
            await self.principal(by),
            GoalCreate(level=level, cycle_id=self.cycle_id, title=title, **fields),
        )
        return goal.id

    async def agreed_goal(self, owner: str, manager: str | None, title: str, **fields: Any) -> UUID:
        """A goal drafted, proposed and signed by the owner and (when there is one) the manager."""
        me = await self.principal(owner)
        goal = await goals.create_goal(
            me, GoalCreate(cycle_id=self.cycle_id, title=title, **fields)
        )
        goal = await goals.transition(me, goal.id, TransitionRequest(action="propose"))
        signers = [me] + ([await self.principal(manager)] if manager else [])
        for signer in signers:
            signature = SignatureCreate(version=goal.version, content_hash=goal.content_hash)
            goal = await goals.sign(signer, goal.id, signature)
        return goal.id

    async def history(self, owner: str, goal_id: UUID, share_of_plan: float) -> None:
        """Weekly progress since the cycle began, at the given share of the planned pace."""
        me = await self.principal(owner)
        goal = await goals.get_goal(me, goal_id, log_access=False)
        span = (self.ends - self.starts).days
        day = self.starts + timedelta(days=7)
        while day <= self.today:
            for kr in goal.key_results:
                planned = min(
                    1.0, (day - self.starts).days / ((kr.due_on - self.starts).days or span)
                )
                share = Decimal(str(round(planned * share_of_plan, 4)))
                value = kr.start_value + (kr.target_value - kr.start_value) * share
                at = datetime.combine(day, time(9, 30), tzinfo=UTC)
                await goals.record_progress(
                    me, kr.id, ProgressCreate(value=round(value, 1)), recorded_at=at
                )
            day += timedelta(days=7)


async def seed(people: dict[str, UUID]) -> None:
    """Create the demo goal tree once; a second run finds the cycle and changes nothing."""
    name, starts, ends = current_half(datetime.now(UTC).date())
    if any(c.name == name for c in await goals.list_cycles()):
        return
    hr = await act_as(people["hr"])
    cycle = await goals.create_cycle(
        hr, CycleCreate(name=name, kind="half", starts_on=starts, ends_on=ends)
    )
    themes = [
        (
            await goals.create_theme(
                hr, ThemeCreate(cycle_id=cycle.id, name=n, description=d, position=i)
            )
        ).id
        for i, (n, d) in enumerate(THEMES)
    ]
    market, product, efficiency, people_theme = themes
    demo = DemoGoals(people, cycle.id, starts, ends)
    east_manager, west_manager = people["manager.east"], people["manager.west"]

    share = await demo.objective(
        "ceo",
        "company",
        "华东、华西市场份额各提升 5 个百分点",
        theme_id=market,
        key_results=[
            _kr("新签客户", 0, 120, ends, unit="家"),
            _kr("区域新增收入（万元）", 0, 3000, ends, metric_kind="currency", unit="万元"),
        ],
    )
    await demo.objective(
        "ceo",
        "company",
        "上线新一代客户服务小程序",
        theme_id=product,
        key_results=[
            _kr(
                "小程序正式上线", 0, 1, ends, metric_kind="milestone", standards=["time", "quality"]
            )
        ],
    )
    await demo.objective(
        "ceo",
        "company",
        "销售费用率降到 12%",
        theme_id=efficiency,
        key_results=[
            _kr("销售费用率", 15, 12, ends, metric_kind="percent", unit="%", standards=["cost"])
        ],
    )
    coaching = await demo.objective(
        "ceo",
        "company",
        "每位经理每两周与每位下属完成一次微沟通",
        theme_id=people_theme,
        key_results=[_kr("双周沟通覆盖率", 0, 90, ends, metric_kind="percent", unit="%")],
    )
    east = await demo.objective(
        "ceo",
        "department",
        "华东区新签客户 60 家",
        owner_id=east_manager,
        parent_id=share,
        department_id=(await org.get_person_department(east_manager)),
        key_results=[_kr("华东新签客户", 0, 60, ends, unit="家")],
    )
    west = await demo.objective(
        "ceo",
        "department",
        "华西区新增收入 1200 万元",
        owner_id=west_manager,
        parent_id=share,
        department_id=(await org.get_person_department(west_manager)),
        key_results=[
            _kr("华西新增收入（万元）", 0, 1200, ends, metric_kind="currency", unit="万元")
        ],
    )

    support_east = SupportIn(
        needed="需要市场部提供苏州地区的行业客户名单。", from_person_id=east_manager
    )
    alice = await demo.principal("alice")
    # Alice's second goal stays a complete draft, ready to propose (the e2e walk-through does);
    # it exists first so that her first goal's weight completes the 100 %.
    await goals.create_goal(
        alice,
        GoalCreate(
            cycle_id=cycle.id,
            title="提升老客户续约率",
            parent_id=east,
            weight=40,
            priority="medium",
            support=SupportIn(needed="每月一次与客服团队的续约复盘。"),
            key_results=[
                _kr(
                    "老客户续约率",
                    70,
                    85,
                    ends,
                    metric_kind="percent",
                    unit="%",
                    standards=["quality"],
                )
            ],
        ),
    )
    alice_new = await demo.agreed_goal(
        "alice",
        "manager.east",
        "拓展苏州制造业新客户",
        parent_id=east,
        weight=60,
        priority="high",
        support=support_east,
        key_results=[
            _kr("苏州新签客户", 0, 25, ends, unit="家", weight=70),
            _kr("客户拜访次数", 0, 150, ends, unit="次", weight=30),
        ],
    )
    await demo.history("alice", alice_new, share_of_plan=1.05)
    bob_goal = await demo.agreed_goal(
        "bob",
        "manager.east",
        "开拓无锡新市场",
        parent_id=east,
        weight=100,
        priority="high",
        support=SupportIn(needed="需要一位售前工程师每周支持两天。"),
        key_results=[_kr("无锡新签客户", 0, 20, ends, unit="家")],
    )
    await demo.history("bob", bob_goal, share_of_plan=0.4)
    carol_goal = await demo.agreed_goal(
        "carol",
        "manager.west",
        "成都重点客户收入 400 万元",
        parent_id=west,
        weight=100,
        priority="high",
        visibility="public",
        support=SupportIn(needed="大客户报价需要区域经理当周审批。"),
        key_results=[
            _kr("重点客户收入（万元）", 0, 400, ends, metric_kind="currency", unit="万元")
        ],
    )
    await demo.history("carol", carol_goal, share_of_plan=0.8)
    coach = SupportIn(needed="HR 提供 GROW 辅导工作坊。", from_person_id=people["hr"])
    east_coaching = await demo.agreed_goal(
        "manager.east",
        "ceo",
        "每两周与每位下属完成一次微沟通",
        parent_id=coaching,
        weight=100,
        support=coach,
        key_results=[_kr("双周沟通完成率", 0, 100, ends, metric_kind="percent", unit="%")],
    )
    await demo.history("manager.east", east_coaching, share_of_plan=0.9)
    # Manager West's goal waits for the CEO's signature.
    west_principal = await demo.principal("manager.west")
    west_goal = await goals.create_goal(
        west_principal,
        GoalCreate(
            cycle_id=cycle.id,
            title="华西团队辅导与微沟通",
            parent_id=coaching,
            weight=100,
            support=coach,
            key_results=[_kr("双周沟通完成率", 0, 100, ends, metric_kind="percent", unit="%")],
        ),
    )
    await goals.transition(west_principal, west_goal.id, TransitionRequest(action="propose"))
    await goals.add_comment(
        await demo.principal("manager.east"),
        alice_new,
        CommentCreate(body="苏州的名单下周给你，先从工业园区开始。", prompt="support_from_me"),
    )
    # A template HR prepared for the sales teams; managers hand out copies from their phones.
    await goals.create_template(
        hr,
        TemplateCreate(
            cycle_id=cycle.id,
            title="季度客户满意度回访",
            parent_id=share,
            weight=20,
            support=SupportIn(needed="客服中心提供回访名单和话术。"),
            key_results=[
                _kr("完成回访的客户", 0, 30, ends, unit="家", weight=60),
                _kr(
                    "客户满意度",
                    80,
                    90,
                    ends,
                    metric_kind="percent",
                    unit="%",
                    weight=40,
                    standards=["quality"],
                ),
            ],
        ),
    )
