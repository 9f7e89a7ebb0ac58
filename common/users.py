"""Users, roles and auth: request and response schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from common.api import Strict
from common.rules import EMAIL, NAME, not_null
from common.validation import check_password, fold, normalize_email, normalize_name


class RegisterRequest(Strict):
    email: str = Field(max_length=254, examples=["user@example.com"], json_schema_extra=EMAIL)
    password: str = Field(min_length=8, max_length=256, examples=["SecurePass123!"])
    name: str = Field(max_length=200, examples=["John Doe"], json_schema_extra=NAME)

    _email = field_validator("email")(normalize_email)
    _password = field_validator("password")(check_password)
    _name = field_validator("name")(normalize_name)


class LoginRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)

    @field_validator("email")
    @classmethod
    def _normal(cls, v: str) -> str:
        # The stored normal form; an address that is not one cannot match (401, not 422).
        try:
            return normalize_email(v)
        except ValueError:
            return fold(v.strip())


class RefreshRequest(Strict):
    refresh_token: str = Field(min_length=1, max_length=512)


class LogoutRequest(Strict):
    """Optional body of logout; without it the caller's current session ends."""

    refresh_token: str | None = Field(default=None, max_length=512)


class UserRead(BaseModel):
    id: str
    email: str
    name: str
    active: bool
    roles: list[str]
    created_at: datetime
    updated_at: datetime


class MeRead(UserRead):
    permissions: list[str]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    user: UserRead


class UserUpdate(Strict):
    """``PATCH /users/:id``: absent = unchanged; email and name cannot be cleared."""

    email: str | None = Field(default=None, max_length=254, json_schema_extra=not_null(EMAIL))
    name: str | None = Field(default=None, max_length=200, json_schema_extra=not_null(NAME))

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None:
            raise ValueError("Email cannot be cleared")
        return normalize_email(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is None:
            raise ValueError("Name cannot be cleared")
        return normalize_name(v)


class RoleAssign(Strict):
    role_id: str = Field(min_length=1, max_length=64)


class RoleRead(BaseModel):
    id: str
    name: str
    description: str
    permissions: list[str]
    created_at: datetime
    updated_at: datetime
