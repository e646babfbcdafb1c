"""Subscriptions, the inbox, and `notify`, which writes a notification and its outbox rows
in the caller's transaction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from piccolo.query import Select

from server.core.access import Principal
from server.core.erasure import Erasure
from server.core.errors import ProblemError
from server.core.pagination import newest_first, next_cursor
from server.db import (
    as_uuid,
    delete_where,
    fetch,
    fetch_in,
    insert_rows,
    is_integrity_error,
    is_sqlite,
    placeholders,
    write_transaction,
)
from server.push import messages, policy
from server.push.quiet import quiet_until
from server.push.sender import usable_keys
from server.push.tables import Notification, PushDelivery, PushPreference, PushSubscription
from shared_schemas.push import (
    NotificationPage,
    NotificationPreferences,
    NotificationPreferencesUpdate,
    NotificationRead,
    QuietHours,
    SubscriptionIn,
)

# RFC 8030 § 5.4: what a push service accepts as a `Topic`.
TOPIC = re.compile(r"[A-Za-z0-9_-]{0,32}")


def now() -> datetime:
    return datetime.now(UTC)


# A person's own language and time zone, else the company's: the SQL that `setting` reads.
PERSON_SETTINGS = (
    "p.locale, p.time_zone, c.locale AS company_locale, c.time_zone AS company_time_zone"
    " FROM org_person p LEFT JOIN org_company c ON 1 = 1"
)


def setting(row: dict[str, Any], name: str, fallback: str) -> str:
    """`locale` or `time_zone` of a row read with PERSON_SETTINGS."""
    return str(row[name] or row[f"company_{name}"] or fallback)


# --- subscriptions -------------------------------------------------------------------------


async def save_subscription(principal: Principal, data: SubscriptionIn) -> None:
    """Upsert by endpoint: the app sends its subscription at every start. An endpoint seen
    before under another sign-in (another person on a shared phone) now belongs to this one;
    a new one gets a first notification, so the person sees that it works."""
    if not usable_keys(data.keys.p256dh, data.keys.auth):
        raise ProblemError(
            422, "invalid_push_keys", "These subscription keys cannot encrypt a message."
        )
    try:
        await _upsert_subscription(principal, data)
    except Exception as error:
        # The same endpoint sent twice at once: the second insert lost; now it updates.
        if not is_integrity_error(error):
            raise
        await _upsert_subscription(principal, data)


async def _upsert_subscription(principal: Principal, data: SubscriptionIn) -> None:
    me = policy.inbox_owner(principal)
    async with write_transaction():
        existing = (
            await PushSubscription.select(PushSubscription.id)
            .where(PushSubscription.endpoint == data.endpoint)
            .first()
        )
        if existing is not None:
            await PushSubscription.update(
                {
                    PushSubscription.person: me,
                    PushSubscription.session: principal.session_id,
                    PushSubscription.p256dh: data.keys.p256dh,
                    PushSubscription.auth: data.keys.auth,
                    PushSubscription.seen_at: now(),
                }
            ).where(PushSubscription.id == existing["id"])
            return
        await insert_rows(
            PushSubscription,
            [
                {
                    "id": uuid.uuid4(),
                    "person": me,
                    "session": principal.session_id,
                    "endpoint": data.endpoint,
                    "p256dh": data.keys.p256dh,
                    "auth": data.keys.auth,
                    "created_at": now(),
                    "seen_at": now(),
                }
            ],
        )
        await notify([me], "push.enabled", url="/")


async def remove_subscription(principal: Principal, endpoint: str) -> None:
    """Only one's own; someone else's endpoint is left alone without saying so."""
    await PushSubscription.delete().where(
        (PushSubscription.endpoint == endpoint)
        & (PushSubscription.person == policy.inbox_owner(principal))
    )


async def forget_session(session: UUID) -> None:
    """Signing out: this sign-in's devices stop receiving the person's notifications."""
    await PushSubscription.delete().where(PushSubscription.session == session)


async def forget_person(person_id: UUID) -> None:
    await PushSubscription.delete().where(PushSubscription.person == person_id)


# --- notifications -------------------------------------------------------------------------


async def notify(
    person_ids: Sequence[UUID],
    kind: str,
    *,
    url: str,
    subject_id: UUID | None = None,
    topic: str = "",
    at: datetime | None = None,
) -> list[UUID]:
    """A notification for each person, in their inbox and queued for each of their devices,
    in the open transaction (the outbox: it is sent only if the event that caused it is
    committed). `at`: when, if not now (a reminder round's own clock). -> the notification
    ids."""
    return await notify_each(kind, [(person_ids, subject_id, url)], topic=topic, at=at)


async def notify_each(
    kind: str,
    items: Sequence[tuple[Sequence[UUID], UUID | None, str]],
    *,
    topic: str = "",
    at: datetime | None = None,
) -> list[UUID]:
    """`notify` for many subjects at once, (people, subject, url) each, in a few statements
    whatever their number (an alert round may raise thousands). A device whose person
    turned this kind off gets no push; the inbox still shows it."""
    spec = messages.KINDS[kind]
    if not TOPIC.fullmatch(topic):
        raise ValueError(f"a push topic is up to 32 URL-safe base64 characters, not {topic!r}")
    created = at or now()
    notifications: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "person": person,
            "kind": kind,
            "subject_id": subject_id,
            "url": url,
            "topic": topic,
            "urgency": spec.urgency,
            "ttl_seconds": spec.ttl_seconds,
            "created_at": created,
            "read_at": None,
        }
        for person_ids, subject_id, url in items
        for person in person_ids
    ]
    if not notifications:
        return []
    people = sorted({n["person"] for n in notifications})
    async with write_transaction():
        subscriptions = await fetch_in(
            "SELECT s.id, s.person, q.muted FROM push_subscription s"
            " LEFT JOIN push_preference q ON q.person = s.person WHERE s.person IN ({in})",
            people,
        )
        by_person: dict[UUID, list[UUID]] = {}
        for row in subscriptions:
            if spec.optional and kind in (row["muted"] or "").split():
                continue
            by_person.setdefault(as_uuid(row["person"]), []).append(as_uuid(row["id"]))
        due = dict.fromkeys(people, created)
        if spec.urgency != "high" and by_person:
            due |= await _after_quiet_hours(list(by_person), created)
        await insert_rows(Notification, notifications)
        await insert_rows(
            PushDelivery,
            [
                {
                    "id": uuid.uuid4(),
                    "notification": n["id"],
                    "subscription": subscription,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": due[n["person"]],
                    "due_at": due[n["person"]],
                    "claimed_until": None,
                    "last_status": None,
                    "last_error": "",
                    "sent_at": None,
                }
                for n in notifications
                for subscription in by_person.get(n["person"], [])
            ],
        )
    return [n["id"] for n in notifications]


async def _after_quiet_hours(person_ids: list[UUID], moment: datetime) -> dict[UUID, datetime]:
    """For people in their quiet hours at `moment`: when those end."""
    rows = await fetch_in(
        f"SELECT q.person, q.quiet_start, q.quiet_end, {PERSON_SETTINGS}"
        " JOIN push_preference q ON q.person = p.id"
        " WHERE q.quiet_start <> '' AND q.person IN ({in})",
        person_ids,
    )
    later: dict[UUID, datetime] = {}
    for row in rows:
        until = quiet_until(
            moment,
            setting(row, "time_zone", "UTC"),
            time.fromisoformat(row["quiet_start"]),
            time.fromisoformat(row["quiet_end"]),
        )
        if until is not None:
            later[as_uuid(row["person"])] = until
    return later


async def not_notified_since(person_ids: Sequence[UUID], kind: str, since: datetime) -> list[UUID]:
    """Those of the people who got no notification of this kind after `since`, in one query."""
    if not person_ids:
        return []
    rows = await fetch_in(
        "SELECT DISTINCT person FROM push_notification WHERE kind = {} AND created_at > {}"
        " AND person IN ({in})",
        person_ids,
        kind,
        since,
    )
    notified = {as_uuid(row["person"]) for row in rows}
    return [person for person in person_ids if person not in notified]


# --- preferences ---------------------------------------------------------------------------


async def get_preferences(principal: Principal) -> NotificationPreferences:
    me = policy.inbox_owner(principal)
    [row] = await fetch(
        f"SELECT q.quiet_start, q.quiet_end, q.muted, {PERSON_SETTINGS}"
        " LEFT JOIN push_preference q ON q.person = p.id WHERE p.id = {}",
        me,
    )
    quiet = (
        QuietHours(start=row["quiet_start"], end=row["quiet_end"]) if row["quiet_start"] else None
    )
    return NotificationPreferences(
        quiet_hours=quiet,
        time_zone=setting(row, "time_zone", "UTC"),
        muted_kinds=(row["muted"] or "").split(),
        choosable_kinds=messages.CHOOSABLE,
    )


async def save_preferences(
    principal: Principal, data: NotificationPreferencesUpdate
) -> NotificationPreferences:
    """Changes what the request names (quiet hours, muted kinds); keeps the rest."""
    me = policy.inbox_owner(principal)
    changes: dict[str, str] = {}
    if "quiet_hours" in data.model_fields_set:
        quiet = data.quiet_hours
        changes["quiet_start"], changes["quiet_end"] = (
            (quiet.start, quiet.end) if quiet else ("", "")
        )
    if data.muted_kinds is not None:
        unknown = sorted(set(data.muted_kinds) - set(messages.CHOOSABLE))
        if unknown:
            raise ProblemError(
                422,
                "unknown_notification_kind",
                f"These notifications cannot be turned off: {', '.join(unknown)}.",
            )
        changes["muted"] = " ".join(sorted(set(data.muted_kinds)))
    columns = PushPreference._meta.get_column_by_name
    values: dict[Any, Any] = {columns(name): value for name, value in changes.items()}
    async with write_transaction():
        updated = (
            await PushPreference.update(values | {PushPreference.updated_at: now()})
            .where(PushPreference.person == me)
            .returning(PushPreference.id)
        )
        if not updated:
            defaults = {"quiet_start": "", "quiet_end": "", "muted": ""}
            row = {"id": uuid.uuid4(), "person": me, **defaults, **changes, "updated_at": now()}
            await insert_rows(PushPreference, [row])
    return await get_preferences(principal)


# --- inbox ---------------------------------------------------------------------------------


async def _person_locale(person_id: UUID) -> str:
    [row] = await fetch(f"SELECT {PERSON_SETTINGS} WHERE p.id = {{}}", person_id)
    return setting(row, "locale", "")


def _inbox(person_id: UUID) -> Select[Any]:
    return Notification.select(
        Notification.id,
        Notification.kind,
        Notification.subject_id,
        Notification.url,
        Notification.created_at,
        Notification.read_at,
    ).where(Notification.person == person_id)


async def list_notifications(
    principal: Principal, cursor: str | None, limit: int, locale: str | None
) -> NotificationPage:
    me = policy.inbox_owner(principal)
    if locale is None:
        locale = await _person_locale(me)
    rows: list[dict[str, Any]] = await newest_first(
        _inbox(me), Notification.created_at, Notification.id, cursor, limit
    )
    unread = await Notification.count().where(
        (Notification.person == me) & Notification.read_at.is_null()
    )
    return NotificationPage(
        items=[_read(row, locale) for row in rows[:limit]],
        unread=unread,
        next_cursor=next_cursor(rows, limit, "created_at"),
    )


async def whole_inbox(principal: Principal) -> list[NotificationRead]:
    """Every notification, oldest first, in the person's language (the data export)."""
    me = policy.inbox_owner(principal)
    locale = await _person_locale(me)
    rows = await _inbox(me).order_by(Notification.created_at, Notification.id)
    return [_read(row, locale) for row in rows]


def _read(row: dict[str, Any], locale: str) -> NotificationRead:
    title, body = messages.text(row["kind"], locale)
    return NotificationRead(**row, title=title, body=body)


async def mark_read(principal: Principal, ids: list[UUID] | None) -> None:
    mine = (Notification.person == policy.inbox_owner(principal)) & Notification.read_at.is_null()
    if ids is not None:
        if not ids:
            return
        mine = mine & Notification.id.is_in(ids)
    await Notification.update({Notification.read_at: now()}).where(mine)


# --- the dispatcher's side -----------------------------------------------------------------

# A dispatcher has this long to report on what it claimed; after that another may take it.
CLAIM_LEASE = timedelta(seconds=60)


async def claim_due(limit: int) -> list[dict[str, Any]]:
    """Due deliveries, claimed for this dispatcher: on PostgreSQL rows another dispatcher has
    locked are skipped (`FOR UPDATE SKIP LOCKED`); on SQLite the one writer claims alone.
    -> what sending them needs."""
    moment = now()
    skip_locked = "" if is_sqlite() else " FOR UPDATE SKIP LOCKED"
    async with write_transaction():
        claimed = await fetch(
            "UPDATE push_delivery SET claimed_until = {}, attempts = attempts + 1"  # noqa: S608 - constants only
            " WHERE id IN (SELECT id FROM push_delivery WHERE status = 'pending'"
            " AND next_attempt_at <= {} AND (claimed_until IS NULL OR claimed_until < {})"
            f" ORDER BY next_attempt_at LIMIT {int(limit)}{skip_locked}) RETURNING id",
            moment + CLAIM_LEASE,
            moment,
            moment,
        )
        ids = [as_uuid(row["id"]) for row in claimed]
        if not ids:
            return []
        rows = await fetch(
            "SELECT d.id, d.attempts, d.due_at, n.kind, n.url, n.topic, n.urgency,"
            " n.ttl_seconds, n.subject_id, s.id AS subscription, s.endpoint, s.p256dh, s.auth,"
            f" {PERSON_SETTINGS} JOIN push_notification n ON n.person = p.id"
            " JOIN push_delivery d ON d.notification = n.id"
            " JOIN push_subscription s ON s.id = d.subscription"
            f" WHERE d.id IN ({placeholders(ids)}) ORDER BY d.next_attempt_at",
            *ids,
        )
    # The language the message is written in.
    return [{**row, "locale": setting(row, "locale", "")} for row in rows]


async def delivered(delivery_id: UUID, status: int) -> None:
    await PushDelivery.update(
        {
            PushDelivery.status: "sent",
            PushDelivery.sent_at: now(),
            PushDelivery.last_status: status,
            PushDelivery.claimed_until: None,
        }
    ).where(PushDelivery.id == delivery_id)


async def retry_at(delivery_id: UUID, at: datetime, status: int | None, error: str) -> None:
    await PushDelivery.update(
        {
            PushDelivery.next_attempt_at: at,
            PushDelivery.claimed_until: None,
            PushDelivery.last_status: status,
            PushDelivery.last_error: error,
        }
    ).where(PushDelivery.id == delivery_id)


async def given_up(delivery_id: UUID, outcome: str, status: int | None, error: str) -> None:
    """`failed` (refused for good) or `expired` (not delivered within its TTL)."""
    await PushDelivery.update(
        {
            PushDelivery.status: outcome,
            PushDelivery.claimed_until: None,
            PushDelivery.last_status: status,
            PushDelivery.last_error: error,
        }
    ).where(PushDelivery.id == delivery_id)


async def subscription_gone(subscription_id: UUID) -> None:
    """The push service no longer knows the endpoint (404/410): the subscription and its
    pending deliveries go."""
    await PushSubscription.delete().where(PushSubscription.id == subscription_id)


async def active_admins() -> list[UUID]:
    rows = await fetch("SELECT id, roles FROM org_person WHERE active")
    return [as_uuid(r["id"]) for r in rows if "admin" in r["roles"].split()]


async def erase_person(person_id: UUID) -> Erasure:
    """A departed person's devices, inbox and settings: nobody else's record needs them."""
    return Erasure(
        removed={
            "push_devices": await delete_where(
                PushSubscription, PushSubscription.person == person_id
            ),
            "notifications": await delete_where(Notification, Notification.person == person_id),
            "notification_preferences": await delete_where(
                PushPreference, PushPreference.person == person_id
            ),
        }
    )


async def purge_before(cutoff: datetime) -> int:
    """Notifications (with their deliveries) created before the cutoff."""
    return await delete_where(Notification, Notification.created_at < cutoff)
