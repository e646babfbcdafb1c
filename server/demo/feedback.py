"""Demo recognition and feedback: a few weeks of specific kudos (public and private) and SBI
feedback, written through the same queries the sync push uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from server.core.entries import Entry, write_accepted
from server.demo.principals import signed_in
from server.feedback import queries as feedback
from server.feedback.tables import Kudos
from shared_schemas.feedback import FeedbackCreate, KudosCreate

# (author, recipients, days ago, visibility, what they did)
KUDOS = (
    (
        "manager.east",
        ["alice"],
        2,
        "public",
        "周二在苏州客户现场，你把报价单逐项讲清楚，客户当场同意进入试点。",
    ),
    (
        "manager.east",
        ["bob"],
        9,
        "private",
        "上周你主动约了三家无锡客户做需求访谈，还把访谈记录整理成了表格，团队都能用上。",
    ),
    (
        "alice",
        ["bob"],
        5,
        "private",
        "谢谢你上周四替我跑了无锡的客户回访，还把会议纪要当天就整理好发给我。",
    ),
    (
        "manager.west",
        ["carol"],
        3,
        "public",
        "成都那份大客户方案里，你把交付风险一条条列出来并给了应对办法，客户评审一次通过。",
    ),
    (
        "carol",
        ["alice", "bob"],
        12,
        "public",
        "两位在跨区域客户交接时，把历史沟通记录和报价依据都整理好交给我，交接零遗漏。",
    ),
)
# (author, recipient, days ago, shared with the recipient's manager, situation, behaviour, impact,
#  suggestion)
FEEDBACK = (
    (
        "alice",
        "bob",
        4,
        True,
        "周一华东区的周会上",
        "无锡客户的进展你用了十分钟讲细节，最后没留时间讨论需要谁支持",
        "会议超时，李娜没来得及安排售前工程师的支持",
        "下次可以先用一分钟说结论和需要的支持，再讲细节",
    ),
    (
        "manager.west",
        "carol",
        6,
        False,
        "上周三给成都客户的报价邮件",
        "附件里的价格表还是上个季度的版本",
        "客户以为我们涨价了，多花了一次电话解释",
        "发送前对照一下价格表的版本号",
    ),
)


async def seed(people: dict[str, UUID]) -> None:
    """Once: a second run finds kudos and changes nothing."""
    if await Kudos.exists():
        return
    now = datetime.now(UTC)
    principals = await signed_in(people, {k[0] for k in KUDOS} | {f[0] for f in FEEDBACK})
    for author, recipients, days, visibility, behaviour in KUDOS:
        kudos = KudosCreate(
            recipient_ids=[people[r] for r in recipients],
            behaviour=behaviour,
            visibility=visibility,
        )
        await write_accepted(
            await feedback.plan_kudos(
                principals[author], [Entry(uuid4(), kudos, now - timedelta(days=days))]
            )
        )
    for author, recipient, days, shared, situation, behaviour, impact, suggestion in FEEDBACK:
        sbi = FeedbackCreate(
            recipient_id=people[recipient],
            situation=situation,
            behaviour=behaviour,
            impact=impact,
            suggestion=suggestion,
            share_with_manager=shared,
        )
        await write_accepted(
            await feedback.plan_feedback(
                principals[author], [Entry(uuid4(), sbi, now - timedelta(days=days))]
            )
        )
