"""Envelopes every Skeleton endpoint shares: the error body and the list shapes."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")
MAX_LIMIT = 100
MAX_PAGE = 10_000_000  # keeps (page - 1) * limit far inside a 64-bit offset


class ErrorBody(BaseModel):
    """The one error body of every Skeleton endpoint."""

    error: str = Field(examples=["validation_error"])
    message: str = Field(examples=["Invalid input"])
    details: dict[str, str] | None = Field(
        default=None, examples=[{"email": "Invalid email format"}]
    )


class Page(BaseModel, Generic[T]):
    """Page/limit list: ``{items, total, page, limit, has_more}``."""

    items: list[T]
    total: int
    page: int
    limit: int
    has_more: bool


class DataList(BaseModel, Generic[T]):
    """Unpaginated list: ``{data: [...]}`` (roles, countries)."""

    data: list[T]


class PageQuery(BaseModel):
    """The query string of a page/limit list; a module's list adds its filters to it."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    sort_by: str | None = Field(default=None, description="One of the list's sort fields")
    sort_order: Literal["asc", "desc"] = "asc"
    search: str | None = Field(default=None, max_length=200)


class CursorQuery(BaseModel):
    """The query string of a cursor list (contracts): the last id seen, and how many."""

    cursor: str | None = Field(
        default=None, max_length=36, description="UUIDv7 of the last item seen"
    )
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)


class Message(BaseModel):
    """A plain acknowledgement."""

    message: str


class Strict(BaseModel):
    """Base for request bodies: unknown fields are refused, so a typo is never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL cannot store NUL in text; refuse it here with a clear message.
        if _has_nul(value):
            raise ValueError("Text must not contain NUL characters")
        return value

    def provided(self) -> dict[str, object]:
        """The fields the client actually sent (absent fields are not here; null is)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False
