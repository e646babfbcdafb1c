"""The 15-minute check-in template every installation ships (version 1 of its family)."""

from __future__ import annotations

from uuid import UUID

from shared_schemas.checkins import LocalizedText, TemplateSection

DEFAULT_TEMPLATE_ID = UUID("6b0c2f1e-0c1d-4e55-9a61-3c2d7f0a1b01")
DEFAULT_TEMPLATE_NAME = "15 分钟微沟通 · 15-minute check-in"


def _ask(zh_cn: str, en: str) -> LocalizedText:
    return LocalizedText(zh_cn=zh_cn, en=en)


DEFAULT_SECTIONS = [
    TemplateSection(
        key="highlights",
        minutes=5,
        prompts=[
            _ask(
                "这段时间你最满意的成果是什么？",
                "Which result from this period are you proudest of?",
            ),
            _ask(
                "哪件事比预期进展得更顺利？是什么起了作用？",
                "What went better than expected, and what made the difference?",
            ),
        ],
    ),
    TemplateSection(
        key="obstacles",
        minutes=5,
        prompts=[
            _ask(
                "最近最卡壳的任务是什么？你已经尝试过哪些方法？还卡在哪一步？",
                "Which task is most stuck right now? What have you tried, and where exactly"
                " does it stall?",
            ),
            _ask(
                "有哪些风险可能影响目标的达成？", "Which risks could get in the way of your goals?"
            ),
        ],
    ),
    TemplateSection(
        key="next_actions",
        minutes=5,
        prompts=[
            _ask(
                "接下来最重要的一两件事是什么？由谁在什么时候完成？",
                "What are the one or two most important next steps? Who does each, and by when?",
            ),
            _ask("你需要我提供什么支持？", "What support do you need from me?"),
        ],
    ),
]
