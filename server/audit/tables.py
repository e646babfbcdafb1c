from piccolo.columns import UUID, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from server.org.tables import Person


class AccessLog(Table, tablename="audit_access_log"):
    id = UUID(primary_key=True)
    viewer = ForeignKey(Person, on_delete=OnDelete.cascade)
    subject = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    # The kind of record read ("profile", later "checkin", "goal", ...), and why it was allowed.
    record_kind = Varchar(length=40)
    relation = Varchar(length=20)
    record_id = UUID(null=True, default=None)
    viewed_at = Timestamptz(index=True)
