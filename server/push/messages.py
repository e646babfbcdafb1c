"""The notification kinds: how urgent each is, how long a push service should keep it, and
its neutral title and body in each language. Neutral: a lock screen is seen by others, so
the text says that something is waiting, never what (the app shows that after sign-in)."""

from __future__ import annotations

from dataclasses import dataclass

from server.push.sender import Urgency

LOCALES = ("zh-CN", "en")


@dataclass(frozen=True)
class Kind:
    urgency: Urgency
    ttl_seconds: int
    # locale -> (title, body)
    text: dict[str, tuple[str, str]]
    # The person may turn its push off (the inbox still shows it).
    optional: bool = True


KINDS: dict[str, Kind] = {
    # Sent once when a device starts receiving notifications: the person sees that it works.
    "push.enabled": Kind(
        "normal",
        6 * 3600,
        {
            "zh-CN": ("通知已开启", "同行会在这台设备上提醒你需要处理的事情。"),
            "en": ("Notifications are on", "Tandem will tell you here when something needs you."),
        },
        optional=False,
    ),
    # Deviation alerts: to the person and their manager, early, so a talk can happen in time.
    "alert.opened": Kind(
        "high",
        4 * 3600,
        {
            "zh-CN": ("有一项指标偏离了计划", "建议一周内约一次专项沟通，打开看看沟通指引。"),
            "en": (
                "A result has drifted from the plan",
                "A focused talk within a week is worth it; the app has a guide.",
            ),
        },
    ),
    # To a manager about their own habit (no recent specific recognition for a report).
    "alert.nudge": Kind(
        "normal",
        24 * 3600,
        {
            "zh-CN": ("该给团队成员一句具体的认可了", "说出你看到的具体行为，一两句就够。"),
            "en": (
                "Time for some specific recognition",
                "Name one thing a report did well; a sentence or two will do.",
            ),
        },
    ),
    # The other party scheduled, resolved or dismissed an alert they share with you.
    "alert.updated": Kind(
        "normal",
        24 * 3600,
        {
            "zh-CN": ("偏差预警有了新进展", "打开看看约定的时间或结论。"),
            "en": ("An alert you share has moved on", "See the date or the agreement in the app."),
        },
    ),
    # To HR in scope: an alert left unresolved for 14 days.
    "alert.escalated": Kind(
        "normal",
        24 * 3600,
        {
            "zh-CN": ("有偏差预警两周未解决", "可能需要你协助双方把沟通落地。"),
            "en": (
                "An alert is two weeks old",
                "The two people involved may need your help to meet.",
            ),
        },
    ),
    # Reminders: one a day at most per person and kind, in working hours where they are.
    "reminder.minutes": Kind(
        "low",
        24 * 3600,
        {
            "zh-CN": ("有沟通纪要等你确认", "确认后，双方约定的行动才算定下来。"),
            "en": (
                "Check-in minutes to confirm",
                "Your confirmation makes the agreed actions count.",
            ),
        },
    ),
    "reminder.signature": Kind(
        "low",
        24 * 3600,
        {
            "zh-CN": ("有目标等你签字", "读一读约定的内容，同意就签字，有疑问就留言。"),
            "en": (
                "A goal is waiting for your signature",
                "Read what was agreed; sign it, or ask.",
            ),
        },
    ),
    "reminder.checkin": Kind(
        "low",
        24 * 3600,
        {
            "zh-CN": ("该约一次微沟通了", "按团队的节奏，这次沟通已经到期。十五分钟就够。"),
            "en": ("A check-in is due", "Your team's rhythm says it is time; 15 minutes will do."),
        },
    ),
    "reminder.alert": Kind(
        "low",
        24 * 3600,
        {
            "zh-CN": ("偏差预警还没约沟通", "一周过去了，定个时间聊一聊吧。"),
            "en": ("An alert still has no talk booked", "A week has passed; pick a time to meet."),
        },
    ),
    # To admins: a push service refused our VAPID identity (HTTP 403).
    "push.misconfigured": Kind(
        "normal",
        24 * 3600,
        {
            "zh-CN": ("推送配置需要检查", "推送服务拒绝了本系统的身份，请在管理页面查看。"),
            "en": ("Push setup needs a look", "A push service refused this server's identity."),
        },
        optional=False,
    ),
}
# What a person may turn off, in the order the settings list them.
CHOOSABLE = [kind for kind, spec in KINDS.items() if spec.optional]


def text(kind: str, locale: str) -> tuple[str, str]:
    """Title and body in the locale (its language, else English)."""
    texts = KINDS[kind].text
    if locale in texts:
        return texts[locale]
    language = locale.split("-")[0].lower()
    for candidate, value in texts.items():
        if candidate.split("-")[0].lower() == language:
            return value
    return texts["en"]
