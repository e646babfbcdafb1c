"""The idempotency record of every mutation a phone pushed: written in the same transaction
as the mutation's effect (or the same statement), so a retried delivery finds it and nothing
happens twice."""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    BigSerial,
    Boolean,
    ForeignKey,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.org.tables import Person


class SyncMutation(Table, tablename="sync_mutation"):
    # The client's mutation id; the primary key makes it unique across all users.
    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=40)
    payload_hash = Varchar(length=64)
    status = Varchar(length=10)  # applied | rejected
    entity_id = UUID(null=True, default=None)
    # The problem document of a rejection, as JSON.
    error = Text(default="")
    device_id = Varchar(length=100)
    received_at = Timestamptz()


class SyncChange(Table, tablename="sync_change"):
    """What changed, appended by database triggers (never by the app): one row per topic a
    write statement touched, such as `checkins:<employee id>` or `people`. A pull compares
    the newest id and the number of rows of each topic a collection is made from with what
    the phone's cursor holds, and builds the collection only when they differ
    (`server/sync/versions.py`)."""

    id = BigSerial(primary_key=True)
    topic = Varchar(length=100)
    # Written by the compaction in place of the rows it folded (`versions.compact`).
    folded = Boolean(default=False)
    changed_at = Timestamptz()
