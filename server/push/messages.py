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


KINDS: dict[str, Kind] = {
    # Sent once when a device starts receiving notifications: the person sees that it works.
    "push.enabled": Kind(
        "normal",
        6 * 3600,
        {
            "zh-CN": ("通知已开启", "同行会在这台设备上提醒你需要处理的事情。"),
            "en": ("Notifications are on", "Tandem will tell you here when something needs you."),
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
    # To admins: a push service refused our VAPID identity (HTTP 403).
    "push.misconfigured": Kind(
        "normal",
        24 * 3600,
        {
            "zh-CN": ("推送配置需要检查", "推送服务拒绝了本系统的身份，请在管理页面查看。"),
            "en": ("Push setup needs a look", "A push service refused this server's identity."),
        },
    ),
}


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
