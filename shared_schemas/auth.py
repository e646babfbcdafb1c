from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared_schemas.common import EMAIL_PATTERN, ReadModel, WriteModel


class LoginRequest(WriteModel):
    email: str = Field(max_length=320, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(WriteModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class LogoutRequest(WriteModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class TokenPair(ReadModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type name
    expires_in: int = Field(description="Seconds until the access token expires.")
