"""Web Push subscriptions and the notification inbox."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field, model_validator

from shared_schemas.common import ReadModel, WriteModel, refuse_null

# base64url without padding, as `PushSubscription.toJSON()` gives the keys.
BASE64URL = r"^[A-Za-z0-9_-]+$"


class VapidPublicKey(ReadModel):
    application_server_key: str


class SubscriptionKeys(WriteModel):
    p256dh: str = Field(min_length=80, max_length=100, pattern=BASE64URL)
    auth: str = Field(min_length=16, max_length=32, pattern=BASE64URL)


class SubscriptionIn(WriteModel):
    endpoint: str = Field(min_length=12, max_length=1000, pattern=r"^https?://\S+$")
    keys: SubscriptionKeys


class SubscriptionRemove(WriteModel):
    endpoint: str = Field(min_length=1, max_length=1000)


class NotificationRead(ReadModel):
    id: UUID
    kind: str
    # In the language asked for (else the person's): the same neutral text as the push.
    title: str
    body: str
    subject_id: UUID | None
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(ReadModel):
    items: list[NotificationRead]
    unread: int
    next_cursor: str | None


class NotificationsRead(WriteModel):
    """Mark these as read; none given: all of mine."""

    ids: list[UUID] | None = Field(default=None, max_length=200)


HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class QuietHours(WriteModel):
    """Wall-clock times in the person's time zone; the window may cross midnight."""

    start: str = Field(pattern=HH_MM, examples=["22:00"])
    end: str = Field(pattern=HH_MM, examples=["07:00"])

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end times")
        return self


class NotificationPreferences(ReadModel):
    # None: pushes come at any hour.
    quiet_hours: QuietHours | None
    # The time zone the quiet hours are in (the person's, else the company's).
    time_zone: str
    # Kinds this person does not want pushed (the inbox still shows them).
    muted_kinds: list[str]
    # The kinds a person may turn off.
    choosable_kinds: list[str]


class NotificationPreferencesUpdate(WriteModel):
    """Only what is given changes. `quiet_hours: null` turns quiet hours off."""

    quiet_hours: QuietHours | None = None
    muted_kinds: list[str] | None = Field(default=None, max_length=20)

    _not_null = refuse_null("muted_kinds")
