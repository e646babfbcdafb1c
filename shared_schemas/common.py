"""Building blocks every domain's schemas use."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


class WriteModel(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """PostgreSQL cannot store the NUL character in text: refused here, with the field
        named, rather than failing in the database."""
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("must not contain the NUL character")
        return value


def refuse_null(*fields: str) -> Any:
    """For a partial update's fields whose None default means "left out, keep the value":
    null sent for one of them is refused (400) instead of reaching the database, since the
    record always has that value. Defaults are not validated, so leaving a field out still
    works. Use in a class body: `_not_null = refuse_null("name", ...)`."""

    def check(cls: type[BaseModel], value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    return field_validator(*fields, mode="before")(check)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _iso_text(value: object) -> object:
    """Dates and times come as ISO 8601 text, as the schema says; pydantic alone would also
    take a number (as seconds since 1970) for them."""
    if not isinstance(value, str | date):
        raise ValueError("must be an ISO 8601 date or date-time written as text")
    return value


def _json_bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _json_integer(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


# Request-body types that take only the JSON type the document gives: pydantic would turn 0
# into false, false into 0, and a number into a date (Litestar validates bodies with
# strict=False, which overrides pydantic's own Strict types).
Day = Annotated[date, BeforeValidator(_iso_text)]
Timestamp = Annotated[datetime, BeforeValidator(_iso_text)]
Flag = Annotated[bool, BeforeValidator(_json_bool)]
WholeNumber = Annotated[int, BeforeValidator(_json_integer)]


class FieldError(BaseModel):
    field: str
    message: str
    code: str | None = None
    line: int | None = Field(default=None, description="For file uploads: the 1-based line.")


class Problem(BaseModel):
    """RFC 9457 problem details, as every error answers."""

    type: str = "about:blank"
    title: str
    status: int
    code: str = Field(description="Stable machine-readable code; the PWA translates it.")
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class PersonRef(ReadModel):
    """The smallest mention of a person: enough to show a name."""

    id: UUID
    display_name: str


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
