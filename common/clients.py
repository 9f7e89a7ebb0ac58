"""Micro CRM clients: the integration view of customers (DESIGN.md, "clients are customers")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from common.micro_crm import MicroRead, MicroRequest, OffsetQuery
from common.rules import NOT_BLANK


def _required_text(value: Any, label: str, limit: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{label} is required")
    if not isinstance(value, str):
        raise ValueError(f"{label} must be a string")
    if len(value) > limit:  # as sent, as the schema's maxLength counts
        raise ValueError(f"{label} must be at most {limit} characters")
    return value.strip()


# The customers' limits, checked as sent (a customer checks them again, stripped).
LIMITS = {"email": 254, "phone": None, "company": 200, "notes": 10_000}


def _optional_text(value: Any, label: str, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{label} must be a string")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{label} must be at most {limit} characters")
    return value.strip() or None


class CreateClientRequest(MicroRequest):
    """``POST /clients``: a lead from a form. Field rules are the customers' rules."""

    name: str = Field(
        description="Client name (required)",
        examples=["Jane Smith"],
        json_schema_extra={"maxLength": 200, "pattern": NOT_BLANK},
    )
    email: str | None = Field(
        default=None,
        description="Email address",
        json_schema_extra={"format": "email", "maxLength": LIMITS["email"]},
        examples=["jane@example.com"],
    )
    phone: str | None = Field(default=None, description="Phone number", examples=["+1 555-0456"])
    company: str | None = Field(
        default=None,
        description="Company name",
        examples=["Tech Corp"],
        json_schema_extra={"maxLength": LIMITS["company"]},
    )
    notes: str | None = Field(
        default=None,
        description="Additional notes",
        examples=["Interested in premium plan"],
        json_schema_extra={"maxLength": LIMITS["notes"]},
    )

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: Any) -> str:
        return _required_text(v, "Name", 200)

    @field_validator("email", "phone", "company", "notes", mode="before")
    @classmethod
    def _text(cls, v: Any, info: Any) -> str | None:
        return _optional_text(v, info.field_name.capitalize(), LIMITS[info.field_name])


class Client(MicroRead):
    """A client as Micro CRM shows it."""

    id: str = Field(description="Unique identifier")
    name: str = Field(description="Client name")
    email: str | None = Field(description="Email address", json_schema_extra={"format": "email"})
    phone: str | None = Field(description="Phone number (international format)")
    company: str | None = Field(description="Company name")
    notes: str | None = Field(description="Additional notes")
    created_at: datetime = Field(alias="createdAt", description="Creation timestamp")
    updated_at: datetime = Field(alias="updatedAt", description="Last update timestamp")


class ClientQuery(OffsetQuery):
    """``GET /clients``."""

    limit: int = Field(
        default=50, ge=1, le=100, description="Maximum number of clients to return (max 100)"
    )
    offset: int = Field(default=0, ge=0, description="Number of clients to skip for pagination")
    search: str | None = Field(
        default=None, description="Search clients by name, email, or company"
    )
