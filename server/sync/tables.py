"""The idempotency record of every mutation a phone pushed: written in the same transaction
as the mutation's effect, so a retried delivery finds it and nothing happens twice."""

from __future__ import annotations

from piccolo.columns import UUID, ForeignKey, OnDelete, Text, Timestamptz, Varchar
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
