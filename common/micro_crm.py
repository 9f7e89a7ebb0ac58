"""The Micro CRM API's own envelopes (``spec/micro-crm-openapi.json``).

Its endpoints answer ``{data: ...}`` or ``{data, pagination}`` with camelCase
fields, and errors as ``{"error": "<message>"}`` (plus ``existingId`` on a
duplicate). Component names (``Error``, ``Pagination``, ...) match that document.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from common.api import CONTROL_CHARACTERS_MESSAGE, has_control_characters

T = TypeVar("T")


class MicroRequest(BaseModel):
    """Base of Micro CRM request bodies: camelCase aliases, unknown fields ignored.

    The original API ignored fields it did not know (lead forms send extras), so
    these bodies do too, unlike Skeleton's ``Strict`` ones.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        if has_control_characters(value):
            raise ValueError(CONTROL_CHARACTERS_MESSAGE)
        return value


class MicroRead(BaseModel):
    """Base of Micro CRM responses: fields serialised under their camelCase aliases."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Error(BaseModel):
    """Every Micro CRM error."""

    error: str = Field(description="Error message", examples=["Name is required"])


class ConflictError(Error):
    """409 on a duplicate: the record that already exists."""

    existing_id: str = Field(alias="existingId", examples=["0193..."])

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Pagination(MicroRead):
    total: int = Field(description="Total number of items")
    limit: int = Field(description="Items per page")
    offset: int = Field(description="Current offset")
    has_more: bool = Field(alias="hasMore", description="Whether more items exist")


class DataEnvelope(MicroRead, Generic[T]):
    """``{data: ...}``."""

    data: T


class ListEnvelope(MicroRead, Generic[T]):
    """``{data: [...], pagination: {...}}``."""

    data: list[T]
    pagination: Pagination


def _plain_number(value: float) -> Any:
    # 5000 rather than 5000.0, as the document's examples show.
    return int(value) if value.is_integer() else value


# A JSON number; written without ".0" when whole.
Number = Annotated[
    float, PlainSerializer(_plain_number, return_type=Any), WithJsonSchema({"type": "number"})
]


class OffsetQuery(BaseModel):
    """The query string of a Micro CRM list: ``limit`` rows from ``offset``."""

    limit: int = Field(default=50, ge=1, le=100, description="Maximum number of items (max 100)")
    offset: int = Field(default=0, ge=0, description="Number of items to skip for pagination")
