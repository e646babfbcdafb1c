"""The readable side of the data export: one self-contained HTML page a person can open on a
phone or print, in their language. The JSON archive is the complete record; this page shows
the same data for reading, never more."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape

from shared_schemas.alerts import AlertRead
from shared_schemas.checkins import CheckinRead
from shared_schemas.feedback import FeedbackRead, KudosRead
from shared_schemas.goals import GoalRecordRead
from shared_schemas.privacy import MyDataExport

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "My data in Tandem",
        "intro": "Everything Tandem holds about you, exported {at}. The JSON file exported "
        "with it is the complete, machine-readable record; this page is for reading.",
        "profile": "Profile",
        "name": "Name",
        "email": "Email",
        "job_title": "Job title",
        "department": "Department",
        "job_family": "Job family",
        "roles": "Roles",
        "language": "Language",
        "time_zone": "Time zone",
        "goals": "Goals",
        "state": "State",
        "progress": "Progress",
        "history": "{versions} version(s), {updates} progress update(s), {comments} comment(s)",
        "checkins": "Check-ins",
        "held_on": "Held on",
        "highlights": "Highlights",
        "blockers": "Obstacles and risks",
        "support": "Support agreed",
        "actions": "Next actions",
        "due": "due {day}",
        "done": "done",
        "my_note": "My private note",
        "kudos_received": "Recognition received",
        "kudos_given": "Recognition given",
        "feedback_received": "Feedback received",
        "feedback_given": "Feedback given",
        "from": "From {name}",
        "to": "To {names}",
        "situation": "Situation",
        "behaviour": "Behaviour",
        "impact": "Impact",
        "suggestion": "Suggestion",
        "alerts": "Alerts about my results and habits",
        "opened": "Opened {day}",
        "notifications": "Notifications",
        "access_log": "Who viewed my data",
        "viewed": "{viewer} viewed a {kind} on {at}",
        "none": "Nothing here.",
    },
    "zh-CN": {
        "title": "我在同行中的数据",
        "intro": "同行保存的与你有关的全部数据，导出于 {at}。同时导出的 JSON 文件是完整的、"
        "可供程序读取的记录；本页便于阅读。",
        "profile": "个人资料",
        "name": "姓名",
        "email": "邮箱",
        "job_title": "职位",
        "department": "部门",
        "job_family": "职族",
        "roles": "角色",
        "language": "语言",
        "time_zone": "时区",
        "goals": "目标",
        "state": "状态",
        "progress": "进度",
        "history": "{versions} 个版本，{updates} 次进度更新，{comments} 条评论",
        "checkins": "沟通记录",
        "held_on": "沟通日期",
        "highlights": "亮点",
        "blockers": "卡点与风险",
        "support": "约定的支持",
        "actions": "下一步行动",
        "due": "{day} 前",
        "done": "已完成",
        "my_note": "我的私人备注",
        "kudos_received": "收到的认可",
        "kudos_given": "给出的认可",
        "feedback_received": "收到的反馈",
        "feedback_given": "给出的反馈",
        "from": "来自 {name}",
        "to": "给 {names}",
        "situation": "情境",
        "behaviour": "行为",
        "impact": "影响",
        "suggestion": "建议",
        "alerts": "关于我的结果与习惯的预警",
        "opened": "{day} 发出",
        "notifications": "通知",
        "access_log": "谁查看过我的数据",
        "viewed": "{viewer} 于 {at} 查看了{kind}",
        "none": "暂无内容。",
    },
}

# The codes the JSON carries, in words.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "draft": "draft",
        "proposed": "proposed",
        "in_discussion": "in discussion",
        "agreed": "agreed",
        "active": "active",
        "closed": "closed",
        "withdrawn": "withdrawn",
        "preparing": "being prepared",
        "recorded": "minutes written",
        "confirmed": "confirmed by both",
        "open": "open",
        "scheduled": "conversation booked",
        "resolved": "resolved",
        "dismissed": "dismissed",
        "recovered": "back on track",
        "kr_behind": "a key result behind plan",
        "milestone_overdue": "a milestone overdue",
        "quality_threshold": "a quality figure past its threshold",
        "checkin_overdue": "a check-in overdue",
        "no_recognition": "no recognition given to the team",
        "profile": "profile",
        "goal": "goal",
        "checkin": "check-in",
        "alert": "alert",
        "employee": "employee",
        "manager": "manager",
        "hr": "HR",
        "admin": "administrator",
        "executive": "executive",
    },
    "zh-CN": {
        "draft": "草稿",
        "proposed": "已提议",
        "in_discussion": "讨论中",
        "agreed": "已达成一致",
        "active": "进行中",
        "closed": "已结束",
        "withdrawn": "已撤回",
        "preparing": "准备中",
        "recorded": "纪要已记录",
        "confirmed": "双方已确认",
        "open": "待处理",
        "scheduled": "已约沟通",
        "resolved": "已解决",
        "dismissed": "已忽略",
        "recovered": "已恢复正常",
        "kr_behind": "关键结果落后于计划",
        "milestone_overdue": "里程碑逾期",
        "quality_threshold": "质量指标越过阈值",
        "checkin_overdue": "沟通逾期",
        "no_recognition": "团队近期未获认可",
        "profile": "个人资料",
        "goal": "目标",
        "checkin": "沟通记录",
        "alert": "预警",
        "employee": "员工",
        "manager": "经理",
        "hr": "人力资源",
        "admin": "管理员",
        "executive": "高管",
    },
}

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:46rem;padding:1rem;"
    "color:#1d2329}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;"
    "border-bottom:1px solid #d5dbe1}h3{font-size:1rem;margin-bottom:.25rem}"
    "article{margin:0 0 1rem}p{margin:.25rem 0}dt{font-weight:600}dd{margin:0 0 .5rem}"
    ".meta{color:#5b6670;font-size:.9rem}"
)


def render(export: MyDataExport, locale: str) -> str:
    """The page in this language (English for one we do not write)."""
    return _Page(locale if locale in TEXT else "en").document(export)


def _day(moment: date | datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class _Page:
    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.text = TEXT[locale]
        self.words = WORDS[locale]

    def t(self, key: str, **values: object) -> str:
        """A sentence of the page, with the data in it escaped."""
        return self.text[key].format(**{k: escape(str(v)) for k, v in values.items()})

    def word(self, code: str) -> str:
        return escape(self.words.get(code, code))

    def document(self, export: MyDataExport) -> str:
        profile = export.profile
        sections = [
            self.section(
                "profile",
                [
                    self.fields(
                        [
                            ("name", profile.display_name),
                            ("email", profile.email),
                            ("job_title", profile.title),
                            ("department", profile.department_name or ""),
                            ("job_family", profile.job_family),
                            ("roles", ", ".join(self.words.get(r, r) for r in profile.roles)),
                            ("language", profile.locale),
                            ("time_zone", profile.time_zone),
                        ]
                    )
                ],
            ),
            self.section("goals", map(self.goal, export.goals)),
            self.section("checkins", map(self.checkin, export.checkins)),
            self.section("kudos_received", (self.kudos(k, True) for k in export.kudos_received)),
            self.section("kudos_given", (self.kudos(k, False) for k in export.kudos_given)),
            self.section(
                "feedback_received", (self.feedback(f, True) for f in export.feedback_received)
            ),
            self.section(
                "feedback_given", (self.feedback(f, False) for f in export.feedback_given)
            ),
            self.section("alerts", map(self.alert, export.alerts)),
            self.section(
                "notifications",
                (
                    self.article(escape(n.title), escape(n.body), meta=_moment(n.created_at))
                    for n in export.notifications
                ),
            ),
            self.section(
                "access_log",
                (
                    self.article(
                        self.t(
                            "viewed",
                            viewer=entry.viewer.display_name,
                            kind=self.words.get(entry.record_kind, entry.record_kind),
                            at=_moment(entry.viewed_at),
                        )
                    )
                    for entry in export.access_log
                ),
            ),
        ]
        return (
            f'<!doctype html><html lang="{self.locale}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{self.t('title')}</title><style>{STYLE}</style></head><body>"
            f"<h1>{self.t('title')} · {escape(profile.display_name)}</h1>"
            f"<p>{self.t('intro', at=_moment(export.exported_at))}</p>"
            + "".join(sections)
            + "</body></html>"
        )

    def section(self, key: str, parts: Iterable[str]) -> str:
        body = "".join(parts) or f"<p>{self.t('none')}</p>"
        return f'<section id="{key}"><h2>{self.t(key)}</h2>{body}</section>'

    def article(self, *lines: str, heading: str = "", meta: str = "") -> str:
        """Lines already escaped."""
        return (
            "<article>"
            + (f"<h3>{heading}</h3>" if heading else "")
            + "".join(f"<p>{line}</p>" for line in lines if line)
            + (f'<p class="meta">{meta}</p>' if meta else "")
            + "</article>"
        )

    def fields(self, pairs: Iterable[tuple[str, str]]) -> str:
        shown = "".join(
            f"<dt>{self.t(label)}</dt><dd>{escape(value)}</dd>" for label, value in pairs if value
        )
        return f"<dl>{shown}</dl>" if shown else ""

    def goal(self, record: GoalRecordRead) -> str:
        goal = record.goal
        results = "".join(
            f"<li>{escape(kr.title)}: {kr.current_value} / {kr.target_value} {escape(kr.unit)}</li>"
            for kr in goal.key_results
        )
        history = self.t(
            "history",
            versions=len(record.versions),
            updates=len(record.progress),
            comments=len(record.comments),
        )
        state = f"{self.t('state')}: {self.word(goal.state)}"
        progress = f"{self.t('progress')}: {round(goal.progress * 100)}%"
        return self.article(
            f"{state} · {progress}",
            f"<ul>{results}</ul>" if results else "",
            heading=escape(goal.title),
            meta=history,
        )

    def checkin(self, checkin: CheckinRead) -> str:
        actions = "".join(
            f"<li>{escape(a.title)} ("
            + ", ".join(
                [escape(a.owner.display_name), self.t("due", day=_day(a.due_on))]
                + ([self.t("done")] if a.done_at else [])
            )
            + ")</li>"
            for a in checkin.actions
        )
        return self.article(
            self.fields(
                [
                    ("highlights", checkin.highlights),
                    ("blockers", checkin.blockers),
                    ("support", checkin.support),
                    ("my_note", checkin.my_private_note),
                ]
            ),
            f"{self.t('actions')}:<ul>{actions}</ul>" if actions else "",
            heading=_day(checkin.held_on or checkin.created_at),
            meta=self.word(checkin.state),
        )

    def kudos(self, kudos: KudosRead, received: bool) -> str:
        people = (
            self.t("from", name=kudos.author.display_name)
            if received
            else self.t("to", names=", ".join(p.display_name for p in kudos.recipients))
        )
        return self.article(escape(kudos.behaviour), meta=f"{people} · {_day(kudos.written_at)}")

    def feedback(self, feedback: FeedbackRead, received: bool) -> str:
        people = (
            self.t("from", name=feedback.author.display_name)
            if received
            else self.t("to", names=feedback.recipient.display_name)
        )
        return self.article(
            self.fields(
                [
                    ("situation", feedback.situation),
                    ("behaviour", feedback.behaviour),
                    ("impact", feedback.impact),
                    ("suggestion", feedback.suggestion),
                ]
            ),
            meta=f"{people} · {_day(feedback.written_at)}",
        )

    def alert(self, alert: AlertRead) -> str:
        return self.article(
            f"{self.word(alert.kind)} · {self.word(alert.state)}",
            meta=self.t("opened", day=_day(alert.opened_at)),
        )
