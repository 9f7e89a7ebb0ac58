"""Envelopes every Skeleton endpoint shares: the error body and the list shapes."""

from __future__ import annotations

import re
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


class CursorItems(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end")
    has_more: bool
    limit: int


class CursorPage(BaseModel, Generic[T]):
    """Cursor list (contracts): ``{data: {items, next_cursor, has_more, limit}}``."""

    data: CursorItems[T]


class CreatedId(BaseModel):
    id: str


class Created(BaseModel):
    """What a create answers where the spec shows only the id (contracts): ``{data: {id}}``."""

    data: CreatedId


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
    def _plain_text(cls, value: object) -> object:
        if has_control_characters(value):
            raise ValueError(CONTROL_CHARACTERS_MESSAGE)
        return value

    def provided(self) -> dict[str, object]:
        """The fields the client actually sent (absent fields are not here; null is)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


# C0 and C1 controls other than tab, line feed and carriage return, and lone
# surrogates (valid JSON, "\ud800", but no text): no field means to hold them,
# PostgreSQL refuses NUL, SQLite's FTS5 chokes on it, UTF-8 cannot encode a surrogate.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTERS_MESSAGE = (
    "Text must not contain control characters (tab and line breaks are fine)"
)


def has_control_characters(value: object) -> bool:
    """True if ``value`` (or any string inside it) holds a character no text field may hold."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(has_control_characters(k) or has_control_characters(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_control_characters(v) for v in value)
    return False
