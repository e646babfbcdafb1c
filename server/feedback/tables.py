"""Kudos (recognition, public or private, with reactions) and SBI feedback."""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.goals.tables import Goal
from server.org.tables import Person


class Kudos(Table, tablename="feedback_kudos"):
    id = UUID(primary_key=True)
    author = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    # The specific behaviour being recognised (required, coached when generic).
    behaviour = Text()
    goal = ForeignKey(Goal, null=True, on_delete=OnDelete.set_null)
    company_value = Varchar(length=100, default="")
    # public | private; not indexed: two values, and the feed is read in `created_at` order.
    visibility = Varchar(length=10)
    # Sent although the coach found it generic: not counted as specific recognition.
    generic = Boolean(default=False)
    created_at = Timestamptz(index=True)
    # When it was written on the phone (it may sync later).
    written_at = Timestamptz()
    # Moved by database triggers whenever what it shows changes (its reactions, a recipient
    # taken away, its own columns): a phone holding the feed names each kudos by it.
    revision = Integer(default=0)


class KudosRecipient(Table, tablename="feedback_kudos_recipient"):
    # Looked up by `feedback_kudos_recipient_once` (kudos, person), which leads with it.
    kudos = ForeignKey(Kudos, on_delete=OnDelete.cascade)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    # Copies of the kudos' author, when it was written and whether it was generic (a kudos
    # is never changed, only deleted with its recipients), so the specific recognition each
    # person last had from their manager is read from the recipients alone: the alert round
    # asks it for everyone.
    author = UUID(null=True, default=None)
    written_at = Timestamptz(null=True, default=None)
    generic = Boolean(default=False)


class KudosReaction(Table, tablename="feedback_kudos_reaction"):
    # Looked up by `feedback_kudos_reaction_once` (kudos, person, emoji), which leads with it.
    kudos = ForeignKey(Kudos, on_delete=OnDelete.cascade)
    person = ForeignKey(Person, on_delete=OnDelete.cascade)
    emoji = Varchar(length=16)
    created_at = Timestamptz()


class Feedback(Table, tablename="feedback_sbi"):
    """Constructive feedback in Situation-Behaviour-Impact form, to one person."""

    id = UUID(primary_key=True)
    author = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    recipient = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    situation = Text()
    behaviour = Text()
    impact = Text()
    suggestion = Text(default="")
    # The author chose to let the recipient's direct manager read it too.
    shared_with_manager = Boolean(default=False)
    created_at = Timestamptz(index=True)
    written_at = Timestamptz()
