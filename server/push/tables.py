from piccolo.columns import (
    UUID,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.org.tables import Person


class PushSubscription(Table, tablename="push_subscription"):
    """A browser's push endpoint for one person on one device, tied to the sign-in that
    registered it: signing out (or a new person signing in on the device) removes it."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    # The refresh-token family of the sign-in (the access token's session id).
    session = UUID(index=True)
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=100)
    created_at = Timestamptz()
    seen_at = Timestamptz()


class Notification(Table, tablename="push_notification"):
    """The inbox: every notification a person gets, pushed or not."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    # What it is about (an alert, a goal, a check-in) and where the app opens it.
    subject_id = UUID(null=True, default=None)
    url = Varchar(length=300)
    # Repeated notifications with one topic replace each other on the phone and at the
    # push service (e.g. the daily reminder of one pending signature).
    topic = Varchar(length=32)
    urgency = Varchar(length=10)
    ttl_seconds = Integer()
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)


class PushDelivery(Table, tablename="push_delivery"):
    """The outbox: one notification to one subscription, written in the transaction of the
    event that caused it and sent by the dispatcher."""

    id = UUID(primary_key=True)
    notification = ForeignKey(Notification, on_delete=OnDelete.cascade, index=True)
    subscription = ForeignKey(PushSubscription, on_delete=OnDelete.cascade, index=True)
    # pending -> sent | failed | expired (a gone subscription deletes its deliveries).
    status = Varchar(length=10, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    # When it first became due (after the person's quiet hours): its TTL counts from here.
    due_at = Timestamptz()
    # A dispatcher that claimed it and has not answered by then is presumed dead.
    claimed_until = Timestamptz(null=True, default=None)
    last_status = Integer(null=True, default=None)
    last_error = Text(default="")
    sent_at = Timestamptz(null=True, default=None)


class PushPreference(Table, tablename="push_preference"):
    """A person's notification settings: quiet hours ("HH:MM" wall-clock times in their time
    zone; both empty: none), when pushes that can wait are held back, and the kinds they do
    not want pushed (the inbox still shows them)."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, unique=True)
    quiet_start = Varchar(length=5, default="")
    quiet_end = Varchar(length=5, default="")
    muted = Text(default="")  # space separated kinds
    updated_at = Timestamptz()
