from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from server.org.tables import Person


class RetentionPeriod(Table, tablename="privacy_retention"):
    """How long HR keeps one kind of record; a kind without a row keeps its default
    (`privacy.retention.RULES`)."""

    kind = Varchar(length=20, primary_key=True)
    # None: kept until someone deletes it.
    days = Integer(null=True, default=None)
    updated_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()
