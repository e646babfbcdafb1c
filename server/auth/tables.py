from piccolo.columns import UUID, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from server.org.tables import Person


class Credential(Table, tablename="auth_credential"):
    """Kept apart from Person so no people query can ever return a password hash."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, unique=True)
    password_hash = Varchar(length=255)
    updated_at = Timestamptz()


class RefreshToken(Table, tablename="auth_refresh_token"):
    """One row per issued refresh token. Tokens of one sign-in share a family; a rotated
    token presented again means it leaked, and the whole family is revoked."""

    id = UUID(primary_key=True)
    family = UUID(index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    rotated_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginFailure(Table, tablename="auth_login_failure"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, index=True)
    address = Varchar(length=64, index=True)
    failed_at = Timestamptz(index=True)
