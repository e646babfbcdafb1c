"""Building blocks every domain's schemas use."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class WriteModel(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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
